package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// firstOrder returns the gradients of L = Σ r·f(inputs) with respect to every input, computed by Backward (the
// fast first-order path) on a fresh tape.
func firstOrder(f func([]*Tensor) *Tensor, r *Tensor, inputs []*Tensor) [][]float32 {
	tp := NewTape()
	defer tp.Reset()
	onTape := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		onTape[i] = tp.Input(in.CPUData(), in.Shape...)
		onTape[i].SetRequiresGrad(true)
	}
	out := f(onTape)
	tp.Backward(Sum(Mul(out, r)))
	grads := make([][]float32, len(inputs))
	for i, in := range onTape {
		grads[i] = make([]float32, in.Size())
		if g := in.cpuGrad(); g != nil {
			copy(grads[i], g)
		}
	}
	return grads
}

// penaltyOf is the scalar function of first-order gradients that the checks differentiate: S = Σ q·G + ½ΣG² over
// every input's gradient G, with fixed random weights q (linear and quadratic, as a gradient penalty is).
func penaltyOf(grads [][]float32, qs [][]float32) float64 {
	var s float64
	for i, g := range grads {
		for j, v := range g {
			s += float64(qs[i][j])*float64(v) + 0.5*float64(v)*float64(v)
		}
	}
	return s
}

// secondOrderCheck checks Grad and the double backward of f. With L = Σ r·f(inputs) for a fixed random r, it
// checks (1) that Grad's gradients G equal Backward's, and (2) that the gradient of S = Σ q·G + ½ΣG² that
// Backward finds through Grad's recorded gradients equals central differences of S, where S at each perturbed
// input is computed from Backward's first-order gradients: the independent path. Differences at step h and at
// h/2 that disagree mean that a kink (ReLU, |x|) lies within h: that element is skipped, but at most one or a
// third of them may be, and not all.
func secondOrderCheck(t tLike, f func([]*Tensor) *Tensor, inputs ...*Tensor) {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 13))
	tp := NewTape()
	onTape := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		onTape[i] = tp.Input(in.CPUData(), in.Shape...)
		onTape[i].SetRequiresGrad(true)
	}
	out := f(onTape)
	r := randTensor(rng, out.Shape...)
	grads, err := Grad(Sum(Mul(out, r)), onTape...)
	if err != nil {
		t.Fatalf("grad: %v", err)
	}
	qs := make([][]float32, len(inputs))
	want := firstOrder(f, r, inputs)
	var s *Tensor
	for i, g := range grads {
		if !slices.Equal(g.Shape, inputs[i].Shape) {
			t.Fatalf("input %d %v: gradient of shape %v", i, inputs[i].Shape, g.Shape)
		}
		var scale float64
		for _, v := range want[i] {
			scale = max(scale, math.Abs(float64(v)))
		}
		for j, v := range g.ToHost() {
			if d := math.Abs(float64(v - want[i][j])); d > 1e-4*(1+scale) {
				t.Errorf("input %d %v element %d: Grad %.6g, Backward %.6g", i, inputs[i].Shape, j, v, want[i][j])
			}
		}
		q := randTensor(rng, g.Shape...)
		qs[i] = q.CPUData()
		term := Add(Sum(Mul(q, g)), Scale(Sum(Mul(g, g)), 0.5))
		if s == nil {
			s = term
		} else {
			s = Add(s, term)
		}
	}
	if s.requiresGrad { // else S does not depend on the inputs: every second derivative is 0
		tp.Backward(s)
	}
	sAt := func() float64 { return penaltyOf(firstOrder(f, r, inputs), qs) }
	const h = 1e-2
	for i, in := range inputs {
		an := make([]float64, in.Size())
		if g := onTape[i].cpuGrad(); g != nil {
			for j, v := range g {
				an[j] = float64(v)
			}
		}
		var scale float64
		for _, v := range an {
			scale = max(scale, math.Abs(v))
		}
		idx := rng.Perm(in.Size())
		if len(idx) > 40 {
			idx = idx[:40]
		}
		var worst float64
		kinks := 0
		for _, j := range idx {
			old := in.CPUData()[j]
			diff := func(step float32) float64 {
				in.CPUData()[j] = old + step
				sp := sAt()
				in.CPUData()[j] = old - step
				sm := sAt()
				in.CPUData()[j] = old
				return (sp - sm) / (2 * float64(step))
			}
			num, half := diff(h), diff(h/2)
			tol := 3e-3*(1+scale) + 2e-2*math.Abs(num)
			if math.Abs(num-half) > tol {
				kinks++
				continue
			}
			// A kink of the second derivative (ELU's at 0) within h makes the difference's error O(h) instead of
			// O(h²): the one at h/2, nearer, may then stand in for it.
			if err := min(math.Abs(num-an[j]), math.Abs(half-an[j])); err > tol {
				t.Errorf("input %d %v element %d: ∂S/∂x by double backward %.6g, by differences %.6g (h) and %.6g (h/2)",
					i, in.Shape, j, an[j], num, half)
			} else {
				worst = max(worst, err)
			}
		}
		if kinks > max(1, len(idx)/3) || kinks == len(idx) {
			t.Errorf("input %d %v: %d of %d elements lie near a kink; move the inputs away from it", i, in.Shape, kinks, len(idx))
		}
		t.Logf("input %d %v: %d elements checked (%d skipped at kinks), worst |double backward − differences| %.2g (scale %.3g)",
			i, in.Shape, len(idx)-kinks, kinks, worst, scale)
	}
	tp.Reset()
}

func TestSecondOrderGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	r := func(shape ...int) *Tensor { return randTensor(rng, shape...) }
	kinked := func(shape ...int) *Tensor { return awayFromZero(randTensor(rng, shape...), 0.05) }
	positive := func(shape ...int) *Tensor { // in [0.5, 1.5]: square roots
		x := randTensor(rng, shape...)
		for i, v := range x.CPUData() {
			x.CPUData()[i] = 1 + v/2
		}
		return x
	}
	// sq makes a linear op's gradient depend on its input: f(x) = op(x)², so that S differentiates op's vjp.
	sq := func(op func(in []*Tensor) *Tensor) func([]*Tensor) *Tensor {
		return func(in []*Tensor) *Tensor { y := op(in); return Mul(y, y) }
	}
	infStats := randBNStats(rng, 3)
	// A fixed power-iteration state for spectral normalisation: every evaluation must see the same u and v.
	snW := r(3, 3, 2, 5)
	sn := NewSpectralNorm("sn", snW, rng)
	sn.Apply(snW, snW) // u and v now estimate snW's singular vectors: σ > 0 near snW
	snU, snV := sn.U, sn.v
	linW := r(5, 3) // a parameter: off any tape
	linW.SetRequiresGrad(true)
	shifts := [][]int{{1, -2, 0}, {0, 3, -1}}
	p := convParams("conv", []int{2, 7, 6, 3}, 3, 3, 3, 4, 2, Same) // for the filter gradient as an op
	tests := []struct {
		name   string
		f      func([]*Tensor) *Tensor
		inputs []*Tensor
	}{
		{"add broadcast", sq(func(in []*Tensor) *Tensor { return Add(in[0], in[1]) }), []*Tensor{r(3, 1, 5), r(4, 1)}},
		{"sub broadcast", sq(func(in []*Tensor) *Tensor { return Sub(in[0], in[1]) }), []*Tensor{r(1, 5), r(3, 5)}},
		{"mul broadcast", two(Mul), []*Tensor{r(2, 3, 1), r(3, 5)}},
		{"mul self", one(func(x *Tensor) *Tensor { return Mul(Mul(x, x), x) }), []*Tensor{r(7)}},
		{"div broadcast", two(Div), []*Tensor{r(3, 5), positive(5)}},
		{"div by scalar", two(Div), []*Tensor{r(3, 5), positive(1)}},
		{"scale", sq(func(in []*Tensor) *Tensor { return Scale(in[0], -1.7) }), []*Tensor{r(5, 3)}},
		{"sum axes", sq(func(in []*Tensor) *Tensor { return Sum(in[0], 0, 2) }), []*Tensor{r(3, 4, 5)}},
		{"sum all", sq(func(in []*Tensor) *Tensor { return Sum(in[0]) }), []*Tensor{r(3, 7)}},
		{"mean axis", sq(func(in []*Tensor) *Tensor { return Mean(in[0], -1) }), []*Tensor{r(3, 1, 7)}},
		{"reshape", sq(func(in []*Tensor) *Tensor { return Reshape(in[0], 5, -1) }), []*Tensor{r(3, 5, 2)}},
		{"transpose", sq(func(in []*Tensor) *Tensor { return Transpose(in[0], 2, 0, 3, 1) }), []*Tensor{r(2, 3, 5, 1)}},
		{"concat", sq(func(in []*Tensor) *Tensor { return Concat(1, in...) }), []*Tensor{r(2, 1, 3), r(2, 5, 3), r(2, 2, 3)}},
		{"split", sq(func(in []*Tensor) *Tensor {
			ps := Split(in[0], 1, 2, 1, 4)
			return Concat(1, Scale(ps[0], 2), Scale(ps[1], -3), ps[2])
		}), []*Tensor{r(3, 7, 2)}},
		{"upsample2x", sq(func(in []*Tensor) *Tensor { return Upsample2x(in[0]) }), []*Tensor{r(2, 3, 5, 3)}},
		{"shift", sq(func(in []*Tensor) *Tensor { return Shift(in[0], shifts[0], shifts[1]) }), []*Tensor{r(3, 5, 4, 2)}},
		{"leaky relu", one(func(x *Tensor) *Tensor { return Mul(LeakyReLU(x, 0.2), x) }), []*Tensor{kinked(5, 3)}},
		{"leaky relu steep", one(func(x *Tensor) *Tensor { return Mul(LeakyReLU(x, 1.5), x) }), []*Tensor{kinked(7)}},
		{"relu", one(func(x *Tensor) *Tensor { return Mul(ReLU(x), x) }), []*Tensor{kinked(3, 7)}},
		{"elu", one(ELU), []*Tensor{kinked(4, 5)}},
		{"tanh", one(Tanh), []*Tensor{Scale(r(11), 2)}},
		{"sigmoid", one(Sigmoid), []*Tensor{Scale(r(13), 3)}},
		{"abs", one(func(x *Tensor) *Tensor { return Mul(Abs(x), x) }), []*Tensor{kinked(2, 7)}},
		{"sqrt", one(Sqrt), []*Tensor{positive(9)}},
		{"rsqrt", one(Rsqrt), []*Tensor{positive(9)}},
		{"matmul", two(MatMul), []*Tensor{r(3, 7), r(7, 5)}},
		{"matmul aᵀbᵀ", func(in []*Tensor) *Tensor { return Tanh(matmulT(in[0], in[1], true, true)) }, []*Tensor{r(7, 3), r(5, 7)}},
		{"matmul aᵀb", func(in []*Tensor) *Tensor { return Tanh(matmulT(in[0], in[1], true, false)) }, []*Tensor{r(7, 3), r(7, 5)}},
		{"matmul abᵀ", func(in []*Tensor) *Tensor { return Tanh(matmulT(in[0], in[1], false, true)) }, []*Tensor{r(3, 7), r(5, 7)}},
		{"linear", func(in []*Tensor) *Tensor { return Tanh(Linear(in[0], in[1], in[2])) }, []*Tensor{r(4, 5), r(5, 3), r(3)}},
		{"linear, weights off the tape", func(in []*Tensor) *Tensor { return Tanh(Linear(in[0], linW, nil)) }, []*Tensor{r(4, 5)}},
		{"conv 3x3/1 same elu", func(in []*Tensor) *Tensor { return Conv2DAct(in[0], in[1], in[2], 1, Same, ELUAct) },
			[]*Tensor{r(2, 5, 7, 3), r(3, 3, 3, 5), r(5)}},
		{"conv 5x5/2 same tanh", func(in []*Tensor) *Tensor { return Conv2DAct(in[0], in[1], in[2], 2, Same, TanhAct) },
			[]*Tensor{r(2, 9, 6, 1), r(5, 5, 1, 3), r(3)}},
		{"conv 5x5/2 same leaky", func(in []*Tensor) *Tensor {
			return Mul(Conv2DAct(in[0], in[1], in[2], 2, Same, LeakyReLUAct(0.2)), Conv2D(in[0], in[1], nil, 2, Same))
		}, []*Tensor{r(2, 7, 5, 2), r(5, 5, 2, 3), r(3)}},
		{"conv 3x3/2 valid", func(in []*Tensor) *Tensor { return Tanh(Conv2D(in[0], in[1], nil, 2, Valid)) },
			[]*Tensor{r(1, 7, 9, 5), r(3, 3, 5, 2)}},
		{"conv explicit pad", func(in []*Tensor) *Tensor { return Tanh(Conv2D(in[0], in[1], nil, 2, Explicit(2, 0, 1, 3))) },
			[]*Tensor{r(2, 5, 4, 3), r(3, 2, 3, 3)}},
		{"conv transpose 5x5/2 same tanh", func(in []*Tensor) *Tensor {
			return ConvTranspose2DAct(in[0], in[1], in[2], 2, Same, 8, 6, TanhAct)
		}, []*Tensor{r(2, 4, 3, 5), r(5, 5, 3, 5), r(3)}},
		{"conv transpose 3x3/2 valid", func(in []*Tensor) *Tensor {
			return Tanh(ConvTranspose2D(in[0], in[1], nil, 2, Valid, 7, 9))
		}, []*Tensor{r(3, 3, 4, 1), r(3, 3, 2, 1)}},
		{"conv filter gradient", func(in []*Tensor) *Tensor { return Tanh(convFilter(in[0], in[1], p)) },
			[]*Tensor{r(2, 7, 6, 3), r(2, 4, 3, 4)}},
		{"batchnorm training", func(in []*Tensor) *Tensor { return BatchNorm(in[0], in[1], in[2], randBNStats(rng, 5), true) },
			[]*Tensor{r(3, 2, 3, 5), r(5), r(5)}},
		{"batchnorm training 2d", func(in []*Tensor) *Tensor { return BatchNorm(in[0], in[1], in[2], randBNStats(rng, 1), true) },
			[]*Tensor{r(7, 1), r(1), r(1)}},
		{"batchnorm groups leaky", func(in []*Tensor) *Tensor {
			return Mul(BatchNormGroups(in[0], in[1], in[2], randBNStats(rng, 3), true, LeakyReLUAct(0.2), 3), in[0])
		}, []*Tensor{r(6, 2, 1, 3), r(3), r(3)}},
		{"batchnorm elu", func(in []*Tensor) *Tensor {
			return BatchNormAct(in[0], in[1], in[2], randBNStats(rng, 2), true, ELUAct)
		},
			[]*Tensor{r(5, 3, 2), r(2), r(2)}},
		{"batchnorm inference", func(in []*Tensor) *Tensor {
			return Tanh(BatchNorm(in[0], in[1], in[2], infStats, false))
		}, []*Tensor{r(2, 3, 1, 3), r(3), r(3)}},
		{"sigmoid bce", func(in []*Tensor) *Tensor {
			targets := FromData([]float32{0, 1, 0.3, 1, 0, 0.9, 1}, 7, 1)
			return SigmoidBCE(Scale(in[0], 3), targets)
		}, []*Tensor{r(7, 1)}},
		{"mse", func(in []*Tensor) *Tensor { return MSE(Tanh(in[0]), in[1]) }, []*Tensor{r(2, 7), r(2, 7)}},
		{"l1", func(in []*Tensor) *Tensor { return L1(Tanh(in[0]), in[1]) }, []*Tensor{r(3, 5), Scale(r(3, 5), 3)}},
		{"spectral norm", func(in []*Tensor) *Tensor { return Tanh(spectralScale(in[0], snU, snV, in[0])) },
			[]*Tensor{snW}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { secondOrderCheck(t, tc.f, tc.inputs...) })
	}
}

