package nn

import (
	"fmt"
	"slices"
)

// Double backward. Backward computes gradients with the backend's kernels, directly into gradient buffers: fast,
// but nothing records how those gradients depend on the inputs, so a loss on a gradient (a gradient penalty)
// cannot be differentiated. Grad computes them again from each op's vjp, its backward written with ops (PyTorch's
// create_graph): the gradients are then ordinary recorded tensors, and Backward differentiates a loss on them
// like any other. The first-order path does not change: an op records its vjp beside its backward (one closure),
// and only Grad runs it.

// GradError is Grad's error: an op between the output and the inputs that Grad cannot go through, because it has
// no backward built from ops (Spent false) or because Backward has already used it (Spent true).
type GradError struct {
	Op    string // the op's name, as in shape panics: "conv2d", "tanh gradient"
	Shape []int  // the op's output shape
	Spent bool
}

func (e *GradError) Error() string {
	if e.Spent {
		return fmt.Sprintf("nn: grad through %s %v: Backward has already used this part of the graph (call Grad first)",
			e.Op, e.Shape)
	}
	return fmt.Sprintf("nn: grad through %s %v: the op does not support double backward (its backward is not built from ops)",
		e.Op, e.Shape)
}

// gradCtx is the state of one Grad call: the tensors whose gradient it needs (the inputs and every tensor on a
// path from them to the output) and the gradients found so far.
type gradCtx struct {
	need  map[*Tensor]bool
	grads map[*Tensor]*Tensor
}

// wants reports whether Grad needs t's gradient. A vjp computes an input's gradient only when it is wanted: a
// penalty on the gradient with respect to the images does not compute the weights' gradients.
func (c *gradCtx) wants(t *Tensor) bool { return t != nil && c.need[t] }

// add adds g, a gradient of t's shape, to t's gradient when t needs one.
func (c *gradCtx) add(t, g *Tensor) {
	if !c.wants(t) {
		return
	}
	if !slices.Equal(t.Shape, g.Shape) {
		panic(fmt.Sprintf("nn: grad: a gradient %v for a tensor %v", g.Shape, t.Shape))
	}
	if prev := c.grads[t]; prev != nil {
		c.grads[t] = Add(prev, g)
	} else {
		c.grads[t] = g
	}
}

// Grad returns the gradients of the one-element tensor y with respect to xs, as tensors made by recorded ops
// (PyTorch's torch.autograd.grad(y, xs, create_graph=True)): a loss built from them can be differentiated by
// Backward, which is how a gradient penalty (WGAN-GP, R1) reaches the discriminator's weights. Their values
// equal Backward's gradients within float32 rounding.
//
// Every x must require a gradient (SetRequiresGrad), and y must have been computed from them on a tape. Grad
// computes only what leads to xs (asked for an image's gradient, it computes no weight gradient), leaves the
// tensors' own gradients alone and does not spend the graph; but Backward does, so call Grad first. A gradient of
// an x that y does not depend on is zeros. It fails with a *GradError naming the op when an op on the way has no
// backward built from ops, or when Backward has already used it. It panics unless y has one element.
func Grad(y *Tensor, xs ...*Tensor) ([]*Tensor, error) {
	if y.Size() != 1 {
		panic(fmt.Sprintf("nn: grad of a tensor of shape %v; want one element", y.Shape))
	}
	if y.tape == nil {
		return nil, fmt.Errorf("nn: grad of a tensor %v made off any tape: nothing was recorded", y.Shape)
	}
	c := &gradCtx{need: map[*Tensor]bool{}, grads: map[*Tensor]*Tensor{}}
	for i, x := range xs {
		if !x.requiresGrad {
			return nil, fmt.Errorf("nn: grad with respect to input %d %v, which does not require a gradient", i, x.Shape)
		}
		c.need[x] = true
	}
	order := graphOrder(y)
	through := map[*Tensor]bool{} // tensors whose vjp must run: some input is among their ancestors
	for _, t := range slices.Backward(order) {
		for _, p := range t.parents {
			if c.need[p] {
				through[t], c.need[t] = true, true
			}
		}
	}
	c.grads[y] = filled(y, y.Shape, 1) // ∂y/∂y
	for _, t := range order {
		g := c.grads[t]
		if g == nil || !through[t] {
			continue
		}
		switch {
		case t.backward == nil:
			return nil, &GradError{Op: t.op, Shape: t.Shape, Spent: true}
		case t.vjp == nil:
			return nil, &GradError{Op: t.op, Shape: t.Shape}
		}
		t.vjp(g, c)
	}
	out := make([]*Tensor, len(xs))
	for i, x := range xs {
		if out[i] = c.grads[x]; out[i] == nil {
			out[i] = filled(y, x.Shape, 0)
		}
	}
	return out, nil
}

