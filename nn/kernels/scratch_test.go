package kernels

import (
	"runtime"
	"testing"
)

// TestScratch checks the scratch cache: buffers come back with the asked length; a returned buffer is reused
// after a garbage collection (a sync.Pool would have dropped it), by the same request or a smaller one; and a
// request no free buffer holds gets a new one while the free buffers, all too small for it, are dropped.
func TestScratch(t *testing.T) {
	scratch.mu.Lock()
	saved := scratch.free // other tests' buffers: this test starts from an empty cache
	scratch.free = nil
	scratch.mu.Unlock()
	defer func() {
		scratch.mu.Lock()
		scratch.free = saved
		scratch.mu.Unlock()
	}()
	for _, n := range []int{0, 1, 2, 3, 1000, 1024, 1025, 1 << 20} {
		v := getScratch(n)
		if len(*v) != n || cap(*v) < max(n, 1) || cap(*v) > max(n, 1)+max(n, 1)/8 {
			t.Errorf("getScratch(%d): len %d cap %d, want len %d and cap in [%d, %d]", n, len(*v), cap(*v), n,
				max(n, 1), max(n, 1)+max(n, 1)/8)
		}
		putScratch(v)
		runtime.GC()
		for _, m := range []int{n, n / 2} {
			w := getScratch(m)
			if len(*w) != m || &(*w)[:1][0] != &(*v)[:1][0] {
				t.Errorf("getScratch(%d) after putting back %d: len %d, reused %v", m, n, len(*w),
					&(*w)[:1][0] == &(*v)[:1][0])
			}
			putScratch(w)
		}
	}
	held := scratchHeld()
	big := getScratch(2 * held)
	if scratchHeld() != 0 {
		t.Errorf("a request larger than every free buffer left %d floats in the cache, want 0", scratchHeld())
	}
	putScratch(big)
	if scratchHeld() != cap(*big) {
		t.Errorf("the cache holds %d floats, want the new buffer's %d", scratchHeld(), cap(*big))
	}
}

// scratchHeld is the number of floats the cache holds.
func scratchHeld() int {
	scratch.mu.Lock()
	defer scratch.mu.Unlock()
	n := 0
	for _, v := range scratch.free {
		n += cap(*v)
	}
	return n
}