// The second-order check must be able to fail: an activation whose vjp forgets that its derivative depends on
// its output (a silently wrong second derivative) is caught.
func TestSecondOrderCheckCatchesWrongDoubleBackward(t *testing.T) {
	wrongTanh := func(in []*Tensor) *Tensor {
		x := in[0]
		out := Tanh(x)
		out.vjp = func(g *Tensor, c *gradCtx) { // g·(1 − y²), with y taken as a constant: right first derivative
			y := constant(out, out.data, out.Shape)
			c.add(x, Sub(g, Mul(g, Mul(y, y))))
		}
		return out
	}
	ft := &fakeT{}
	func() {
		defer func() { recover() }()
		secondOrderCheck(ft, wrongTanh, randTensor(rand.New(rand.NewPCG(3, 4)), 6))
	}()
	if !ft.failed {
		t.Fatal("secondOrderCheck passed a double backward that is wrong")
	}
}

// Grad names an op that has no backward built from ops, and refuses a graph that Backward has spent.
func TestGradErrors(t *testing.T) {
	tp := NewTape()
	x := tp.Input([]float32{1, 2, 3}, 3)
	x.SetRequiresGrad(true)
	ref := refUnary(x, func(v float32) float32 { return v * v }, func(x, _ float32) float32 { return 2 * x })
	_, err := Grad(Sum(Tanh(ref)), x)
	var ge *GradError
	if !errors.As(err, &ge) || ge.Spent || ge.Op != "reference" {
		t.Errorf("grad through an op without vjp: %v; want a GradError naming it", err)
	}
	y := Sum(Tanh(x))
	tp.Backward(y)
	if _, err := Grad(y, x); !errors.As(err, &ge) || !ge.Spent {
		t.Errorf("grad after Backward: %v; want a GradError saying the graph is spent", err)
	}
	if _, err := Grad(Sum(Tanh(tp.Input([]float32{1}, 1))), tp.Input([]float32{1}, 1)); err == nil {
		t.Error("grad with respect to a tensor that does not require a gradient: no error")
	}
	// An input that the output does not depend on gets zeros; an unused branch (z) is not differentiated.
	z := tp.Input([]float32{4, 5}, 2)
	z.SetRequiresGrad(true)
	a := tp.Input([]float32{1, 2, 3}, 3)
	a.SetRequiresGrad(true)
	g, err := Grad(Sum(Mul(a, a)), a, z)
	if err != nil {
		t.Fatal(err)
	}
	if got := g[0].ToHost(); !slices.Equal(got, []float32{2, 4, 6}) {
		t.Errorf("∂Σa²/∂a = %v, want [2 4 6]", got)
	}
	if got := g[1].ToHost(); !slices.Equal(got, []float32{0, 0}) {
		t.Errorf("gradient of an unused input = %v, want zeros", got)
	}
	tp.Reset()
}

