package nn

import "math"

// unary applies f elementwise, calling f and df per element (the fast activations, without per-element calls,
// are in activation.go); df gives the derivative from the input x and the output y.
func unary(x *Tensor, f func(x float32) float32, df func(x, y float32) float32) *Tensor {
	out, record := result(x.Shape, x)
	for i, v := range x.Data {
		out.Data[i] = f(v)
	}
	if record {
		out.backward = func() {
			gx := x.gradBuf()
			for i, g := range out.Grad {
				gx[i] += g * df(x.Data[i], out.Data[i])
			}
		}
	}
	return out
}

// ReLU returns max(x, 0) (a negative x gives −0, which equals 0). The derivative at 0 is taken as 0.
func ReLU(x *Tensor) *Tensor { return activate(x, ReLUAct) }

// LeakyReLU returns x for x > 0 and alpha·x otherwise.
func LeakyReLU(x *Tensor, alpha float32) *Tensor {
	if alpha >= 0 && alpha < 1 {
		return activate(x, LeakyReLUAct(alpha))
	}
	return unary(x,
		func(v float32) float32 {
			if v > 0 {
				return v
			}
			return alpha * v
		},
		func(v, _ float32) float32 {
			if v > 0 {
				return 1
			}
			return alpha
		})
}

// ELU returns x for x > 0 and exp(x) − 1 otherwise (α = 1, as TensorFlow's tf.nn.elu).
func ELU(x *Tensor) *Tensor { return activate(x, ELUAct) }

// Tanh returns tanh(x).
func Tanh(x *Tensor) *Tensor { return activate(x, TanhAct) }

// Sigmoid returns 1 / (1 + exp(−x)).
func Sigmoid(x *Tensor) *Tensor {
	return unary(x, sigmoid, func(_, y float32) float32 { return y * (1 - y) })
}

func sigmoid(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}

// Abs returns |x|. The derivative at 0 is taken as 0.
func Abs(x *Tensor) *Tensor {
	return unary(x,
		func(v float32) float32 { return float32(math.Abs(float64(v))) },
		func(v, _ float32) float32 {
			switch {
			case v > 0:
				return 1
			case v < 0:
				return -1
			}
			return 0
		})
}
