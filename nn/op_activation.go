package nn

import "sdgan/nn/kernels"

// unary applies op elementwise (the fast activations, whose derivative follows from the output, are in
// activation.go); alpha is OpLeaky's slope.
func unary(name string, op UnaryOp, x *Tensor, alpha float32) *Tensor {
	out, record := result(name, x.Shape, x)
	be := out.dev
	be.Unary(op, out.data, x.data, alpha)
	if record {
		out.backward = func() { be.UnaryGrad(op, x.gradBuf(), out.grad, x.data, out.data, alpha) }
	}
	return out
}

// ReLU returns max(x, 0) (a negative x gives −0, which equals 0). The derivative at 0 is taken as 0.
func ReLU(x *Tensor) *Tensor { return activate("relu", x, ReLUAct) }

// LeakyReLU returns x for x > 0 and alpha·x otherwise.
func LeakyReLU(x *Tensor, alpha float32) *Tensor {
	if alpha >= 0 && alpha < 1 {
		return activate("leaky relu", x, LeakyReLUAct(alpha))
	}
	return unary("leaky relu", kernels.OpLeaky, x, alpha)
}

// ELU returns x for x > 0 and exp(x) − 1 otherwise (α = 1, as TensorFlow's tf.nn.elu).
func ELU(x *Tensor) *Tensor { return activate("elu", x, ELUAct) }

// Tanh returns tanh(x).
func Tanh(x *Tensor) *Tensor { return activate("tanh", x, TanhAct) }

// Sigmoid returns 1 / (1 + exp(−x)).
func Sigmoid(x *Tensor) *Tensor { return unary("sigmoid", kernels.OpSigmoid, x, 0) }

// Abs returns |x|. The derivative at 0 is taken as 0.
func Abs(x *Tensor) *Tensor { return unary("abs", kernels.OpAbs, x, 0) }
