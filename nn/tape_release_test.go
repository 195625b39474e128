package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// checkTapeBuffers fails if a buffer is listed twice among the tape's handed-out buffers and its (CPU) backend's
// free ones (two tensors would then share memory), or if the index of handed-out buffers is out of step with
// them.
func checkTapeBuffers(t *testing.T, tp *Tape) {
	t.Helper()
	seen := map[*float32]bool{}
	note := func(b Buffer) {
		s := cpuSlice(b)
		if len(s) == 0 {
			return
		}
		if seen[&s[0]] {
			t.Fatalf("buffer of %d floats listed twice", len(s))
		}
		seen[&s[0]] = true
	}
	for i, b := range tp.used {
		note(b)
		if tp.slot[b] != i {
			t.Fatalf("used buffer %d indexed at %d", i, tp.slot[b])
		}
	}
	if len(tp.slot) != len(tp.used) {
		t.Fatalf("%d buffers indexed, %d handed out", len(tp.slot), len(tp.used))
	}
	cpu := tp.dev.(*cpuBackend)
	cpu.mu.Lock()
	defer cpu.mu.Unlock()
	for _, b := range cpu.free {
		note(b)
	}
}

// Backward gives the gradients of op results back to the tape as it goes (leaves keep theirs), the buffers are
// reused without ever being shared, and a second step on the recycled memory computes the same gradients.
func TestBackwardReleasesIntermediateGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	w1, w2 := randTensor(rng, 3, 3, 2, 4), randTensor(rng, 3, 3, 4, 4)
	w1.SetRequiresGrad(true)
	w2.SetRequiresGrad(true)
	x0 := randTensor(rng, 3, 5, 7, 2)
	tp := NewTape()
	var first [][]float32
	for step := range 3 {
		x := tp.Input(x0.CPUData(), x0.Shape...)
		x.SetRequiresGrad(true)
		h1 := Conv2DAct(x, w1, nil, 1, Same, TanhAct)
		h2 := Conv2D(h1, w2, nil, 1, Same)
		h3 := Reshape(Tanh(h2), 3, -1)
		loss := Sum(Mul(h3, Scale(h3, 0.5)))
		tp.Backward(loss)
		checkTapeBuffers(t, tp)
		for _, tt := range []*Tensor{h1, h2, h3} {
			if tt.grad != nil {
				t.Fatalf("step %d: an intermediate kept its gradient", step)
			}
		}
		if x.grad == nil || w1.grad == nil || w2.grad == nil || loss.grad == nil {
			t.Fatalf("step %d: a leaf or the loss lost its gradient", step)
		}
		got := [][]float32{clone(x.cpuGrad()), clone(w1.cpuGrad()), clone(w2.cpuGrad())}
		if step == 0 {
			first = got
		}
		for i := range got {
			for j := range got[i] {
				if got[i][j] != first[i][j] {
					t.Fatalf("step %d: gradient %d[%d] = %g, first step %g", step, i, j, got[i][j], first[i][j])
				}
			}
		}
		w1.ZeroGrad()
		w2.ZeroGrad()
		tp.Reset()
		checkTapeBuffers(t, tp)
		if h3.data != nil {
			t.Fatal("a reshaped view is still usable after Reset")
		}
	}
}

func clone(s []float32) []float32 { return append([]float32(nil), s...) }

// Reshape shares its input's memory.
func TestReshapeIsAView(t *testing.T) {
	x := randTensor(rand.New(rand.NewPCG(4, 4)), 3, 5)
	y := Reshape(x, 5, 3)
	if &y.CPUData()[0] != &x.CPUData()[0] || len(y.CPUData()) != 15 {
		t.Fatal("Reshape copied its input")
	}
}

