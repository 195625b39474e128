package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"sdgan/nn/kernels"
)

// plainActs are the obviously-correct references for the fast activations: value and derivative from the input,
// through refUnary's per-element calls. Tanh's fast version is an approximation (tanh32), hence its tolerance.
var plainActs = []struct {
	name string
	fast func(*Tensor) *Tensor
	f    func(float32) float32
	df   func(x, y float32) float32
	tol  float64 // relative tolerance on the values (0: exact)
}{
	{"relu", ReLU, func(v float32) float32 { return max(v, 0) },
		func(v, _ float32) float32 { return b2f(v > 0, 1, 0) }, 0},
	{"leaky relu 0.2", func(x *Tensor) *Tensor { return LeakyReLU(x, 0.2) },
		func(v float32) float32 { return b2f(v > 0, v, 0.2*v) },
		func(v, _ float32) float32 { return b2f(v > 0, 1, 0.2) }, 0},
	{"leaky relu 0", func(x *Tensor) *Tensor { return LeakyReLU(x, 0) },
		func(v float32) float32 { return b2f(v > 0, v, 0) },
		func(v, _ float32) float32 { return b2f(v > 0, 1, 0) }, 0},
	{"leaky relu -0.5 (unfused path)", func(x *Tensor) *Tensor { return LeakyReLU(x, -0.5) },
		func(v float32) float32 { return b2f(v > 0, v, -0.5*v) },
		func(v, _ float32) float32 { return b2f(v > 0, 1, -0.5) }, 0},
	{"elu", ELU, func(v float32) float32 { return b2f(v > 0, v, float32(math.Expm1(float64(v)))) },
		func(v, y float32) float32 { return b2f(v > 0, 1, y+1) }, 2.4e-7}, // kernels.ELU32: within 1 ulp of expm1
	{"tanh", Tanh, func(v float32) float32 { return float32(math.Tanh(float64(v))) },
		func(_, y float32) float32 { return 1 - y*y }, 3e-7},
}

func b2f(c bool, a, b float32) float32 {
	if c {
		return a
	}
	return b
}

// randWithZeros is U(−3, 3) with some exact zeros (+0 and −0) mixed in: the kink of every activation.
func randWithZeros(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch rng.IntN(10) {
		case 0:
			x[i] = 0
		case 1:
			x[i] = float32(math.Copysign(0, -1))
		default:
			x[i] = float32(6*rng.Float64() - 3)
		}
	}
	return x
}

// The fast activations give exactly the reference's values and gradients, on sizes that take the serial and the
// two-core paths (parallelMin and beyond, odd and prime).
func TestActivationsMatchPlainReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, a := range plainActs {
		for _, n := range []int{1, 7, 131, parallelMin + 1, 2*parallelMin + 37} {
			x0 := randWithZeros(rng, n)
			r := randWithZeros(rng, n)
			tp := NewTape()
			x := tp.Input(x0, n)
			x.SetRequiresGrad(true)
			y := a.fast(x)
			tp.Backward(Sum(Mul(y, FromData(r, n))))
			for i, v := range x0 {
				want := a.f(v)
				if !near(y.CPUData()[i], want, a.tol) {
					t.Fatalf("%s n=%d: f(%g) = %g, want %g", a.name, n, v, y.CPUData()[i], want)
				}
				// the derivative at the output computed, so that only the gradient's own arithmetic is checked
				if g, want := x.cpuGrad()[i], r[i]*a.df(v, y.CPUData()[i]); g != want {
					t.Fatalf("%s n=%d: gradient at %g = %g, want %g", a.name, n, v, g, want)
				}
			}
		}
	}
}

// near reports whether got equals want (exactly when tol is 0) to within a relative tol.
func near(got, want float32, tol float64) bool {
	return got == want || math.Abs(float64(got-want)) <= tol*math.Abs(float64(want))
}

