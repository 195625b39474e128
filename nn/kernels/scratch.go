package kernels

import (
	"math/bits"
	"slices"
	"sync"
)

// scratch caches float32 work buffers (packed GEMM panels, im2col columns)
// between calls so that steady-state training does not allocate. Unlike a
// sync.Pool, which empties at every garbage collection, it keeps what it is
// given: with the low GC target of the sdgan command a pool was refilled by
// fresh allocations several times a step, which is garbage, more collections
// and page faults.
//
// A request takes the smallest free buffer that is large enough, whatever
// its size (a 16 MB buffer serves a 1 MB request rather than a new 1 MB one
// being made). Only when no free buffer is large enough is a new one made,
// and then the free buffers, all too small for it, are dropped: the cache
// converges to what the busiest call uses at once, in the sizes the largest
// requests need, instead of keeping a set of buffers for every size ever
// asked. The buffers hold no state that affects results: every buffer taken
// from it is fully overwritten before it is read.
var scratch struct {
	mu   sync.Mutex
	free []*[]float32 // by capacity, smallest first
}

// getScratch returns a buffer of length n (its contents are arbitrary). Give
// it back with putScratch.
func getScratch(n int) *[]float32 {
	scratch.mu.Lock()
	i, _ := slices.BinarySearchFunc(scratch.free, n, func(v *[]float32, n int) int { return cap(*v) - n })
	if i < len(scratch.free) {
		v := scratch.free[i]
		scratch.free = slices.Delete(scratch.free, i, i+1)
		scratch.mu.Unlock()
		*v = (*v)[:n]
		return v
	}
	clear(scratch.free)
	scratch.free = scratch.free[:0]
	scratch.mu.Unlock()
	s := make([]float32, n, scratchCap(n))
	return &s
}

// scratchCap is the capacity of a new buffer for n values: n rounded up to
// an eighth of its power of two, so that a slightly larger request of the
// same layer later finds it large enough, at most 1/8 wasted.
func scratchCap(n int) int {
	step := 1 << max(0, bits.Len(uint(n))-4)
	return (max(n, 1) + step - 1) / step * step
}

// putScratch returns a buffer obtained from getScratch for reuse.
func putScratch(v *[]float32) {
	scratch.mu.Lock()
	i, _ := slices.BinarySearchFunc(scratch.free, cap(*v), func(w *[]float32, c int) int { return cap(*w) - c })
	scratch.free = slices.Insert(scratch.free, i, v)
	scratch.mu.Unlock()
}
