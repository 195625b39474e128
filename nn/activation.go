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
	}
	return out
}
