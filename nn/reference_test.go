package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// convRef is the textbook definition of a strided, zero-padded 2-D cross-correlation on NHWC/HWIO data.
func convRef(x, w *Tensor, stride, padTop, padLeft, oh, ow int) []float64 {
	n, h, wd, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	kh, kw, f := w.Shape[0], w.Shape[1], w.Shape[3]
	y := make([]float64, n*oh*ow*f)
	for b := range n {
		for oy := range oh {
			for ox := range ow {
				for o := range f {
					var s float64
					for ky := range kh {
						for kx := range kw {
							iy, ix := oy*stride+ky-padTop, ox*stride+kx-padLeft
							if iy < 0 || iy >= h || ix < 0 || ix >= wd {
								continue
							}
							for ci := range c {
								s += float64(x.CPUData()[((b*h+iy)*wd+ix)*c+ci]) * float64(w.CPUData()[((ky*kw+kx)*c+ci)*f+o])
							}
						}
					}
					y[((b*oh+oy)*ow+ox)*f+o] = s
				}
			}
		}
	}
	return y
}

// convTransposeRef scatters every input value through the filter: the transposed convolution as TensorFlow
// defines it (conv2d_transpose is the gradient of conv2d with respect to its input, so input position (iy, ix)
// feeds output (iy·s + ky − padTop, ix·s + kx − padLeft) with the filter tap (ky, kx)). w is [kh, kw, out, in].
func convTransposeRef(x, w *Tensor, stride, padTop, padLeft, oh, ow int) []float64 {
	n, h, wd, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	kh, kw, f := w.Shape[0], w.Shape[1], w.Shape[2]
	y := make([]float64, n*oh*ow*f)
	for b := range n {
		for iy := range h {
			for ix := range wd {
				for ky := range kh {
					for kx := range kw {
						oy, ox := iy*stride+ky-padTop, ix*stride+kx-padLeft
						if oy < 0 || oy >= oh || ox < 0 || ox >= ow {
							continue
						}
						for o := range f {
							for ci := range c {
								y[((b*oh+oy)*ow+ox)*f+o] += float64(x.CPUData()[((b*h+iy)*wd+ix)*c+ci]) *
									float64(w.CPUData()[((ky*kw+kx)*f+o)*c+ci])
							}
						}
					}
				}
			}
		}
	}
	return y
}

func assertClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s: value %d is %g, want %g", what, i, got[i], want[i])
		}
	}
}

func TestConv2DMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	tests := []struct {
		x, w           []int
		stride         int
		pad            Padding
		oh, ow, pt, pl int
	}{
		// SAME: out = ceil(in/s), total pad = max((out−1)·s + k − in, 0), smaller half first.
		{[]int{2, 8, 6, 3}, []int{5, 5, 3, 7}, 2, Same, 4, 3, 1, 1},
		{[]int{1, 7, 5, 1}, []int{3, 3, 1, 2}, 1, Same, 7, 5, 1, 1},
		{[]int{3, 9, 4, 5}, []int{5, 5, 5, 1}, 2, Same, 5, 2, 2, 1},
		{[]int{1, 7, 9, 2}, []int{3, 3, 2, 3}, 2, Valid, 3, 4, 0, 0},
		{[]int{2, 5, 4, 3}, []int{3, 2, 3, 3}, 2, Explicit(2, 0, 1, 3), 3, 4, 2, 1},
		{[]int{1, 1, 1, 1}, []int{1, 1, 1, 1}, 1, Valid, 1, 1, 0, 0},
	}
	for _, tc := range tests {
		x, w := randTensor(rng, tc.x...), randTensor(rng, tc.w...)
		y := Conv2D(x, w, nil, tc.stride, tc.pad)
		if y.Dim(1) != tc.oh || y.Dim(2) != tc.ow || y.Dim(3) != tc.w[3] {
			t.Fatalf("conv %v * %v stride %d: output %v, want %d×%d", tc.x, tc.w, tc.stride, y.Shape, tc.oh, tc.ow)
		}
		assertClose(t, "conv2d", y.CPUData(), convRef(x, w, tc.stride, tc.pt, tc.pl, tc.oh, tc.ow), 1e-5)
	}
}

