package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randTensor returns a tensor of the given shape with values from U(−1, 1).
func randTensor(rng *rand.Rand, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.CPUData() {
		t.CPUData()[i] = float32(2*rng.Float64() - 1)
	}
	return t
}

// awayFromZero pushes values out of (−gap, gap) so that finite differences do not straddle a kink at 0.
func awayFromZero(t *Tensor, gap float32) *Tensor {
	for i, v := range t.CPUData() {
		if v >= 0 && v < gap {
			t.CPUData()[i] = v + gap
		} else if v < 0 && v > -gap {
			t.CPUData()[i] = v - gap
		}
	}
	return t
}

// gradCheck compares the gradients that Backward computes for f with central finite differences.
// The scalar checked is L = Σ r·f(inputs) for a fixed random r, so that every output element matters.
// All inputs are checked (each element, or a random sample of at most 64 of them for large inputs).
func gradCheck(t tLike, f func(in []*Tensor) *Tensor, inputs ...*Tensor) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	// Analytic gradients: inputs on a tape, requiring gradients.
	tp := NewTape()
	onTape := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		onTape[i] = tp.Input(in.CPUData(), in.Shape...)
		onTape[i].SetRequiresGrad(true)
	}
	out := f(onTape)
	r := randTensor(rng, out.Shape...)
	tp.Backward(Sum(Mul(out, r)))

	loss := func() float64 {
		o := f(inputs)
		var s float64
		for i, v := range o.CPUData() {
			s += float64(v) * float64(r.CPUData()[i])
		}
		return s
	}
	const eps = 1e-2
	for i, in := range inputs {
		got := onTape[i].cpuGrad()
		if got == nil {
			t.Fatalf("input %d %v: no gradient computed", i, in.Shape)
		}
		idx := rng.Perm(len(in.CPUData()))
		if len(idx) > 64 {
			idx = idx[:64]
		}
		var worst float64
		for _, j := range idx {
			old := in.CPUData()[j]
			in.CPUData()[j] = old + eps
			lp := loss()
			in.CPUData()[j] = old - eps
			lm := loss()
			in.CPUData()[j] = old
			num := (lp - lm) / (2 * eps)
			an := float64(got[j])
			if err := math.Abs(num - an); err > 2e-3+1e-2*math.Abs(num) {
				t.Errorf("input %d %v element %d: analytic %.6g, numeric %.6g", i, in.Shape, j, an, num)
			} else {
				worst = max(worst, err)
			}
		}
		t.Logf("input %d %v: %d elements checked, worst |analytic − numeric| %.2g", i, in.Shape, len(idx), worst)
	}
}

