package kernels

import "sync"

// scratchPool caches float32 work buffers (packed GEMM panels, im2col
// columns) between calls so that steady-state training does not allocate.
// It holds no state that affects results: every buffer taken from it is
// fully overwritten before it is read.
var scratchPool sync.Pool

// getScratch returns a buffer of length n from the pool (its contents are
// arbitrary). Give it back with putScratch.
func getScratch(n int) *[]float32 {
	if v, ok := scratchPool.Get().(*[]float32); ok {
		if cap(*v) >= n {
			*v = (*v)[:n]
			return v
		}
		scratchPool.Put(v)
	}
	s := make([]float32, n)
	return &s
}

// putScratch returns a buffer obtained from getScratch to the pool.
func putScratch(v *[]float32) { scratchPool.Put(v) }