// The two-core passes split work by size alone: one core or two give bit-identical results.
func TestParallelPassesAreDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2))
	x0, g0, b0 := randTensor(rng, 37, 9, 11, 29), randTensor(rng, 29), randTensor(rng, 29)
	run := func(procs int) [][]float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		tp := NewTape()
		x, g, b := tp.Input(x0.CPUData(), x0.Shape...), tp.Input(g0.CPUData(), 29), tp.Input(b0.CPUData(), 29)
		for _, in := range []*Tensor{x, g, b} {
			in.SetRequiresGrad(true)
		}
		st := NewBNStats("bn", 29, 0.9, 1e-3)
		y := BatchNormAct(x, g, b, st, true, LeakyReLUAct(0.2))
		tp.Backward(Sum(Mul(y, y)))
		return [][]float32{clone(y.CPUData()), x.cpuGrad(), g.cpuGrad(), b.cpuGrad(), st.Mean.CPUData(), st.Var.CPUData()}
	}
	one, two := run(1), run(2)
	for i := range one {
		for j := range one[i] {
			if one[i][j] != two[i][j] {
				t.Fatalf("result %d[%d]: %g on one core, %g on two", i, j, one[i][j], two[i][j])
			}
		}
	}
}

// Release frees exactly the tensors made since the mark: their buffers go back to the backend (the next tensor
// of that size reuses one), a Reshape view of an older tensor does not take its base's memory with it, and a
// computation that frees a finished part of the step gives the same gradients as one that keeps it.
func TestReleaseSinceMark(t *testing.T) {
	cpu := newCPU() // a backend of its own, whose free buffers are this test's
	defer SetDefaultBackend(SetDefaultBackend(cpu))
	rng := rand.New(rand.NewPCG(4, 7))
	w := New(5, 3)
	InitUniform(rng, -1, 1, w)
	w.SetRequiresGrad(true)
	x := make([]float32, 7*5)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	// step runs a "discriminator" part (loss a, backward) and then a "generator" part (loss b) from the same
	// input, releasing the first part's tensors in between when release is set.
	step := func(release bool) (grad []float32, kept *Tensor, freed []*Tensor, tp *Tape) {
		tp = NewTape()
		in := tp.Input(x, 7, 5)
		h := Tanh(MatMul(in, w)) // made before the mark: must survive
		view := Reshape(h, 21)   // a view made before the mark
		mark := tp.Mark()
		a := Mean(Mul(MatMul(in, w), MatMul(in, w)))
		tail := Reshape(h, 3, 7) // a view of an older tensor, made after the mark
		tp.Backward(a)
		if release {
			tp.Release(mark)
			checkTapeBuffers(t, tp)
			freed = []*Tensor{a, tail}
		}
		b := Mean(Mul(view, view))
		tp.Backward(b)
		return append([]float32(nil), w.cpuGrad()...), h, freed, tp
	}
	want, _, _, _ := step(false)
	w.ZeroGrad()
	got, kept, freed, tp := step(true)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("gradient %d: %v with Release, %v without", i, got[i], want[i])
		}
	}
	if kept.data == nil {
		t.Fatal("Release freed a tensor made before the mark")
	}
	for i, f := range freed {
		if f.data != nil {
			t.Errorf("tensor %d made after the mark still has its data", i)
		}
	}
	// The 7×3 buffers of the first part are free again: a new one reuses one of them, not the kept tensor's.
	before := append([]float32(nil), kept.CPUData()...)
	fresh := tp.Zeros(7, 3)
	for i := range fresh.CPUData() {
		fresh.CPUData()[i] = 42
	}
	if !slices.Equal(kept.CPUData(), before) {
		t.Fatal("a tensor made after Release shares memory with one made before the mark")
	}
	if n := cpu.freeOf(21); n == 0 {
		t.Error("no 21-float buffer left free after Release: the first part's memory was not recycled")
	}
	checkTapeBuffers(t, tp)
	defer func() {
		if recover() == nil {
			t.Error("Release to a mark beyond the tape did not panic")
		}
	}()
	tp.Release(len(tp.made) + 1)
}