// TestConvTransposeDoublesLikeTensorFlow checks the generator's upsampling layer, a 5×5 stride-2 "SAME" transposed
// convolution, against TensorFlow's definition. How that definition was established: tf.nn.conv2d_transpose is
// documented as the gradient of tf.nn.conv2d with respect to its input (it is implemented by Conv2DBackpropInput),
// with output_shape given by the caller; the DCGAN code passes output_shape = 2·input. So the layer is the adjoint
// of the SAME stride-2 convolution from 2h×2w to h×w, whose padding by TensorFlow's documented rule
// (pad_along = max((out−1)·stride + k − in, 0), pad_top = pad_along // 2) is 3 in total, 1 on top and left. The
// reference below scatters with exactly that offset; PyTorch's ConvTranspose2d(5, 2, padding=2,
// output_padding=1) would instead use an offset of 2 and differs by a one-pixel shift.
func TestConvTransposeDoublesLikeTensorFlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	for _, shape := range [][]int{{2, 4, 4, 5}, {1, 3, 5, 2}, {3, 1, 1, 1}} {
		x := randTensor(rng, shape...)
		w := randTensor(rng, 5, 5, 3, shape[3])
		y := ConvTranspose2D(x, w, nil, 2, Same, 2*shape[1], 2*shape[2])
		if y.Dim(1) != 2*shape[1] || y.Dim(2) != 2*shape[2] || y.Dim(3) != 3 {
			t.Fatalf("conv transpose of %v: output %v, want doubled", shape, y.Shape)
		}
		assertClose(t, "conv2d_transpose 5x5/2 SAME", y.CPUData(), convTransposeRef(x, w, 2, 1, 1, 2*shape[1], 2*shape[2]), 1e-5)
	}
	// A general case: 3×3 stride 2 VALID to 7×9 (no padding; the last row and column are only reached by taps).
	x, w := randTensor(rng, 2, 3, 4, 3), randTensor(rng, 3, 3, 2, 3)
	y := ConvTranspose2D(x, w, nil, 2, Valid, 7, 9)
	assertClose(t, "conv2d_transpose 3x3/2 VALID", y.CPUData(), convTransposeRef(x, w, 2, 0, 0, 7, 9), 1e-5)
}

func TestBatchNormMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	x, gamma, beta := randTensor(rng, 3, 2, 5, 7), randTensor(rng, 7), randTensor(rng, 7)
	for i := range x.CPUData() {
		x.CPUData()[i] = 3*x.CPUData()[i] + 1 // away from mean 0, variance 1
	}
	st := NewBNStats("bn", 7, 0.9, 1e-3)
	y := BatchNorm(x, gamma, beta, st, true)
	c, m := 7, len(x.CPUData())/7
	want := make([]float64, len(x.CPUData()))
	for j := range c {
		var mean, v float64
		for i := j; i < len(x.CPUData()); i += c {
			mean += float64(x.CPUData()[i])
		}
		mean /= float64(m)
		for i := j; i < len(x.CPUData()); i += c {
			v += (float64(x.CPUData()[i]) - mean) * (float64(x.CPUData()[i]) - mean)
		}
		for i := j; i < len(x.CPUData()); i += c {
			want[i] = (float64(x.CPUData()[i])-mean)/math.Sqrt(v/float64(m)+1e-3)*float64(gamma.CPUData()[j]) + float64(beta.CPUData()[j])
		}
		// running averages after one step from (0, 1) with momentum 0.9; the variance is unbiased.
		if d := math.Abs(float64(st.Mean.CPUData()[j]) - 0.1*mean); d > 1e-5 {
			t.Errorf("channel %d running mean %g, want %g", j, st.Mean.CPUData()[j], 0.1*mean)
		}
		if d := math.Abs(float64(st.Var.CPUData()[j]) - (0.9 + 0.1*v/float64(m-1))); d > 1e-5 {
			t.Errorf("channel %d running variance %g, want %g", j, st.Var.CPUData()[j], 0.9+0.1*v/float64(m-1))
		}
	}
	assertClose(t, "batchnorm training", y.CPUData(), want, 1e-5)

	y = BatchNorm(x, gamma, beta, st, false)
	for i := range want {
		j := i % c
		want[i] = (float64(x.CPUData()[i])-float64(st.Mean.CPUData()[j]))/math.Sqrt(float64(st.Var.CPUData()[j])+1e-3)*
			float64(gamma.CPUData()[j]) + float64(beta.CPUData()[j])
	}
	assertClose(t, "batchnorm inference", y.CPUData(), want, 1e-5)
}