// Each fused op equals the unfused ops it replaces (the reference: the op, then an activation through unary),
// bit for bit, forward and backward, for every activation.
func TestFusedOpsMatchUnfused(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 4))
	acts := []struct {
		name  string
		act   Activation
		plain func(*Tensor) *Tensor
	}{
		{"identity", Identity, func(x *Tensor) *Tensor { return Scale(x, 1) }},
		{"relu", ReLUAct, func(x *Tensor) *Tensor { return plainUnary(x, 0) }},
		{"leaky", LeakyReLUAct(0.2), func(x *Tensor) *Tensor { return plainUnary(x, 1) }},
		{"elu", ELUAct, func(x *Tensor) *Tensor { return plainUnary(x, 4) }},
		{"tanh", TanhAct, Tanh}, // the unfused op: plainUnary's math.Tanh differs from tanh32 by rounding
	}
	st := func(c int) *BNStats { return NewBNStats("bn", c, 0.9, 1e-3) }
	ops := []struct {
		name   string
		shapes [][]int
		fused  func(in []*Tensor, a Activation, s *BNStats) *Tensor
		plain  func(in []*Tensor, s *BNStats) *Tensor
		c      int // channels of the batch-norm stats
	}{
		{"conv2d bias", [][]int{{3, 7, 5, 3}, {5, 5, 3, 11}, {11}},
			func(in []*Tensor, a Activation, _ *BNStats) *Tensor {
				return Conv2DAct(in[0], in[1], in[2], 2, Same, a)
			},
			func(in []*Tensor, _ *BNStats) *Tensor { return Add(Conv2D(in[0], in[1], nil, 2, Same), in[2]) }, 1},
		{"conv2d no bias, two cores", [][]int{{5, 16, 17, 3}, {3, 3, 3, 67}},
			func(in []*Tensor, a Activation, _ *BNStats) *Tensor { return Conv2DAct(in[0], in[1], nil, 1, Same, a) },
			func(in []*Tensor, _ *BNStats) *Tensor { return Conv2D(in[0], in[1], nil, 1, Same) }, 1},
		{"conv transpose bias", [][]int{{2, 3, 5, 7}, {5, 5, 3, 7}, {3}},
			func(in []*Tensor, a Activation, _ *BNStats) *Tensor {
				return ConvTranspose2DAct(in[0], in[1], in[2], 2, Same, 6, 10, a)
			},
			func(in []*Tensor, _ *BNStats) *Tensor {
				return Add(ConvTranspose2D(in[0], in[1], nil, 2, Same, 6, 10), in[2])
			}, 1},
		{"batchnorm training", [][]int{{3, 5, 7, 13}, {13}, {13}},
			func(in []*Tensor, a Activation, s *BNStats) *Tensor {
				return BatchNormAct(in[0], in[1], in[2], s, true, a)
			},
			func(in []*Tensor, s *BNStats) *Tensor { return BatchNorm(in[0], in[1], in[2], s, true) }, 13},
		{"batchnorm training, two cores", [][]int{{131, 9, 7, 11}, {11}, {11}},
			func(in []*Tensor, a Activation, s *BNStats) *Tensor {
				return BatchNormAct(in[0], in[1], in[2], s, true, a)
			},
			func(in []*Tensor, s *BNStats) *Tensor { return BatchNorm(in[0], in[1], in[2], s, true) }, 11},
		{"batchnorm inference", [][]int{{2, 3, 1, 5}, {5}, {5}},
			func(in []*Tensor, a Activation, s *BNStats) *Tensor {
				return BatchNormAct(in[0], in[1], in[2], s, false, a)
			},
			func(in []*Tensor, s *BNStats) *Tensor { return BatchNorm(in[0], in[1], in[2], s, false) }, 5},
	}
	for _, op := range ops {
		inputs := make([]*Tensor, len(op.shapes))
		for i, s := range op.shapes {
			inputs[i] = randTensor(rng, s...)
		}
		for _, a := range acts {
			run := func(f func(in []*Tensor, s *BNStats) *Tensor) (*Tensor, []*Tensor, *BNStats) {
				tp := NewTape()
				in := make([]*Tensor, len(inputs))
				for i, x := range inputs {
					in[i] = tp.Input(x.CPUData(), x.Shape...)
					in[i].SetRequiresGrad(true)
				}
				s := st(op.c)
				y := f(in, s)
				out := y.Clone()
				r := randTensor(rand.New(rand.NewPCG(1, 1)), y.Shape...)
				tp.Backward(Sum(Mul(y, r)))
				return out, in, s
			}
			yf, inf, sf := run(func(in []*Tensor, s *BNStats) *Tensor { return op.fused(in, a.act, s) })
			yp, inp, sp := run(func(in []*Tensor, s *BNStats) *Tensor { return a.plain(op.plain(in, s)) })
			same := func(what string, got, want []float32) {
				t.Helper()
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s %s: %s[%d] = %g, unfused %g", op.name, a.name, what, i, got[i], want[i])
					}
				}
			}
			same("output", yf.CPUData(), yp.CPUData())
			for i := range inf {
				same("gradient", inf[i].cpuGrad(), inp[i].cpuGrad())
			}
			same("running mean", sf.Mean.CPUData(), sp.Mean.CPUData())
			same("running variance", sf.Var.CPUData(), sp.Var.CPUData())
		}
	}
}

