package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestForPartsCoversEachRowOnce runs forParts in the ways a step meets it:
// alone, nested inside its own parts (the team is busy, so the inner parts
// get goroutines of their own), from several goroutines at once, and after
// the team has parked (idle longer than teamSpin). Each row must be visited
// once, by the part that owns it.
func TestForPartsCoversEachRowOnce(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	// check reports with t.Errorf, not t.Fatalf, so that the concurrent case may call it from its goroutines.
	check := func(t *testing.T, r0, r1, parts int) {
		t.Helper()
		n := r1 - r0
		seen := make([]atomic.Int32, n)
		forParts(r0, r1, parts, func(part, a, b int) {
			if want := r0 + n*part/parts; a != want {
				t.Errorf("part %d starts at %d, want %d", part, a, want)
			}
			for r := a; r < b; r++ {
				seen[r-r0].Add(1)
			}
		})
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Errorf("forParts(%d, %d, %d): row %d visited %d times", r0, r1, parts, r0+i, c)
				return
			}
		}
	}
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"alone", func(t *testing.T) {
			for _, c := range [][3]int{{0, 10, 2}, {3, 4, 2}, {5, 105, 3}, {0, 7, 7}, {0, 200, 70}} {
				check(t, c[0], c[1], c[2])
			}
		}},
		{"nested", func(t *testing.T) {
			var inner atomic.Int32
			forParts(0, 4, 2, func(_, a, b int) {
				for range b - a {
					forParts(0, 8, 2, func(_, a, b int) { inner.Add(int32(b - a)) })
				}
			})
			if got := inner.Load(); got != 4*8 {
				t.Fatalf("nested forParts visited %d inner rows, want 32", got)
			}
		}},
		{"concurrent", func(t *testing.T) {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for i := range 200 {
						check(t, 0, 17+i%5, 2+i%3)
					}
				})
			}
			wg.Wait()
		}},
		{"long part", func(t *testing.T) {
			// The caller finishes first and waits past teamSpin, parked between polls: forParts must still
			// return only once the long part is done.
			var done atomic.Bool
			forParts(0, 2, 2, func(part, _, _ int) {
				if part == 1 {
					time.Sleep(4 * teamSpin)
					done.Store(true)
				}
			})
			if !done.Load() {
				t.Fatal("forParts returned before its long part finished")
			}
		}},
		{"no goroutine left", func(t *testing.T) {
			// The team starts with the package, so work leaves the goroutine count where it was: the leak
			// checks of other packages' tests (serve, data) count on it.
			base := runtime.NumGoroutine()
			forParts(0, 64, 2, func(_, a, b int) { forParts(a, b, 2, func(int, int, int) {}) })
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > base {
				if time.Now().After(deadline) {
					t.Fatalf("%d goroutines after forParts, %d before", runtime.NumGoroutine(), base)
				}
				time.Sleep(time.Millisecond)
			}
		}},
		{"after parking", func(t *testing.T) {
			for range 3 {
				time.Sleep(3 * teamSpin)
				check(t, 0, 50, 2)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}
