//go:build !noasm

package kernels

// pairPanelAVX512BF16 rounds a panel of kc rows of w values to bfloat16 pairs in place (bf16_amd64.s), as
// toBF16Pairs does.
//
//go:noescape
func pairPanelAVX512BF16(pan *float32, kc, w int)

// pairPanelAsm is toBF16Pairs in assembly where the CPU has AVX512_BF16 (nil elsewhere): one call a panel, so
// that a panel of narrow rows (the 14-value rows of A's panels) does not pay a call per row pair.
var pairPanelAsm = func() func(pan []float32, kc, w int) {
	if !canBF16 {
		return nil
	}
	return func(pan []float32, kc, w int) {
		if kc <= 0 || w <= 0 {
			return
		}
		_ = pan[kc*w-1]
		pairPanelAVX512BF16(&pan[0], kc, w)
	}
}()

// pairRowsPanelsAVX512BF16 packs rows 2pp and 2pp+1 of a non-transposed B, n columns from lo and hi (hi nil: zeros),
// into row pp of each 32-column panel of pairs, the panels stride values apart (bf16_amd64.s).
//
//go:noescape
func pairRowsPanelsAVX512BF16(dst, lo, hi *float32, n, stride int)

// packBPairs32 is the microKernel.packBPairs of the AVX-512 bf16 kernel: one assembly call a row pair covers
// every panel.
func packBPairs32(dst, b []float32, ldb, kc, nc int) {
	if kc <= 0 || nc <= 0 {
		return
	}
	const nr = 32
	_, _ = dst[(ceilDiv(nc, nr)-1)*kc*nr+(kc+1)/2*nr-1], b[(kc-1)*ldb+nc-1]
	for pp := 0; 2*pp < kc; pp++ {
		var hi *float32
		if 2*pp+1 < kc {
			hi = &b[(2*pp+1)*ldb]
		}
		pairRowsPanelsAVX512BF16(&dst[pp*nr], &b[2*pp*ldb], hi, nc, kc*nr)
	}
}

// packA14TransPairsAVX512 packs panels of 14 columns of a stored-transposed A as bfloat16 pairs (bf16_amd64.s):
// for q < panels, pp < ⌈kc/2⌉ and i < 14,
//
//	dst[q*kc*14+pp*14+i] = bf16(alpha · src[2pp*lda+q*14+i]) | bf16(alpha · src[(2pp+1)*lda+q*14+i]) << 16
//
//go:noescape
func packA14TransPairsAVX512(dst, src *float32, lda, kc, panels int, alpha float32)

// packCols14Pairs is the microKernel.packColsPairs of the AVX-512 bf16 kernel.
func packCols14Pairs(dst, a []float32, lda, kc, panels int, alpha float32) {
	if kc < 1 || panels < 1 {
		return
	}
	_, _ = dst[(panels-1)*kc*14+(kc+1)/2*14-1], a[(kc-1)*lda+panels*14-1]
	packA14TransPairsAVX512(&dst[0], &a[0], lda, kc, panels, alpha)
}
