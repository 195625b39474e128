package kernels

import (
	"runtime"
	"testing"
)

// TestScratch checks that buffers come back with the asked length and a
// power-of-two capacity, and that a returned buffer is reused for a request
// of the same size class, even after a garbage collection (a sync.Pool would
// have dropped it).
func TestScratch(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 1000, 1024, 1025, 1 << 20} {
		v := getScratch(n)
		if len(*v) != n || cap(*v) < max(n, 1) || cap(*v)&(cap(*v)-1) != 0 {
			t.Errorf("getScratch(%d): len %d cap %d, want len %d and a power-of-two cap ≥ %d",
				n, len(*v), cap(*v), n, max(n, 1))
		}
		putScratch(v)
		held := scratchHeld()
		runtime.GC()
		w := getScratch(n)
		if len(*w) != n {
			t.Errorf("getScratch(%d) after put: len %d", n, len(*w))
		}
		if &(*w)[:1][0] != &(*v)[:1][0] {
			t.Errorf("getScratch(%d): the buffer given back was not reused after a collection", n)
		}
		if scratchHeld() != held-cap(*w) {
			t.Errorf("getScratch(%d): the cache holds %d floats, want %d", n, scratchHeld(), held-cap(*w))
		}
		putScratch(w)
	}
}

// scratchHeld is the number of floats the cache holds.
func scratchHeld() int {
	scratch.mu.Lock()
	defer scratch.mu.Unlock()
	n := 0
	for _, l := range scratch.free {
		for _, v := range l {
			n += cap(*v)
		}
	}
	return n
}
