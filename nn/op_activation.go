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
		out.vjp = func(g *Tensor, c *gradCtx) {
			if c.wants(x) {
				c.add(x, unaryVJP(op, g, x, out, alpha))
			}
		}
	}
	return out
}

// unaryVJP is the backward of y = op(x) as ops: g·op′, with op′ written in y where it is smooth.
func unaryVJP(op UnaryOp, g, x, y *Tensor, alpha float32) *Tensor {
	switch op {
	case kernels.OpSigmoid: // y·(1 − y)
		return Mul(g, Mul(y, Sub(filled(y, nil, 1), y)))
	case kernels.OpSqrt: // 0.5/y
		return Scale(Div(g, y), 0.5)
	case kernels.OpRsqrt: // −0.5·y³
		return Mul(g, Scale(Mul(Mul(y, y), y), -0.5))
	}
	// Leaky ReLU and abs are linear by pieces: op′ is a constant (the kernel's, with its convention at 0).
	d, ones := filled(x, x.Shape, 0), filled(x, x.Shape, 1)
	x.dev.UnaryGrad(op, d.data, ones.data, x.data, y.data, alpha)
	return Mul(g, d)
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
