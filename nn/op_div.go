package nn

// Div returns a / b (elementwise) with NumPy broadcasting. A b of one element (a scale such as a spectral norm)
// takes a fast path: out = a·(1/b).
func Div(a, b *Tensor) *Tensor {
	if len(b.Data) == 1 && len(b.Shape) <= len(a.Shape) {
		return divScalar(a, b)
	}
	return binary("div", a, b,
		func(x, y float32) float32 { return x / y },
		func(x, y float32) float32 { return 1 / y },
		func(x, y float32) float32 { return -x / (y * y) })
}

// divScalar is a / b for b holding one value: ∂/∂a = 1/b, ∂/∂b = −Σ g·a / b².
func divScalar(a, b *Tensor) *Tensor {
	out, record := result(a.Shape, a, b)
	inv := 1 / b.Data[0]
	for i, v := range a.Data {
		out.Data[i] = v * inv
	}
	if record {
		out.backward = func() {
			if a.requiresGrad {
				ga := a.gradBuf()
				for i, g := range out.Grad {
					ga[i] += g * inv
				}
			}
			if b.requiresGrad {
				var s float64
				for i, g := range out.Grad {
					s += float64(g) * float64(a.Data[i])
				}
				b.gradBuf()[0] -= float32(s) * inv * inv
			}
		}
	}
	return out
}
