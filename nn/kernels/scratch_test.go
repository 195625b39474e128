package kernels

import "testing"

// TestScratch checks that buffers come back with the asked length and a
// power-of-two capacity, and that a returned buffer is reused for a request
// of the same size class (sync.Pool may drop it, so reuse is only logged).
func TestScratch(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 1000, 1024, 1025, 1 << 20} {
		v := getScratch(n)
		if len(*v) != n || cap(*v) < max(n, 1) || cap(*v)&(cap(*v)-1) != 0 {
			t.Errorf("getScratch(%d): len %d cap %d, want len %d and a power-of-two cap ≥ %d",
				n, len(*v), cap(*v), n, max(n, 1))
		}
		putScratch(v)
		w := getScratch(n)
		if len(*w) != n {
			t.Errorf("getScratch(%d) after put: len %d", n, len(*w))
		}
		if &(*w)[:1][0] != &(*v)[:1][0] {
			t.Logf("getScratch(%d): buffer not reused (allowed: the pool may drop it)", n)
		}
		putScratch(w)
	}
}
