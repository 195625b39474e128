package nn

import "fmt"

// PadMode selects how a convolution pads its input.
type PadMode int

const (
	// PadSame pads so that the output has ceil(in/stride) positions, the smaller half of the padding before
	// (TensorFlow's "SAME").
	PadSame PadMode = iota
	// PadValid does not pad (TensorFlow's "VALID").
	PadValid
	// PadExplicit uses the Top, Bottom, Left and Right amounts of the Padding.
	PadExplicit
)

// Padding says how a convolution pads its input. Use Same, Valid or Explicit.
type Padding struct {
	Mode                     PadMode
	Top, Bottom, Left, Right int // PadExplicit only
}

// Same is TensorFlow's "SAME" padding; Valid is "VALID".
var (
	Same  = Padding{Mode: PadSame}
	Valid = Padding{Mode: PadValid}
)

// Explicit pads the input by fixed amounts on each side.
func Explicit(top, bottom, left, right int) Padding {
	return Padding{Mode: PadExplicit, Top: top, Bottom: bottom, Left: left, Right: right}
}

// convGeom returns the output size and the padding before, along one axis of size in, for kernel k and stride s.
// SAME follows TensorFlow: out = ceil(in/s), total = max((out−1)·s + k − in, 0), before = total/2.
func convGeom(in, k, s int, mode PadMode, before, after int) (out, padBefore int) {
	switch mode {
	case PadSame:
		out = (in + s - 1) / s
		total := max((out-1)*s+k-in, 0)
		return out, total / 2
	case PadValid:
		return max((in-k)/s+1, 0), 0
	default:
		return max((in+before+after-k)/s+1, 0), before
	}
}

// convParams computes the kernel parameters of the convolution of x [n,h,w,c] by a k×k filter to f channels.
func convParams(op string, xShape []int, kh, kw, c, f, stride int, pad Padding) ConvParams {
	if len(xShape) != 4 || xShape[3] != c || stride < 1 {
		panic(fmt.Sprintf("nn: %s: input %v with a %d×%d×%d×%d filter, stride %d", op, xShape, kh, kw, c, f, stride))
	}
	oh, pt := convGeom(xShape[1], kh, stride, pad.Mode, pad.Top, pad.Bottom)
	ow, pl := convGeom(xShape[2], kw, stride, pad.Mode, pad.Left, pad.Right)
	if oh < 1 || ow < 1 {
		panic(fmt.Sprintf("nn: %s: input %v too small for a %d×%d filter", op, xShape, kh, kw))
	}
	return ConvParams{N: xShape[0], H: xShape[1], W: xShape[2], C: c, KH: kh, KW: kw, F: f,
		SH: stride, SW: stride, PadTop: pt, PadLeft: pl, OH: oh, OW: ow}
}

// Conv2D convolves NHWC x [n,h,w,c] with the HWIO filter w [kh,kw,c,f] (cross-correlation, as every deep
// learning framework), adding the bias b [f] when it is not nil. The output is [n,oh,ow,f].
func Conv2D(x, w, b *Tensor, stride int, pad Padding) *Tensor {
	return Conv2DAct(x, w, b, stride, pad, Identity)
}

// Conv2DAct is act(Conv2D(x, w, b, stride, pad)) in one tensor: the bias and the activation are applied in
// place on the convolution's output, in one pass, and the backward pass turns the output's gradient into the
// pre-activation one in place (Activation explains why that needs no other tensor).
func Conv2DAct(x, w, b *Tensor, stride int, pad Padding, act Activation) *Tensor {
	if len(w.Shape) != 4 {
		panic(fmt.Sprintf("nn: conv2d filter %v; want [kh kw in out]", w.Shape))
	}
	p := convParams("conv2d", x.Shape, w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3], stride, pad)
	checkBias("conv2d", b, p.F)
	return conv2d(x, w, b, p, act)
}

// conv2d is Conv2DAct with the kernel parameters p: y [N,OH,OW,F] from x [N,H,W,C] and w [KH,KW,C,F]. Its
// backward as ops uses the convolution's two gradients as ops, convTranspose2d and convFilter; the three are
// closed under differentiation (each one's gradients are the other two), so gradients of any order exist.
func conv2d(x, w, b *Tensor, p ConvParams, act Activation) *Tensor {
	out, record := result("conv2d", []int{p.N, p.OH, p.OW, p.F}, x, w, b)
	be := out.dev
	be.Conv2D(out.data, x.data, w.data, p, false)
	biasAct(out, b, act)
	if record {
		out.backward = func() {
			g := biasActBackward(out, b, act)
			if x.requiresGrad {
				be.Conv2DBackwardData(x.gradBuf(), g, w.data, p, true)
			}
			if w.requiresGrad {
				be.Conv2DBackwardFilter(w.gradBuf(), x.data, g, p, true)
			}
		}
		out.vjp = func(g *Tensor, c *gradCtx) {
			gz := actGrad(g, out, act)
			if c.wants(b) {
				c.add(b, biasSum(gz))
			}
			if c.wants(x) {
				c.add(x, convTranspose2d(gz, w, nil, p, Identity))
			}
			if c.wants(w) {
				c.add(w, convFilter(x, gz, p))
			}
		}
	}
	return out
}

// ConvTranspose2D is the transposed convolution of NHWC x [n,h,w,c] with the filter w [kh,kw,f,c] (TensorFlow's
// layout for conv2d_transpose: output channels, then input channels), giving [n,outH,outW,f], plus the bias b [f]
// when not nil. As in TensorFlow, it is defined as the gradient with respect to its input of the convolution that
// maps [n,outH,outW,f] to [n,h,w,c] with the same filter, stride and padding; outH and outW must be sizes that
// convolution maps to h and w. With a 5×5 filter, stride 2 and Same padding, outH = 2h gives TensorFlow's
// "doubling" layer (padding 1 before, 2 after, in the forward convolution's terms).
func ConvTranspose2D(x, w, b *Tensor, stride int, pad Padding, outH, outW int) *Tensor {
	return ConvTranspose2DAct(x, w, b, stride, pad, outH, outW, Identity)
}

