package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// positive returns a tensor of the given shape with values from U(lo, lo+1).
func positive(rng *rand.Rand, lo float64, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.CPUData() {
		t.CPUData()[i] = float32(lo + rng.Float64())
	}
	return t
}

func TestSqrtGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	one := func(op func(x *Tensor) *Tensor) func([]*Tensor) *Tensor {
		return func(in []*Tensor) *Tensor { return op(in[0]) }
	}
	tests := []struct {
		name  string
		f     func([]*Tensor) *Tensor
		input *Tensor
	}{
		{"sqrt", one(Sqrt), positive(rng, 0.3, 3, 7)},
		{"sqrt single", one(Sqrt), positive(rng, 0.5, 1)},
		{"rsqrt", one(Rsqrt), positive(rng, 0.4, 5, 3)},
		{"l2 normalise rows", one(func(x *Tensor) *Tensor { // x·(Σx² + ε)^(−½) per row
			n := Reshape(Sum(Mul(x, x), 1), x.Dim(0), 1)
			return Mul(x, Rsqrt(Add(n, Scalar(1e-6))))
		}), randTensor(rng, 3, 5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, tc.f, tc.input) })
	}
}

func TestSqrtValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := positive(rng, 0.01, 13)
	s, r := Sqrt(x), Rsqrt(x)
	for i, v := range x.CPUData() {
		want := math.Sqrt(float64(v))
		if d := math.Abs(float64(s.CPUData()[i]) - want); d > 1e-6*want {
			t.Errorf("sqrt(%g) = %g, want %g", v, s.CPUData()[i], want)
		}
		if d := math.Abs(float64(r.CPUData()[i]) - 1/want); d > 1e-6/want {
			t.Errorf("rsqrt(%g) = %g, want %g", v, r.CPUData()[i], 1/want)
		}
	}
}
