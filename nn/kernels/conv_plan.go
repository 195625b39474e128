package kernels

import "runtime"

// Convolutions process the N·OH·OW output positions in tiles: a goroutine
// writes the im2col rows of one tile into a buffer and multiplies it before
// the next. A tile aims at colTileFloats values (2 MB, so that the buffer is
// still in L2 when the GEMM packs it), but holds at least minTileRows rows
// (fewer would stream the packed filter from L3 for too little work) unless
// that exceeds maxTileFloats values (4 MB). That cap sets the largest
// scratch buffers, which the scratch cache keeps: at 16 MB the 64×64
// training step kept 52 MB of them, at 4 MB 37 MB (its 5×5 convolutions
// over 256 and 512 channels get 163 rows a tile instead of 320, at the same
// speed within the machine's noise; BENCHMARKS.md).
const (
	colTileFloats = 512 << 10
	minTileRows   = 320
	maxTileFloats = 1 << 20
)

// tileRows returns how many output positions (rows of the column matrix) one
// im2col tile holds.
func (p ConvParams) tileRows() int {
	k := p.KH * p.KW * p.C
	return max(1, min(max(colTileFloats/k, minTileRows), maxTileFloats/k))
}

// filterTileRows is tileRows for the convolutions that multiply by the
// filter (Conv2D and Conv2DBackwardData). When the whole column matrix is no
// larger than the filter (N·OH·OW ≤ F) and holds at most maxOneTileFloats
// values, one tile takes every position: the product then packs the filter
// block by block as it goes, where several tiles need it packed whole
// beforehand (the 64×64 SD-DCGAN's merge convolution: a 4.7 MB column matrix
// instead of an 18.9 MB packed filter, which set the scratch cache's size).
// Tiles only split the positions, so every value of the result adds the
// same products in the same order either way (on NEON, whose full register
// tiles start their sums from C, a value's last bit can move with the split).
func (p ConvParams) filterTileRows() int {
	m, k := p.N*p.OH*p.OW, p.KH*p.KW*p.C
	if m <= p.F && m*k <= maxOneTileFloats {
		return max(m, p.tileRows())
	}
	return p.tileRows()
}

// maxOneTileFloats bounds the column matrix of filterTileRows' single tile.
const maxOneTileFloats = 4 * maxTileFloats

// workers returns how many goroutines a convolution may use: one per core
// when there is enough work.
func (p ConvParams) workers() int {
	if p.N*p.OH*p.OW*p.F*p.KH*p.KW*p.C < parallelGemmFlops {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// pointwise reports whether the convolution is a 1×1, stride-1, unpadded one
// whose column matrix is x itself (viewed as N·H·W × C).
func (p ConvParams) pointwise() bool {
	return p.KH == 1 && p.KW == 1 && p.SH == 1 && p.SW == 1 && p.PadTop == 0 && p.PadLeft == 0 &&
		p.OH == p.H && p.OW == p.W
}

// batchMinRows is the fewest output positions per goroutine for which a
// convolution splits its batch over goroutines (each running whole tiles on
// its own); below it the goroutines share each tile instead.
const batchMinRows = 256

// convPlan says how a convolution uses its goroutines.
type convPlan struct {
	groups int      // goroutines that split the batch, each with its own tiles
	inner  int      // goroutines that share the work of one tile
	strat  strategy // GEMM strategy inside a tile
	split  bool     // split K by filter row to skip the padding (see kBlocks)
}

// plan splits workers goroutines between the batch and the tiles, and
// says whether to split K by filter row.
func (p ConvParams) plan(workers int) convPlan {
	if workers > 1 && p.N >= workers && p.N/workers*p.OH*p.OW >= batchMinRows {
		return convPlan{groups: workers, inner: 1, strat: oneThreadStrategy, split: p.splitK()}
	}
	return convPlan{groups: 1, inner: workers, strat: autoStrategy, split: p.splitK()}
}

// betaFor returns the Sgemm beta that overwrites (0) or accumulates (1).
func betaFor(accumulate bool) float32 {
	if accumulate {
		return 1
	}
	return 0
}
