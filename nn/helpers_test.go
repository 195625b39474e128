package nn

import "math/rand/v2"

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

// one adapts a one-input op to the []*Tensor form the gradient checks take.
func one(op func(x *Tensor) *Tensor) func([]*Tensor) *Tensor {
	return func(in []*Tensor) *Tensor { return op(in[0]) }
}

// two adapts a two-input op to the []*Tensor form the gradient checks take.
func two(op func(a, b *Tensor) *Tensor) func([]*Tensor) *Tensor {
	return func(in []*Tensor) *Tensor { return op(in[0], in[1]) }
}

// randBNStats returns batch-norm running averages for c channels with random means and variances in [0.5, 1.5).
func randBNStats(rng *rand.Rand, c int) *BNStats {
	st := NewBNStats("bn", c, 0.99, 1e-3)
	for j := range c {
		st.Mean.CPUData()[j] = float32(rng.Float64() - 0.5)
		st.Var.CPUData()[j] = float32(0.5 + rng.Float64())
	}
	return st
}
