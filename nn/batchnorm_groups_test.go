package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// BatchNormGroups equals Split, one BatchNormAct per piece, Concat: outputs, input gradients and running
// averages bit for bit; gamma's and beta's gradients (sums over the groups, added in another order) to rounding.
func TestBatchNormGroupsMatchesSplitCalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 5))
	for _, tc := range []struct {
		shape    []int
		groups   int
		training bool
	}{
		{[]int{4, 1, 1, 3}, 2, true},
		{[]int{6, 3, 5, 7}, 3, true},
		{[]int{6, 3, 5, 7}, 2, false},
		{[]int{2 * 71, 13, 11, 5}, 2, true}, // two-core passes
	} {
		x0 := randTensor(rng, tc.shape...)
		c := tc.shape[len(tc.shape)-1]
		g0, b0 := randTensor(rng, c), randTensor(rng, c)
		r := randTensor(rng, tc.shape...)
		run := func(grouped bool) ([]float32, []*Tensor, *BNStats) {
			tp := NewTape()
			x, g, b := tp.Input(x0.CPUData(), x0.Shape...), tp.Input(g0.CPUData(), c), tp.Input(b0.CPUData(), c)
			for _, in := range []*Tensor{x, g, b} {
				in.SetRequiresGrad(true)
			}
			st := NewBNStats("bn", c, 0.9, 1e-3)
			act := LeakyReLUAct(0.2)
			var y *Tensor
			if grouped {
				y = BatchNormGroups(x, g, b, st, tc.training, act, tc.groups)
			} else {
				sizes := make([]int, tc.groups)
				for i := range sizes {
					sizes[i] = tc.shape[0] / tc.groups
				}
				pieces := Split(x, 0, sizes...)
				for i, p := range pieces {
					pieces[i] = BatchNormAct(p, g, b, st, tc.training, act)
				}
				y = Concat(0, pieces...)
			}
			out := clone(y.CPUData())
			tp.Backward(Sum(Mul(y, r)))
			return out, []*Tensor{x, g, b}, st
		}
		yg, ing, stg := run(true)
		ys, ins, sts := run(false)
		exact := [][2][]float32{{yg, ys}, {ing[0].cpuGrad(), ins[0].cpuGrad()}, {stg.Mean.CPUData(), sts.Mean.CPUData()}, {stg.Var.CPUData(), sts.Var.CPUData()}}
		for k, pair := range exact {
			for i := range pair[1] {
				if pair[0][i] != pair[1][i] {
					t.Fatalf("%v in %d groups: result %d[%d] = %g, split calls %g", tc.shape, tc.groups, k, i, pair[0][i], pair[1][i])
				}
			}
		}
		for k := 1; k < 3; k++ {
			for i, want := range ins[k].cpuGrad() {
				if got := ing[k].cpuGrad()[i]; math.Abs(float64(got-want)) > 1e-5*(1+math.Abs(float64(want))) {
					t.Fatalf("%v in %d groups: parameter %d gradient[%d] = %g, split calls %g", tc.shape, tc.groups, k, i, got, want)
				}
			}
		}
	}
}

func TestBatchNormGroupsGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 12))
	st := NewBNStats("bn", 3, 0.99, 1e-3)
	gradCheck(t, func(in []*Tensor) *Tensor { return BatchNormGroups(in[0], in[1], in[2], st, true, TanhAct, 3) },
		randTensor(rng, 6, 2, 1, 3), randTensor(rng, 3), randTensor(rng, 3))
}