func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := func(shape ...int) *Tensor { return randTensor(rng, shape...) }
	kinked := func(shape ...int) *Tensor { return awayFromZero(randTensor(rng, shape...), 0.05) }
	infStats := randBNStats(rng, 3) // fixed running averages: every evaluation must see the same ones
	tests := []struct {
		name   string
		f      func([]*Tensor) *Tensor
		inputs []*Tensor
	}{
		{"add same shape", two(Add), []*Tensor{r(3, 5), r(3, 5)}},
		{"add bias", two(Add), []*Tensor{r(2, 3, 7), r(7)}},
		{"add broadcast both", two(Add), []*Tensor{r(3, 1, 5), r(4, 1)}},
		{"sub broadcast", two(Sub), []*Tensor{r(1, 5), r(3, 5)}},
		{"mul broadcast", two(Mul), []*Tensor{r(2, 3, 1), r(3, 5)}},
		{"mul scalar", two(Mul), []*Tensor{r(3, 2), r(1)}},
		{"scale", one(func(x *Tensor) *Tensor { return Scale(x, -1.7) }), []*Tensor{r(5, 3)}},
		{"sum all", one(func(x *Tensor) *Tensor { return Sum(x) }), []*Tensor{r(3, 4, 5)}},
		{"sum axes", one(func(x *Tensor) *Tensor { return Sum(x, 0, 2) }), []*Tensor{r(3, 4, 5)}},
		{"mean axis", one(func(x *Tensor) *Tensor { return Mean(x, -1) }), []*Tensor{r(3, 1, 7)}},
		{"relu", one(ReLU), []*Tensor{kinked(3, 7)}},
		{"leaky relu", one(func(x *Tensor) *Tensor { return LeakyReLU(x, 0.2) }), []*Tensor{kinked(5, 3)}},
		{"elu", one(ELU), []*Tensor{kinked(4, 5)}},
		{"tanh", one(Tanh), []*Tensor{r(11)}},
		{"sigmoid", one(Sigmoid), []*Tensor{Scale(r(13), 4)}},
		{"abs", one(Abs), []*Tensor{kinked(2, 7)}},
		{"reshape", one(func(x *Tensor) *Tensor { return Reshape(x, 5, -1) }), []*Tensor{r(3, 5, 2)}},
		{"concat axis 0", func(in []*Tensor) *Tensor { return Concat(0, in...) }, []*Tensor{r(2, 3), r(1, 3), r(3, 3)}},
		{"concat last axis", func(in []*Tensor) *Tensor { return Concat(-1, in...) }, []*Tensor{r(2, 3, 1), r(2, 3, 4)}},
		{"concat middle axis", func(in []*Tensor) *Tensor { return Concat(1, in...) }, []*Tensor{r(2, 1, 3), r(2, 5, 3)}},
		{"split", one(func(x *Tensor) *Tensor {
			p := Split(x, 1, 2, 1, 4)
			return Concat(1, Scale(p[0], 2), Scale(p[1], -3), p[2]) // distinct weights per piece
		}), []*Tensor{r(3, 7, 2)}},
		{"transpose", one(func(x *Tensor) *Tensor { return Transpose(x, 2, 0, 3, 1) }), []*Tensor{r(2, 3, 5, 1)}},
		{"upsample2x", one(Upsample2x), []*Tensor{r(2, 3, 5, 3)}},
		{"matmul", two(MatMul), []*Tensor{r(3, 7), r(7, 5)}},
		{"matmul 1x1", two(MatMul), []*Tensor{r(1, 1), r(1, 1)}},
		{"matmul aᵀb", func(in []*Tensor) *Tensor { return matmulT(in[0], in[1], true, false) }, []*Tensor{r(7, 3), r(7, 5)}},
		{"matmul abᵀ", func(in []*Tensor) *Tensor { return matmulT(in[0], in[1], false, true) }, []*Tensor{r(3, 7), r(5, 7)}},
		{"matmul aᵀbᵀ", func(in []*Tensor) *Tensor { return matmulT(in[0], in[1], true, true) }, []*Tensor{r(7, 3), r(5, 7)}},
		{"linear", func(in []*Tensor) *Tensor { return Linear(in[0], in[1], in[2]) }, []*Tensor{r(4, 5), r(5, 3), r(3)}},
		{"conv 3x3/1 same bias", func(in []*Tensor) *Tensor { return Conv2D(in[0], in[1], in[2], 1, Same) },
			[]*Tensor{r(2, 5, 7, 3), r(3, 3, 3, 5), r(5)}},
		{"conv 5x5/2 same", func(in []*Tensor) *Tensor { return Conv2D(in[0], in[1], nil, 2, Same) },
			[]*Tensor{r(2, 8, 6, 1), r(5, 5, 1, 7)}},
		{"conv 3x3/2 valid odd", func(in []*Tensor) *Tensor { return Conv2D(in[0], in[1], nil, 2, Valid) },
			[]*Tensor{r(1, 7, 9, 5), r(3, 3, 5, 2)}},
		{"conv 1x1", func(in []*Tensor) *Tensor { return Conv2D(in[0], in[1], in[2], 1, Valid) },
			[]*Tensor{r(3, 2, 3, 7), r(1, 1, 7, 1), r(1)}},
		{"conv explicit pad", func(in []*Tensor) *Tensor { return Conv2D(in[0], in[1], nil, 2, Explicit(2, 0, 1, 3)) },
			[]*Tensor{r(2, 5, 4, 3), r(3, 2, 3, 3)}},
		{"conv transpose 5x5/2 same", func(in []*Tensor) *Tensor {
			return ConvTranspose2D(in[0], in[1], in[2], 2, Same, 8, 6)
		}, []*Tensor{r(2, 4, 3, 5), r(5, 5, 3, 5), r(3)}},
		{"conv transpose 3x3/1 same", func(in []*Tensor) *Tensor { return ConvTranspose2D(in[0], in[1], nil, 1, Same, 5, 3) },
			[]*Tensor{r(1, 5, 3, 2), r(3, 3, 7, 2)}},
		{"conv transpose 3x3/2 valid", func(in []*Tensor) *Tensor { return ConvTranspose2D(in[0], in[1], nil, 2, Valid, 7, 9) },
			[]*Tensor{r(3, 3, 4, 1), r(3, 3, 2, 1)}},
		{"batchnorm training", func(in []*Tensor) *Tensor { return BatchNorm(in[0], in[1], in[2], randBNStats(rng, 5), true) },
			[]*Tensor{r(3, 2, 3, 5), r(5), r(5)}},
		{"batchnorm training 2d", func(in []*Tensor) *Tensor { return BatchNorm(in[0], in[1], in[2], randBNStats(rng, 1), true) },
			[]*Tensor{r(7, 1), r(1), r(1)}},
		{"batchnorm inference", func(in []*Tensor) *Tensor { return BatchNorm(in[0], in[1], in[2], infStats, false) },
			[]*Tensor{r(2, 3, 1, 3), r(3), r(3)}},
		{"sigmoid bce", func(in []*Tensor) *Tensor {
			targets := FromData([]float32{0, 1, 0.3, 1, 0, 0.9, 1}, 7, 1)
			return SigmoidBCE(Scale(in[0], 5), targets)
		}, []*Tensor{r(7, 1)}},
		{"l1", two(L1), []*Tensor{r(3, 5), r(3, 5)}},
		{"mse", two(MSE), []*Tensor{r(2, 7), r(2, 7)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.f, tc.inputs...) })
	}
}

// The gradient check itself must be able to fail: a wrong backward is caught.
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	wrong := func(in []*Tensor) *Tensor { // forward of 2x, backward of 3x
		x := in[0]
		return refUnary(x, func(v float32) float32 { return 2 * v }, func(_, _ float32) float32 { return 3 })
	}
	ft := &fakeT{}
	gradCheck(ft, wrong, randTensor(rand.New(rand.NewPCG(3, 3)), 4))
	if !ft.failed {
		t.Fatal("gradCheck passed an op whose backward is wrong")
	}
}

// tLike is the part of testing.TB that gradCheck uses, so that a test can check that gradCheck fails.
type tLike interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// fakeT records failures instead of failing the test.
type fakeT struct{ failed bool }

func (f *fakeT) Helper()                   {}
func (f *fakeT) Logf(string, ...any)       {}
func (f *fakeT) Errorf(string, ...any)     { f.failed = true }
func (f *fakeT) Fatalf(s string, a ...any) { f.failed = true; panic(fmt.Sprintf(s, a...)) }
