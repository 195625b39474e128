package kernels

// kBlock is a range k0 ≤ k < k1 of the columns of a convolution's column
// matrix (the rows of the K×F filter) together with the output rows
// oyLo ≤ oy < oyHi outside which those columns are all zero padding. The
// convolutions multiply each block only over the tile rows of those output
// rows, so that they do not spend FLOPs on taps that read the padding.
type kBlock struct {
	k0, k1     int
	oyLo, oyHi int
}

// kBlocks returns the blocks a convolution multiplies. Unsplit, that is one
// block: all of K over all output rows. Split, there is one block per
// filter row ky (K = KW·C columns each), valid for the output rows whose
// input row oy·SH+ky−PadTop lies inside x.
func (p ConvParams) kBlocks(split bool) []kBlock {
	if !split {
		return []kBlock{{0, p.KH * p.KW * p.C, 0, p.OH}}
	}
	rowLen := p.KW * p.C
	blocks := make([]kBlock, p.KH)
	for ky := range p.KH {
		lo, hi := p.validOutputRows(ky)
		blocks[ky] = kBlock{ky * rowLen, (ky + 1) * rowLen, lo, hi}
	}
	return blocks
}

// validOutputRows returns the output rows lo ≤ oy < hi whose input row
// oy·SH+ky−PadTop for filter row ky lies in [0, H); lo ≥ hi when none does.
func (p ConvParams) validOutputRows(ky int) (lo, hi int) {
	// 0 ≤ oy·SH + ky − PadTop  ⇔  oy ≥ ⌈(PadTop−ky)/SH⌉
	if d := p.PadTop - ky; d > 0 {
		lo = ceilDiv(d, p.SH)
	}
	// oy·SH + ky − PadTop ≤ H−1  ⇔  oy ≤ ⌊(H−1+PadTop−ky)/SH⌋
	d := p.H - 1 + p.PadTop - ky
	if d < 0 {
		return 0, 0
	}
	return min(lo, p.OH), min(p.OH, d/p.SH+1)
}

// splitMinRowLen is the least KW·C for which a convolution splits K by
// filter row: shallower products run the micro-kernel over too few steps
// per load and store of C to pay for the skipped zeros.
const splitMinRowLen = 64

// splitK reports whether splitting K by filter row is worth its shorter
// products: when KW·C ≥ splitMinRowLen and at least 1/32 of the (filter
// row, output row) pairs read padding (in the 5×5 stride-2 layers of
// SD-DCGAN, 3/80 to 3/20 of them do).
func (p ConvParams) splitK() bool {
	if p.KH == 1 || p.KW*p.C < splitMinRowLen {
		return false
	}
	padded := 0
	for ky := range p.KH {
		lo, hi := p.validOutputRows(ky)
		padded += p.OH - max(0, hi-lo)
	}
	return 32*padded >= p.KH*p.OH
}