// ConvTranspose2DAct is act(ConvTranspose2D(x, w, b, stride, pad, outH, outW)) in one tensor, as Conv2DAct.
func ConvTranspose2DAct(x, w, b *Tensor, stride int, pad Padding, outH, outW int, act Activation) *Tensor {
	if len(w.Shape) != 4 || len(x.Shape) != 4 || w.Shape[3] != x.Shape[3] {
		panic(fmt.Sprintf("nn: conv2d_transpose input %v filter %v; want filter [kh kw out in]", x.Shape, w.Shape))
	}
	// p describes the forward convolution out -> x that this op transposes.
	p := convParams("conv2d_transpose", []int{x.Shape[0], outH, outW, w.Shape[2]}, w.Shape[0], w.Shape[1],
		w.Shape[2], w.Shape[3], stride, pad)
	if p.OH != x.Shape[1] || p.OW != x.Shape[2] {
		panic(fmt.Sprintf("nn: conv2d_transpose: output %d×%d convolves to %d×%d, not the input's %d×%d",
			outH, outW, p.OH, p.OW, x.Shape[1], x.Shape[2]))
	}
	checkBias("conv2d_transpose", b, p.C)
	return convTranspose2d(x, w, b, p, act)
}

// convTranspose2d is ConvTranspose2DAct with the parameters p of the convolution it transposes: [N,H,W,C] from x
// [N,OH,OW,F] and w [KH,KW,C,F]; without bias and activation it is also that convolution's input gradient.
func convTranspose2d(x, w, b *Tensor, p ConvParams, act Activation) *Tensor {
	out, record := result("conv2d_transpose", []int{p.N, p.H, p.W, p.C}, x, w, b)
	be := out.dev
	// Off a tape the result comes zeroed from the backend: adding into it gives the same bits as overwriting and
	// saves the kernel's clearing pass.
	be.Conv2DBackwardData(out.data, x.data, w.data, p, out.tape == nil)
	biasAct(out, b, act)
	if record {
		out.backward = func() {
			g := biasActBackward(out, b, act)
			if x.requiresGrad {
				be.Conv2D(x.gradBuf(), g, w.data, p, true)
			}
			if w.requiresGrad {
				be.Conv2DBackwardFilter(w.gradBuf(), g, x.data, p, true)
			}
		}
		out.vjp = func(g *Tensor, c *gradCtx) {
			gz := actGrad(g, out, act)
			if c.wants(b) {
				c.add(b, biasSum(gz))
			}
			if c.wants(x) {
				c.add(x, conv2d(gz, w, nil, p, Identity))
			}
			if c.wants(w) {
				c.add(w, convFilter(gz, x, p))
			}
		}
	}
	return out
}

// convFilter is the gradient of the filter of the convolution p from its input x [N,H,W,C] and its output's
// gradient dy [N,OH,OW,F], as an op ([KH,KW,C,F]). It is bilinear: ⟨u, convFilter(x, dy)⟩ = ⟨dy, conv2d(x, u)⟩,
// so x's gradient is a transposed convolution of dy by the output's gradient, and dy's a convolution of x by it.
func convFilter(x, dy *Tensor, p ConvParams) *Tensor {
	out, record := result("conv2d filter gradient", []int{p.KH, p.KW, p.C, p.F}, x, dy)
	be := out.dev
	be.Conv2DBackwardFilter(out.data, x.data, dy.data, p, false)
	if record {
		out.backward = func() {
			if x.requiresGrad {
				be.Conv2DBackwardData(x.gradBuf(), dy.data, out.grad, p, true)
			}
			if dy.requiresGrad {
				be.Conv2D(dy.gradBuf(), x.data, out.grad, p, true)
			}
		}
		out.vjp = func(g *Tensor, c *gradCtx) {
			if c.wants(x) {
				c.add(x, convTranspose2d(dy, g, nil, p, Identity))
			}
			if c.wants(dy) {
				c.add(dy, conv2d(x, g, nil, p, Identity))
			}
		}
	}
	return out
}

// biasSum is the gradient of a bias added to every row of g's last axis: g summed over all other axes.
func biasSum(g *Tensor) *Tensor { return Sum(Reshape(g, -1, g.Dim(-1)), 0) }

// checkBias panics unless b is nil or a vector of c values.
func checkBias(op string, b *Tensor, c int) {
	if b != nil && (len(b.Shape) != 1 || b.Shape[0] != c) {
		panic(fmt.Sprintf("nn: %s bias %v for %d output channels", op, b.Shape, c))
	}
}

// biasAct sets out = act(out + b) in place, b (nil: none) added to every row of b.Size() values.
func biasAct(out, b *Tensor, act Activation) {
	if b == nil {
		if act != Identity {
			out.dev.Activate(out.data, out.data, act)
		}
		return
	}
	out.dev.BiasAct(out.data, b.data, act)
}

// biasActBackward turns out's gradient (out = act(y + b)) into the gradient with respect to y, in place, adds
// its column sums to b's gradient when b needs one, and returns it.
func biasActBackward(out, b *Tensor, act Activation) Buffer {
	g := out.grad
	if act != Identity {
		out.dev.ActivationGrad(g, g, out.data, act, false)
	}
	if b != nil && b.requiresGrad {
		out.dev.BiasGrad(b.gradBuf(), g)
	}
	return g
}
