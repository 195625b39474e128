package nn

import (
	"math/rand/v2"
	"testing"
)

// Transpose, both when the last axis moves and when it stays last (whole rows copied), equals the plain index
// formula, and its gradient passes the finite-difference check.
func TestTransposeMatchesIndexFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	for _, tc := range []struct {
		shape, perm []int
	}{
		{[]int{3, 5, 7}, []int{1, 0, 2}},       // last axis stays
		{[]int{2, 3, 1, 5}, []int{1, 2, 0, 3}}, // last axis stays, a unit axis
		{[]int{3, 5, 7}, []int{2, 0, 1}},       // last axis moves
		{[]int{7}, []int{0}},
		{[]int{1, 13}, []int{1, 0}},
	} {
		x := randTensor(rng, tc.shape...)
		y := Transpose(x, tc.perm...)
		in := make([]int, len(tc.shape))
		strides := make([]int, len(tc.shape))
		s := 1
		for i := len(tc.shape) - 1; i >= 0; i-- {
			strides[i] = s
			s *= tc.shape[i]
		}
		for i := range y.CPUData() {
			// out index → in index: out axis a is in axis perm[a]
			rem := i
			for a := len(tc.perm) - 1; a >= 0; a-- {
				d := tc.shape[tc.perm[a]]
				in[tc.perm[a]] = rem % d
				rem /= d
			}
			src := 0
			for ax, v := range in {
				src += v * strides[ax]
			}
			if y.CPUData()[i] != x.CPUData()[src] {
				t.Fatalf("transpose %v by %v: out[%d] = %g, want x[%d] = %g", tc.shape, tc.perm, i, y.CPUData()[i], src, x.CPUData()[src])
			}
		}
		perm := tc.perm
		gradCheck(t, func(in []*Tensor) *Tensor { return Transpose(in[0], perm...) }, x)
	}
}
