package nn

import "sdgan/nn/kernels"

// Activation is a pointwise nonlinearity that the fused ops (Conv2DAct, ConvTranspose2DAct, BatchNormAct) apply
// to their result in place, saving a tensor, its gradient and a pass over memory. Every activation here has a
// derivative that follows from its output y alone, so the op's pre-activation values need not be kept. The zero
// value is the identity.
type Activation struct{ k kernels.Act }

// Activations for the fused ops.
var (
	Identity = Activation{}                                    // no activation
	ReLUAct  = Activation{kernels.Act{Kind: kernels.ActLeaky}} // max(x, 0), as ReLU
	TanhAct  = Activation{kernels.Act{Kind: kernels.ActTanh}}  // tanh(x), as Tanh
	ELUAct   = Activation{kernels.Act{Kind: kernels.ActELU}}   // as ELU
)

// LeakyReLUAct is x for x > 0 and alpha·x otherwise, as LeakyReLU; alpha must be in [0, 1) so that the sign of
// the output says which branch was taken.
func LeakyReLUAct(alpha float32) Activation {
	if !(alpha >= 0 && alpha < 1) {
		panic("nn: leaky relu slope must be in [0, 1)")
	}
	return Activation{kernels.Act{Kind: kernels.ActLeaky, Alpha: alpha}}
}

// Kernel returns the activation as the kernels take it: its kind and, for leaky ReLU, its slope.
func (a Activation) Kernel() kernels.Act { return a.k }

// activate is the unfused activation op: act applied to x in a new tensor.
func activate(op string, x *Tensor, a Activation) *Tensor {
	out, record := result(op, x.Shape, x)
	be := out.dev
	be.Activate(out.data, x.data, a)
	if record {
		out.backward = func() {
			g := out.grad
			if takeGrad(out, x) {
				if a != Identity {
					be.ActivationGrad(g, g, out.data, a, false)
				}
				return
			}
			be.ActivationGrad(x.gradBuf(), g, out.data, a, true)
		}
		out.vjp = func(g *Tensor, c *gradCtx) { c.add(x, actGrad(g, out, a)) }
	}
	return out
}

// name is the activation's name in errors.
func (a Activation) name() string {
	switch {
	case a.k.Kind == kernels.ActTanh:
		return "tanh"
	case a.k.Kind == kernels.ActELU:
		return "elu"
	case a.k.Kind == kernels.ActLeaky && a.k.Alpha == 0:
		return "relu"
	case a.k.Kind == kernels.ActLeaky:
		return "leaky relu"
	}
	return "identity"
}

// actGrad is g·act′ at the activation's output y (the gradient of its input from g), as an op: the vjp of every
// activation, fused or not. act′ is a function of y (tanh: 1 − y²; ELU: y + 1 below 0, else 1; leaky ReLU: 1 or
// its slope), so the op's backward reaches y too: with y = act(x), the chain through y's own backward gives the
// second derivative. Its vjp makes gradients of any order possible.
func actGrad(g, y *Tensor, a Activation) *Tensor {
	if a == Identity {
		return g
	}
	out, record := result(a.name()+" gradient", g.Shape, g, y)
	be := out.dev
	be.ActivationGrad(out.data, g.data, y.data, a, false)
	if record {
		out.backward = func() {
			if g.requiresGrad {
				be.ActivationGrad(g.gradBuf(), out.grad, y.data, a, true)
			}
			if !y.requiresGrad || a.k.Kind == kernels.ActLeaky { // leaky ReLU: act′ is constant by pieces
				return
			}
			n, shape := out.Size(), out.Shape
			gg := scratch(out, n, false) // g·out.grad: the factor both curvatures share
			be.Binary(kernels.OpMul, gg, g.data, out.grad, shape, shape, shape)
			dy := y.gradBuf()
			switch a.k.Kind {
			case kernels.ActTanh: // ∂(1 − y²)/∂y = −2y
				t := scratch(out, n, false)
				be.Binary(kernels.OpMul, t, gg, y.data, shape, shape, shape)
				be.Axpy(dy, -2, t)
				out.freeScratch(t)
			case kernels.ActELU: // ∂act′/∂y = 1 where y ≤ 0, 0 where y > 0: gg − gg·[y > 0]
				be.Axpy(dy, 1, gg)
				be.ActivationGrad(gg, gg, y.data, ReLUAct, false)
				be.Axpy(dy, -1, gg)
			}
			out.freeScratch(gg)
		}
		out.vjp = func(gg *Tensor, c *gradCtx) {
			if c.wants(g) {
				c.add(g, actGrad(gg, y, a))
			}
			if !c.wants(y) || a.k.Kind == kernels.ActLeaky {
				return
			}
			if a.k.Kind == kernels.ActTanh {
				c.add(y, Mul(Mul(gg, g), Scale(y, -2)))
				return
			}
			below := filled(out, y.Shape, 1) // ELU: [y ≤ 0] = 1 − [y > 0], a constant
			pos := filled(out, y.Shape, 1)
			be.ActivationGrad(pos.data, pos.data, y.data, ReLUAct, false)
			be.Axpy(below.data, -1, pos.data)
			c.add(y, Mul(Mul(gg, g), below))
		}
	}
	return out
}
