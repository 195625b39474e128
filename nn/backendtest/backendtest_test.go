package backendtest_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sdgan/nn"
	"sdgan/nn/backendtest"
)

// mustPanic fails unless fn panics with a message containing want.
func mustPanic(t *testing.T, what, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if msg := fmt.Sprint(recover()); !strings.Contains(msg, want) {
			t.Errorf("%s: panic %q, want one containing %q", what, msg, want)
		}
	}()
	fn()
}

// The checking backend refuses every access to memory that does not go through it.
func TestCheckedRefusesStrayAccess(t *testing.T) {
	chk := backendtest.New()
	b := chk.Alloc(3, true)
	mustPanic(t, "the CPU backend on a checked buffer", "not CPU memory", func() { nn.CPU().Fill(b, 1) })
	mustPanic(t, "a CPU buffer on the checked backend", "another backend", func() { chk.Fill(nn.CPU().Alloc(3, true), 1) })
	mustPanic(t, "a buffer of another checked backend", "another checked backend", func() { backendtest.New().Fill(b, 1) })
	chk.Free(b)
	mustPanic(t, "use after Free", "after Free", func() { chk.Fill(b, 1) })
	mustPanic(t, "Free twice", "after Free", func() { chk.Free(b) })

	onCPU := nn.FromData([]float32{1, 2, 3}, 3)
	defer nn.SetDefaultBackend(nn.SetDefaultBackend(chk))
	x := nn.FromData([]float32{1, 2, 3}, 3)
	mustPanic(t, "CPUData of a checked tensor", "checked backend", func() { x.CPUData() })
	mustPanic(t, "an op on tensors of two backends", "backends checked and cpu", func() { nn.Add(x, onCPU) })
	if got := nn.Scale(x, 2).ToHost(); got[2] != 6 {
		t.Errorf("2·x = %v through the checked backend", got)
	}
	tp := nn.NewTape()
	y := nn.Scale(tp.Input([]float32{1, 2}, 2), 3)
	tp.Reset()
	mustPanic(t, "a tensor of a reset tape", "reset", func() { y.ToHost() })
	if c := backendtest.CountsOf(chk); c.Frees == 0 || c.ToHost != 1 {
		t.Errorf("counts %+v: want the tape's buffers freed and one copy to the host", c)
	}
}