// Grad of Grad: the third derivative of x⁴ (through tanh's and mul's vjps, themselves differentiated).
func TestGradOfGrad(t *testing.T) {
	tp := NewTape()
	x := tp.Input([]float32{0.5, -1.5}, 2)
	x.SetRequiresGrad(true)
	y := Sum(Mul(Mul(x, x), Mul(x, x)))
	g1, err := Grad(y, x) // 4x³
	if err != nil {
		t.Fatal(err)
	}
	g2, err := Grad(Sum(g1[0]), x) // 12x²
	if err != nil {
		t.Fatal(err)
	}
	tp.Backward(Sum(g2[0])) // 24x
	for i, v := range []float32{0.5, -1.5} {
		if got := g1[0].ToHost()[i]; math.Abs(float64(got-4*v*v*v)) > 1e-5 {
			t.Errorf("first derivative %g, want %g", got, 4*v*v*v)
		}
		if got := g2[0].ToHost()[i]; math.Abs(float64(got-12*v*v)) > 1e-5 {
			t.Errorf("second derivative %g, want %g", got, 12*v*v)
		}
		if got := x.cpuGrad()[i]; math.Abs(float64(got-24*v)) > 1e-5 {
			t.Errorf("third derivative %g, want %g", got, 24*v)
		}
	}
	tp.Reset()
}