func TestShapeErrorsNameOpAndShapes(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want []string
	}{
		{"matmul", func() { MatMul(New(2, 3), New(4, 5)) }, []string{"matmul", "[2 3]", "[4 5]"}},
		{"add", func() { Add(New(2, 3), New(4, 3)) }, []string{"add", "[2 3]", "[4 3]"}},
		{"conv", func() { Conv2D(New(1, 4, 4, 3), New(3, 3, 2, 5), nil, 1, Same) }, []string{"conv2d", "[1 4 4 3]"}},
		{"conv transpose", func() { ConvTranspose2D(New(1, 4, 4, 3), New(5, 5, 2, 3), nil, 2, Same, 9, 9) },
			[]string{"conv2d_transpose", "9×9", "4×4"}},
		{"reshape", func() { Reshape(New(2, 3), 4, 2) }, []string{"reshape", "[2 3]", "[4 2]"}},
		{"concat", func() { Concat(1, New(2, 3), New(3, 3)) }, []string{"concat", "[2 3]", "[3 3]"}},
		{"batchnorm", func() { BatchNorm(New(2, 3), New(4), New(4), NewBNStats("b", 4, 0.9, 1e-3), true) },
			[]string{"batchnorm", "[2 3]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Fatalf("panic %q does not mention %q", msg, w)
					}
				}
			}()
			tc.f()
		})
	}
}

func TestTapeResetRecyclesAndInvalidates(t *testing.T) {
	tp := NewTape()
	w := NewParam("w", 3)
	Fill(2, w)
	x := tp.Input([]float32{1, 2, 3}, 3)
	y := Mul(x, w)
	tp.Backward(Sum(y))
	if got := w.cpuGrad(); got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("dw = %v, want x", got)
	}
	first := &y.CPUData()[0]
	tp.Reset()
	if y.data != nil {
		t.Fatal("a tensor made on the tape is still usable after Reset")
	}
	x = tp.Input([]float32{4, 5, 6}, 3)
	y = Mul(x, w)
	if &y.CPUData()[0] != first && &x.CPUData()[0] != first {
		t.Error("Reset did not recycle the step's buffers")
	}
	if y.CPUData()[0] != 8 || y.CPUData()[2] != 12 {
		t.Fatalf("after reuse y = %v, want [8 10 12]", y.CPUData())
	}
}

func TestBackwardRunsEachOpOnce(t *testing.T) {
	tp := NewTape()
	w := NewParam("w", 1)
	Fill(3, w)
	x := tp.Input([]float32{2}, 1)
	y := Mul(x, w)
	a, b := Sum(y), Sum(Scale(y, 2)) // two losses sharing y
	tp.Backward(a)
	tp.Backward(b) // y was spent by the first pass, so nothing more reaches w
	if w.cpuGrad()[0] != 2 {
		t.Fatalf("dw = %g after two backward passes sharing a spent node, want 2 (the graph is used once)", w.cpuGrad()[0])
	}
}

func TestInferenceRecordsNothing(t *testing.T) {
	w := NewParam("w", 2, 2)
	Fill(1, w)
	y := MatMul(New(1, 2), w)
	if y.requiresGrad || y.backward != nil || y.parents != nil {
		t.Fatal("an op without a tape recorded history")
	}
	tp := NewTape()
	d := Mul(tp.Input([]float32{1, 2}, 2), FromData([]float32{3, 4}, 2)).Detach()
	if d.requiresGrad || d.backward != nil {
		t.Fatal("Detach kept history")
	}
}