// plainUnary applies activation k of plainActs (0 relu, 1 leaky 0.2, 4 elu) through unary, with derivatives
// from the input: the reference for the fused ops.
func plainUnary(x *Tensor, k int) *Tensor {
	a := plainActs[k]
	return refUnary(x, a.f, a.df)
}

// The fused ops' gradients agree with finite differences (smooth activations, so that no kink gets in the way;
// the piecewise ones are checked against the unfused ops above).
func TestFusedGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	r := func(shape ...int) *Tensor { return randTensor(rng, shape...) }
	st := NewBNStats("bn", 5, 0.99, 1e-3)
	tests := []struct {
		name   string
		f      func([]*Tensor) *Tensor
		inputs []*Tensor
	}{
		{"conv2d tanh", func(in []*Tensor) *Tensor { return Conv2DAct(in[0], in[1], in[2], 2, Same, TanhAct) },
			[]*Tensor{r(2, 5, 7, 3), r(3, 3, 3, 5), r(5)}},
		{"conv transpose elu", func(in []*Tensor) *Tensor {
			return ConvTranspose2DAct(in[0], in[1], in[2], 2, Same, 8, 6, ELUAct)
		}, []*Tensor{r(2, 4, 3, 5), r(5, 5, 3, 5), r(3)}},
		{"batchnorm tanh", func(in []*Tensor) *Tensor { return BatchNormAct(in[0], in[1], in[2], st, true, TanhAct) },
			[]*Tensor{r(3, 2, 3, 5), r(5), r(5)}},
		{"linear", func(in []*Tensor) *Tensor { return Linear(in[0], in[1], in[2]) },
			[]*Tensor{r(1, 7), r(7, 3), r(3)}},
		// inputs with two consumers: whichever backward runs second must add to the gradient that the first
		// one's buffer became (takeGrad), not overwrite it
		{"batchnorm and tanh of one input", func(in []*Tensor) *Tensor {
			return Add(BatchNormAct(in[0], in[1], in[2], st, true, TanhAct), Tanh(in[0]))
		}, []*Tensor{r(3, 2, 3, 5), r(5), r(5)}},
		{"tanh, reshape and scale of one input", func(in []*Tensor) *Tensor {
			return Add(Add(Tanh(in[0]), Reshape(Scale(in[0], 3), 2, 3)), Reshape(in[0], 2, 3))
		}, []*Tensor{r(2, 3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.f, tc.inputs...) })
	}
}

// kernels.Tanh32 stays within 3e-7 relative error of math.Tanh everywhere (2.5 float32 ulps: the rounding of the
// rational approximation), saturates, and keeps NaN and ±0.
func TestTanh32MatchesMathTanh(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	var worst float64
	for i := range 200000 {
		var x float64
		switch i % 3 {
		case 0:
			x = 20*rng.Float64() - 10
		case 1:
			x = 2*rng.Float64() - 1
		default:
			x = (2*rng.Float64() - 1) * 1e-3
		}
		got, want := float64(kernels.Tanh32(float32(x))), math.Tanh(float64(float32(x)))
		rel := math.Abs(got-want) / math.Abs(want)
		worst = max(worst, rel)
		if rel > 3e-7 {
			t.Fatalf("kernels.Tanh32(%g) = %g, math.Tanh %g (relative error %.2g)", x, got, want, rel)
		}
	}
	t.Logf("worst relative error %.2g", worst)
	for _, x := range []float32{0, float32(math.Copysign(0, -1)), 100, -100, float32(math.Inf(1))} {
		if got, want := kernels.Tanh32(x), float32(math.Tanh(float64(x))); got != want || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
			t.Errorf("kernels.Tanh32(%g) = %g, want %g", x, got, want)
		}
	}
	if v := kernels.Tanh32(float32(math.NaN())); v == v {
		t.Errorf("kernels.Tanh32(NaN) = %g", v)
	}
}
