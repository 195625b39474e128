package nn

import "sdgan/nn/kernels"

// Div returns a / b (elementwise) with NumPy broadcasting. A b of one element (a scale such as a spectral norm)
// takes a fast path: out = a·(1/b), whose gradient with respect to b is −Σ g·a / b².
func Div(a, b *Tensor) *Tensor {
	if b.Size() == 1 && len(b.Shape) <= len(a.Shape) {
		out, record := result("div", a.Shape, a, b)
		be := out.dev
		be.DivScalar(out.data, a.data, b.data)
		if record {
			out.backward = func() {
				var ga, gb Buffer
				if a.requiresGrad {
					ga = a.gradBuf()
				}
				if b.requiresGrad {
					gb = b.gradBuf()
				}
				be.DivScalarGrad(ga, gb, out.grad, a.data, b.data)
			}
			out.vjp = func(g *Tensor, c *gradCtx) {
				if c.wants(a) {
					c.add(a, Div(g, b))
				}
				if c.wants(b) { // −Σ g·a / b² = −Σ g·out / b
					c.add(b, Reshape(Div(Scale(Sum(Mul(g, out)), -1), b), b.Shape...))
				}
			}
		}
		return out
	}
	return binary("div", kernels.OpDiv, a, b)
}
