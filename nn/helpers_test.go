package nn

// cpuGrad returns t's gradient, live, in CPU memory (nil when it has none).
func (t *Tensor) cpuGrad() []float32 { return cpuSlice(t.grad) }

// setGrad gives t the gradient g (copied), as a backward pass would have left it.
func setGrad(t *Tensor, g []float32) {
	t.gradBuf()
	t.dev.CopyFromHost(t.grad, g)
}

// parallelMin is the fewest values for which the CPU kernels split an elementwise pass in two (package kernels'
// parallelMin): tests use sizes on both sides of it.
const parallelMin = 1 << 16

// refUnary is an elementwise op built from per-element functions, f for the value and df for the derivative
// from the input x and the output y, computed in plain loops: the reference for the fast ops.
func refUnary(x *Tensor, f func(float32) float32, df func(x, y float32) float32) *Tensor {
	out, record := result("reference", x.Shape, x)
	xs, ys := x.CPUData(), out.CPUData()
	for i, v := range xs {
		ys[i] = f(v)
	}
	if record {
		out.backward = func() {
			gx := cpuSlice(x.gradBuf())
			for i, g := range out.cpuGrad() {
				gx[i] += g * df(xs[i], ys[i])
			}
		}
	}
	return out
}
