package kernels

import (
	"math/bits"
	"sync"
)

// scratchPools cache float32 work buffers (packed GEMM panels, im2col
// columns) between calls so that steady-state training does not allocate.
// Pool c holds buffers whose capacity is exactly 1<<c, so that a request is
// never handed a buffer too small for it (one pool for all sizes would keep
// trading large buffers for small ones). They hold no state that affects
// results: every buffer taken from them is fully overwritten before it is
// read.
var scratchPools [64]sync.Pool

// getScratch returns a buffer of length n from the pools (its contents are
// arbitrary). Give it back with putScratch.
func getScratch(n int) *[]float32 {
	c := bits.Len(uint(max(n, 1) - 1)) // the smallest c with 1<<c ≥ n
	if v, ok := scratchPools[c].Get().(*[]float32); ok {
		*v = (*v)[:n]
		return v
	}
	s := make([]float32, n, 1<<c)
	return &s
}

// putScratch returns a buffer obtained from getScratch to its pool.
func putScratch(v *[]float32) {
	scratchPools[bits.Len(uint(cap(*v)))-1].Put(v)
}
