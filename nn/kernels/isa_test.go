package kernels

import (
	"runtime"
	"slices"
	"sync"
	"testing"
)

// Force switches every kernel to an instruction set and restores the one
// before; Portable is always there, and the best comes first.
func TestForce(t *testing.T) {
	avail := Available()
	if avail[len(avail)-1] != Portable || Active() != avail[0] {
		t.Fatalf("available %v, active %v; want Portable last and the best active", avail, Active())
	}
	before := Active()
	for _, isa := range avail {
		restore := Force(isa)
		if Active() != isa || activeKernel != gemmKernel(isa) || useAVX512() != (isa == AVX512) || useAVX2() != (isa == AVX2 || isa == AVX512) {
			t.Errorf("forced %v: active %v, GEMM kernel %s", isa, Active(), activeKernel.name)
		}
		restore()
		if Active() != before {
			t.Fatalf("restore after %v left %v active, want %v", isa, Active(), before)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Force of an instruction set this CPU lacks did not panic")
		}
	}()
	Force(ISA(7))
}

// forParts cuts by size alone and covers every row once; parallelRows cuts
// in two halves from parallelMin values on, whatever GOMAXPROCS is.
func TestSplitters(t *testing.T) {
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		for _, tc := range []struct{ r0, r1, parts int }{{0, 10, 3}, {5, 6, 4}, {0, 0, 2}, {3, 100, 1}, {0, 7, 7}} {
			var mu sync.Mutex
			seen := make([]int, tc.r1)
			var cuts [][3]int
			forParts(tc.r0, tc.r1, tc.parts, func(part, a, b int) {
				mu.Lock()
				defer mu.Unlock()
				cuts = append(cuts, [3]int{part, a, b})
				for i := a; i < b; i++ {
					seen[i]++
				}
			})
			for i := tc.r0; i < tc.r1; i++ {
				if seen[i] != 1 {
					t.Fatalf("%+v: row %d run %d times", tc, i, seen[i])
				}
			}
			slices.SortFunc(cuts, func(x, y [3]int) int { return x[0] - y[0] })
			for w, c := range cuts {
				n := tc.r1 - tc.r0
				if c[0] != w || c[1] != tc.r0+n*w/max(tc.parts, 1) {
					t.Fatalf("%+v on %d cores: part %v", tc, procs, c)
				}
			}
		}
		var parts [][3]int
		var mu sync.Mutex
		parallelRows(parallelMin/4+1, 4, func(part, r0, r1 int) {
			mu.Lock()
			defer mu.Unlock()
			parts = append(parts, [3]int{part, r0, r1})
		})
		slices.SortFunc(parts, func(x, y [3]int) int { return x[0] - y[0] })
		if h := (parallelMin/4 + 1) / 2; !slices.Equal(parts, [][3]int{{0, 0, h}, {1, h, parallelMin/4 + 1}}) {
			t.Fatalf("on %d cores: parallelRows cut %v", procs, parts)
		}
		runtime.GOMAXPROCS(old)
	}
}
