package kernels

import (
	"math/bits"
	"sync"
)

// scratch caches float32 work buffers (packed GEMM panels, im2col columns)
// between calls so that steady-state training does not allocate. Class c
// holds buffers whose capacity is exactly 1<<c, so that a request is never
// handed a buffer too small for it (one list for all sizes would keep
// trading large buffers for small ones). Unlike a sync.Pool, which empties at
// every garbage collection, it keeps what it is given: with the low GC
// target of the sdgan command a pool was refilled by fresh allocations
// several times a step, which is garbage, more collections and page faults.
// What it keeps is at most what the busiest call used at once. The buffers
// hold no state that affects results: every buffer taken from it is fully
// overwritten before it is read.
var scratch struct {
	mu   sync.Mutex
	free [64][]*[]float32
}

// getScratch returns a buffer of length n (its contents are arbitrary). Give
// it back with putScratch.
func getScratch(n int) *[]float32 {
	c := bits.Len(uint(max(n, 1) - 1)) // the smallest c with 1<<c ≥ n
	scratch.mu.Lock()
	if l := len(scratch.free[c]); l > 0 {
		v := scratch.free[c][l-1]
		scratch.free[c][l-1] = nil
		scratch.free[c] = scratch.free[c][:l-1]
		scratch.mu.Unlock()
		*v = (*v)[:n]
		return v
	}
	scratch.mu.Unlock()
	s := make([]float32, n, 1<<c)
	return &s
}

// putScratch returns a buffer obtained from getScratch for reuse.
func putScratch(v *[]float32) {
	c := bits.Len(uint(cap(*v))) - 1
	scratch.mu.Lock()
	scratch.free[c] = append(scratch.free[c], v)
	scratch.mu.Unlock()
}