// graphOrder lists root and everything it was computed from (leaves included), each tensor before its parents.
func graphOrder(root *Tensor) []*Tensor {
	var order []*Tensor
	seen := map[*Tensor]bool{root: true}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t: root}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next < len(f.t.parents) {
			p := f.t.parents[f.next]
			f.next++
			if !seen[p] {
				seen[p] = true
				stack = append(stack, frame{t: p})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	slices.Reverse(order)
	return order
}

// filled returns a tensor of the given shape holding v everywhere, requiring no gradient, on like's tape (or,
// off any tape, on like's backend): the constants of the vjps.
func filled(like *Tensor, shape []int, v float32) *Tensor {
	var t *Tensor
	if like.tape != nil {
		t = like.tape.newTensor(shape, false)
	} else {
		t = newOn(like.dev, shape)
	}
	t.dev.Fill(t.data, v)
	return t
}

// constant returns a copy of the buffer b as a tensor of the given shape requiring no gradient, as filled.
func constant(like *Tensor, b Buffer, shape []int) *Tensor {
	t := filled(like, shape, 0)
	t.dev.Copy(t.data, b)
	return t
}

// sumTo sums g over the axes along which a tensor of shape was broadcast to g's shape (NumPy's rules), giving
// that shape: the gradient of a broadcast input.
func sumTo(g *Tensor, shape []int) *Tensor {
	lead := len(g.Shape) - len(shape)
	var axes []int
	for i, d := range g.Shape {
		if i < lead || shape[i-lead] == 1 && d != 1 {
			axes = append(axes, i)
		}
	}
	if len(axes) > 0 {
		g = Sum(g, axes...)
	}
	if !slices.Equal(g.Shape, shape) {
		g = Reshape(g, shape...)
	}
	return g
}

// broadcastTo returns scale·g repeated along the axes where keep is 1 and shape is not, for g holding
// numel(keep) values (keep is shape with those axes set to 1; g's own shape may leave them out): the backward of
// Sum and Mean as an op. Its own backward sums them again.
func broadcastTo(g *Tensor, shape, keep []int, scale float32) *Tensor {
	out, record := result("broadcast", shape, g)
	be := out.dev
	be.Fill(out.data, 0) // a tape's buffer is not zeroed, and SumAxesGrad adds
	be.SumAxesGrad(out.data, g.data, shape, keep, scale)
	if record {
		out.backward = func() {
			tmp := scratch(out, g.Size(), false)
			be.SumAxes(tmp, out.grad, shape, keep, float64(scale))
			be.Axpy(g.gradBuf(), 1, tmp)
			out.freeScratch(tmp)
		}
		out.vjp = func(gg *Tensor, c *gradCtx) {
			var axes []int
			for i, d := range shape {
				if keep[i] == 1 && d != 1 {
					axes = append(axes, i)
				}
			}
			s := Scale(gg, scale)
			if len(axes) > 0 {
				s = Sum(s, axes...)
			}
			c.add(g, Reshape(s, g.Shape...))
		}
	}
	return out
}

// freeScratch gives back to t's tape, before Reset, a buffer that scratch(t, …) handed out and that nothing
// uses any more (off a tape the garbage collector reclaims it).
func (t *Tensor) freeScratch(b Buffer) {
	if t.tape != nil {
		t.tape.release(b)
	}
}
