package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMicroKernel checks each micro-kernel alone against the formula: every
// depth k from 1 to 11 (around the unrolled loops of the assembly, which
// step 4 at a time) and 300, storing and adding, with unaligned panels and
// a C tile whose rows are 3 values wider than the tile; the values around
// the tile (between its rows, before and after it) are guards that must not
// change.
func TestMicroKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, path := range pathNames() {
		kern := kernelByName(path)
		mr, nr := kern.mr, kern.nr
		for _, k := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 300} {
			for _, add := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/k=%d/add=%v", path, k, add), func(t *testing.T) {
					a := randSlice(r, 1+k*mr)[1:]
					b := randSlice(r, 3+k*nr)[3:]
					ldc, off := nr+3, 5
					c := randSlice(r, off+mr*ldc+off)
					guard := append([]float32(nil), c...)
					kern.kern(k, a, b, c[off:], ldc, add)
					for x := range c {
						i, j := (x-off)/ldc, (x-off)%ldc
						if x < off || i >= mr || j >= nr {
							if math.Float32bits(c[x]) != math.Float32bits(guard[x]) {
								t.Fatalf("guard %d (row %d, column %d of the ldc=%d layout) changed from %v to %v",
									x, i, j, ldc, guard[x], c[x])
							}
							continue
						}
						var want, mag float64
						if add {
							want, mag = float64(guard[x]), math.Abs(float64(guard[x]))
						}
						for p := range k {
							v := float64(a[p*mr+i]) * float64(b[p*nr+j])
							want, mag = want+v, mag+math.Abs(v)
						}
						if d := math.Abs(float64(c[x]) - want); d > float64(k+4)*1.2e-7*mag {
							t.Fatalf("c[%d][%d] = %v, want %v (diff %.3g)", i, j, c[x], want, d)
						}
					}
				})
			}
		}
	}
}

// TestMicroKernelPaths checks that this CPU's kernel list ends with the
// portable kernel (the oracle every other one is tested against) and that
// Sgemm starts on the first, best one.
func TestMicroKernelPaths(t *testing.T) {
	ks := kernelPaths()
	if ks[len(ks)-1] != &goKernel {
		t.Errorf("kernel paths %v do not end with the portable kernel", pathNames())
	}
	if activeKernel != ks[0] {
		t.Errorf("Sgemm uses %q, want the first of %v", activeKernel.name, pathNames())
	}
}