// everyOp runs every op of package nn forward and backward, and the optimisers, on tensors of the default
// backend made from a fixed seed, and returns every result and gradient, copied to the host.
func everyOp() [][]float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(shape ...int) []float32 {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(2*rng.Float64() - 1)
		}
		return v
	}
	pos := func(v []float32) []float32 {
		for i := range v {
			v[i] = float32(math.Abs(float64(v[i]))) + 0.1
		}
		return v
	}
	tp := nn.NewTape()
	in := func(v []float32, shape ...int) *nn.Tensor {
		t := tp.Input(v, shape...)
		t.SetRequiresGrad(true)
		return t
	}
	a, b, bias := in(rnd(2, 3, 4), 2, 3, 4), in(rnd(2, 3, 4), 2, 3, 4), in(rnd(4), 4)
	per, col, s := in(rnd(2, 1, 1), 2, 1, 1), in(pos(rnd(3, 1)), 3, 1), in(pos(rnd(1)), 1)
	pa := in(pos(rnd(2, 3, 4)), 2, 3, 4)
	img, w, wt := in(rnd(2, 6, 6, 3), 2, 6, 6, 3), in(rnd(3, 3, 3, 4), 3, 3, 3, 4), in(rnd(3, 3, 2, 4), 3, 3, 2, 4)
	mat, dense := in(rnd(3, 5), 3, 5), in(rnd(5, 4), 5, 4)
	gamma, beta := in(rnd(4), 4), in(rnd(4), 4)
	st := nn.NewBNStats("bn", 4, 0.9, 1e-3)
	conv := nn.NewConv("c", 3, 3, 4, 1, nn.Same, true)
	nn.InitNormal(rng, 0.3, conv.W, conv.B)
	conv.SN = nn.NewSpectralNorm("c", conv.W, rng)
	targets := tp.Input(pos(rnd(2, 3, 4)), 2, 3, 4)

	h := nn.Conv2DAct(img, w, bias, 2, nn.Same, nn.LeakyReLUAct(0.2)) // [2 3 3 4]
	h = nn.BatchNormGroups(h, gamma, beta, st, true, nn.ELUAct, 2)
	ys := []*nn.Tensor{
		h,
		nn.ConvTranspose2DAct(h, wt, nil, 2, nn.Same, 6, 6, nn.TanhAct),
		nn.BatchNorm(h, gamma, beta, st, false),
		conv.ForwardAct(img, nn.ReLUAct),
		nn.Add(a, b), nn.Add(a, bias), nn.Sub(per, a), nn.Mul(a, per), nn.Mul(a, a), nn.Div(a, col), nn.Div(a, s),
		nn.Scale(a, -1.5), nn.Sum(a, 1), nn.Mean(a), nn.Sum(a),
		nn.ReLU(a), nn.LeakyReLU(a, 0.2), nn.LeakyReLU(a, -0.5), nn.ELU(a), nn.Tanh(a), nn.Sigmoid(a), nn.Abs(a),
		nn.Sqrt(pa), nn.Rsqrt(pa),
		nn.Reshape(a, 6, 4), nn.Concat(1, nn.Split(a, 1, 1, 2)...), nn.Concat(0, a, b), nn.Transpose(a, 2, 0, 1),
		nn.Upsample2x(img), nn.Shift(img, []int{1, -2}, []int{0, 3}),
		nn.MatMul(mat, dense), nn.Linear(mat, dense, bias),
		nn.SigmoidBCE(a, targets), nn.SigmoidBCEConst(b, 1), nn.L1(a, b), nn.MSE(a, pa),
	}
	total := nn.Scalar(0)
	for _, y := range ys {
		r := tp.Input(rnd(y.Shape...), y.Shape...)
		total = nn.Add(total, nn.Sum(nn.Mul(y, r)))
	}
	// Double backward: the gradients as recorded tensors (every op's vjp), and a penalty on them differentiated
	// with the rest.
	leaves := []*nn.Tensor{a, b, bias, per, col, s, pa, img, w, wt, mat, dense, gamma, beta, conv.W, conv.B}
	grads, err := nn.Grad(total, leaves...)
	if err != nil {
		panic(err)
	}
	for _, g := range grads {
		total = nn.Add(total, nn.Scale(nn.Sum(nn.Mul(g, g)), 0.1))
	}
	mark := tp.Mark()
	nn.Tanh(a)
	tp.Release(mark)
	tp.Backward(total)

	var out [][]float32
	keep := func(ts ...*nn.Tensor) {
		for _, t := range ts {
			out = append(out, t.ToHost())
			if g := t.GradToHost(); g != nil {
				out = append(out, g)
			}
		}
	}
	keep(ys...)
	keep(grads...)
	keep(a, b, bias, per, col, s, pa, img, w, wt, mat, dense, gamma, beta, st.Mean, st.Var, conv.W, conv.B, conv.SN.U)
	tp.Reset()

	// the optimisers and the other updates of parameters
	p, q := nn.NewParam("p", 7), nn.NewParam("q", 7)
	nn.InitNormal(rng, 1, p, q)
	tp2 := nn.NewTape()
	loss := nn.Sum(nn.Mul(nn.Tanh(nn.Mul(tp2.Input(rnd(7), 7), p)), q)) // recorded from the tape's input on
	tp2.Backward(loss)
	out = append(out, []float32{loss.Item()})
	nn.NewAdam([]*nn.Tensor{p}, 0.1, 0.5, 0.9, 1e-8).Step()
	nn.NewRMSProp([]*nn.Tensor{q}, 0.01, 0.9, 1e-10).Step()
	nn.ClipWeights(0.5, p)
	avg := p.Clone()
	nn.MovingAverage([]*nn.Tensor{avg}, []*nn.Tensor{q}, 0.9)
	c := nn.New(7)
	c.CopyFrom(avg)
	nn.Fill(2, q)
	p.ZeroGrad()
	keep(p, q, avg, c)
	_ = p.String()
	return out
}

// Every op and optimiser through the checking backend (so, through the seam alone) gives the CPU's results, bit
// for bit, and the run uses every method of the Backend interface.
func TestEveryOpThroughTheSeam(t *testing.T) {
	want := everyOp()
	chk := backendtest.New()
	prev := nn.SetDefaultBackend(chk)
	got := everyOp()
	nn.SetDefaultBackend(prev)
	if len(got) != len(want) {
		t.Fatalf("%d results through the checking backend, %d on the CPU", len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("result %d: %d values, %d on the CPU", i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
				t.Fatalf("result %d[%d] = %v, %v on the CPU", i, j, got[i][j], want[i][j])
			}
		}
	}
	counts := backendtest.CountsOf(chk)
	bt := reflect.TypeFor[nn.Backend]()
	for i := range bt.NumMethod() {
		if m := bt.Method(i).Name; m != "Name" && !slices.Contains(counts.Used, m) {
			t.Errorf("the run never called Backend.%s", m)
		}
	}
	t.Logf("%d results; %d copies to the host, %d from it; %d buffers allocated, %d freed", len(want),
		counts.ToHost, counts.FromHost, counts.Allocs, counts.Frees)
}
