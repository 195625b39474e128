package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"sdgan/nn/kernels"
)

// largestSingularValue is σ₁ of data read as a rows×cols matrix, from gonum's SVD.
func largestSingularValue(t *testing.T, data []float32, rows, cols int) float64 {
	t.Helper()
	a := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			a.Set(i, j, float64(data[i*cols+j]))
		}
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDNone) {
		t.Fatal("SVD did not converge")
	}
	return svd.Values(nil)[0]
}

// Power iteration finds σ₁: after enough calls, w/σ has a largest singular value of 1, for dense and
// convolution shapes of awkward sizes.
func TestSpectralNormConverges(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for _, shape := range [][]int{{7, 3}, {3, 7}, {1, 5}, {5, 1}, {3, 3, 5, 11}, {5, 5, 2, 1}} {
		w := randTensor(rng, shape...)
		sn := NewSpectralNorm("w", w, rng)
		var wn *Tensor
		for range 200 {
			wn = sn.Apply(w, nil)
		}
		out := shape[len(shape)-1]
		want := largestSingularValue(t, w.CPUData(), len(w.CPUData())/out, out)
		got := largestSingularValue(t, wn.CPUData(), len(w.CPUData())/out, out)
		if math.Abs(got-1) > 1e-3 {
			t.Errorf("%v: σ₁(w) = %.5f; σ₁(w/σ̂) = %.5f, want 1", shape, want, got)
		}
		if math.Abs(float64(w.CPUData()[0]/wn.CPUData()[0])-want) > 1e-3*want {
			t.Errorf("%v: σ̂ = %.5f, want %.5f", shape, w.CPUData()[0]/wn.CPUData()[0], want)
		}
	}
}

// The gradient of w/σ(w) for fixed singular-vector estimates, against finite differences.
func TestSpectralScaleGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	for _, shape := range [][]int{{5, 3}, {3, 3, 2, 5}, {4, 1}} {
		out := shape[len(shape)-1]
		w := randTensor(rng, shape...)
		ut, vt := randTensor(rng, out), randTensor(rng, len(w.CPUData())/out)
		u, v := ut.CPUData(), vt.CPUData()
		kernels.Normalize(u)
		kernels.Normalize(v)
		// Make σ positive and away from 0 for every evaluation: nudge w along v·uᵀ.
		for i := range v {
			for j := range u {
				w.CPUData()[i*out+j] += 3 * v[i] * u[j]
			}
		}
		gradCheck(t, func(in []*Tensor) *Tensor { return spectralScale(in[0], ut, vt, in[0]) }, w)
	}
}

// A spectrally normalised convolution and dense layer pass gradients to their weights (through σ) and inputs.
func TestSpectralNormLayersGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	conv := NewConv("c", 3, 2, 4, 1, Same, true)
	InitNormal(rng, 0.5, conv.W, conv.B)
	conv.SN = NewSpectralNorm("c", conv.W, rng)
	dense := NewDense("d", 5*4*4, 3, true)
	InitNormal(rng, 0.5, dense.W, dense.B)
	dense.SN = NewSpectralNorm("d", dense.W, rng)
	for range 100 { // converge u: further steps then barely move σ, so finite differences see one function
		conv.SN.Apply(conv.W, nil)
		dense.SN.Apply(dense.W, nil)
	}
	x := randTensor(rng, 2, 5, 4, 2)
	net := func(in []*Tensor) *Tensor {
		c := &Conv{W: in[1], B: conv.B, Stride: 1, Pad: Same, SN: conv.SN}
		d := &Dense{W: in[2], B: dense.B, SN: dense.SN}
		return d.Forward(Reshape(c.Forward(in[0]), 2, -1))
	}
	gradCheck(t, net, x, conv.W.Clone(), dense.W.Clone())
}

// With the weights frozen (a generator step through the discriminator), the normalised weight records nothing
// and the layer still passes gradients to its input.
func TestSpectralNormFrozenWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	conv := NewConv("c", 3, 2, 4, 1, Same, false)
	InitNormal(rng, 0.5, conv.W)
	conv.SN = NewSpectralNorm("c", conv.W, rng)
	conv.W.SetRequiresGrad(false)
	tp := NewTape()
	x := tp.Input(randTensor(rng, 1, 3, 3, 2).CPUData(), 1, 3, 3, 2)
	x.SetRequiresGrad(true)
	tp.Backward(Sum(conv.Forward(x)))
	if x.grad == nil || conv.W.grad != nil {
		t.Fatalf("input gradient %v, frozen weight gradient %v: want one and none", x.grad != nil, conv.W.grad != nil)
	}
}

func TestShiftValuesAndGradient(t *testing.T) {
	x := FromData([]float32{
		1, 2, 3,
		4, 5, 6, // image 0, 2×3×1
		7, 8, 9,
		10, 11, 12, // image 1
	}, 2, 2, 3, 1)
	got := Shift(x, []int{1, 0}, []int{-1, 2})
	want := []float32{0, 0, 0, 2, 3, 0, 0, 0, 7, 0, 0, 10}
	for i := range want {
		if got.CPUData()[i] != want[i] {
			t.Fatalf("shift: got %v, want %v", got.CPUData(), want)
		}
	}
	if z := Shift(x, []int{2, -5}, []int{0, 0}); Sum(z).Item() != 0 {
		t.Errorf("shifts past the edge: got %v, want zeros", z.CPUData())
	}
	rng := rand.New(rand.NewPCG(12, 13))
	dy, dx := []int{0, 1, -2, 3}, []int{-1, 2, 0, -4}
	gradCheck(t, func(in []*Tensor) *Tensor { return Shift(in[0], dy, dx) }, randTensor(rng, 4, 5, 6, 3))
}

func TestDivGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	awayFromZeroPos := func(shape ...int) *Tensor { // divisors in [0.5, 1.5]
		d := randTensor(rng, shape...)
		for i := range d.CPUData() {
			d.CPUData()[i] = 1 + d.CPUData()[i]/2
		}
		return d
	}
	two := func(in []*Tensor) *Tensor { return Div(in[0], in[1]) }
	for _, tc := range []struct {
		name string
		a, b *Tensor
	}{
		{"same shape", randTensor(rng, 3, 4), awayFromZeroPos(3, 4)},
		{"scalar divisor", randTensor(rng, 2, 3, 5), awayFromZeroPos()},
		{"one-element divisor", randTensor(rng, 7), awayFromZeroPos(1)},
		{"broadcast", randTensor(rng, 2, 3, 1), awayFromZeroPos(3, 4)},
	} {
		t.Run(tc.name, func(t *testing.T) { gradCheck(t, two, tc.a, tc.b) })
	}
	if got := Div(FromData([]float32{3, -6}, 2), Scalar(1.5)).CPUData(); got[0] != 2 || got[1] != -4 {
		t.Errorf("div: got %v, want [2 -4]", got)
	}
}
