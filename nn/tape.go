package nn

import (
	"fmt"
	"slices"
)

// Tape records a training step: the tensors made by ops whose inputs live on it, with their backward functions,
// and the memory they use. A tape is not safe for concurrent use. Typical use:
//
//	tp := nn.NewTape()
//	for step := range steps {
//		x := tp.Input(batch, n, h, w, c)
//		loss := lossOf(model(x))
//		tp.Backward(loss)
//		opt.Step()
//		tp.Reset() // recycles every buffer the step used
//	}
//
// Memory: the tape takes its buffers from its backend (Backend.Alloc) and gives every one back (Backend.Free) at
// Reset; the gradient of an op's result goes back as soon as Backward has passed it on to the op's inputs (like
// PyTorch, only leaves keep their gradients), so that the backward pass reuses the buffers of the gradients it
// is done with. The backend keeps the freed buffers for reuse; the tape keeps the bookkeeping.
type Tape struct {
	dev  Backend
	made []*Tensor      // tensors whose memory comes from this tape, since the last Reset
	used []Buffer       // buffers handed out and not yet given back
	slot map[Buffer]int // index in used of each of those buffers
}

// NewTape returns an empty tape on the default backend.
func NewTape() *Tape { return newTape(DefaultBackend()) }

func newTape(be Backend) *Tape { return &Tape{dev: be, slot: map[Buffer]int{}} }

// Input copies data into a new tensor on the tape (no gradient): the way a batch enters a recorded computation.
func (tp *Tape) Input(data []float32, shape ...int) *Tensor {
	if n := numel("input", shape); len(data) != n {
		panic(fmt.Sprintf("nn: input: %d values for shape %v", len(data), shape))
	}
	t := tp.newTensor(shape, false)
	tp.dev.CopyFromHost(t.data, data)
	return t
}

// Zeros returns a zero tensor on the tape (no gradient).
func (tp *Tape) Zeros(shape ...int) *Tensor { return tp.newTensor(shape, true) }

// Reset forgets every tensor recorded since the last Reset and gives their memory back to the backend. Tensors
// made on the tape must not be used afterwards: their data and gradient are dropped so that a stale use fails
// loudly. Copy out (Clone, ToHost) anything that must outlive the step.
func (tp *Tape) Reset() {
	for _, t := range tp.made {
		t.data, t.grad, t.parents, t.backward, t.vjp = nil, nil, nil, nil, nil
	}
	clear(tp.made)
	tp.made = tp.made[:0]
	for _, b := range tp.used {
		tp.dev.Free(b)
	}
	clear(tp.used)
	tp.used = tp.used[:0]
	clear(tp.slot)
}

// Mark returns the tape's current position, for Release.
func (tp *Tape) Mark() int { return len(tp.made) }

// Release forgets the tensors made on the tape since mark (from Mark) and recycles their memory before Reset:
// the way to free the activations of a part of the step that is finished (say, a discriminator update whose
// backward pass and optimiser step are done) while the step goes on. Those tensors must not be used afterwards
// (their data and gradient are dropped, as at Reset); tensors made before mark keep everything they have,
// including a gradient buffer the tape handed them since.
func (tp *Tape) Release(mark int) {
	if mark < 0 || mark > len(tp.made) {
		panic(fmt.Sprintf("nn: release to mark %d of a tape holding %d tensors", mark, len(tp.made)))
	}
	for _, t := range tp.made[mark:] {
		if !t.view && t.data != nil {
			tp.release(t.data)
		}
		t.data, t.grad, t.parents, t.backward, t.vjp = nil, nil, nil, nil, nil
	}
	clear(tp.made[mark:])
	tp.made = tp.made[:mark]
}

// alloc hands out a buffer of n floats from the backend, zeroed when zero is set (otherwise its contents are
// arbitrary), and lists it for Reset.
func (tp *Tape) alloc(n int, zero bool) Buffer {
	b := tp.dev.Alloc(n, zero)
	tp.slot[b] = len(tp.used)
	tp.used = append(tp.used, b)
	return b
}

// release gives back to the backend a buffer that alloc handed out, before Reset; the caller must not use it
// afterwards. Buffers that did not come from this tape are ignored.
func (tp *Tape) release(b Buffer) {
	i, ok := tp.slot[b]
	if !ok {
		return
	}
	delete(tp.slot, b)
	last := len(tp.used) - 1
	if i != last {
		tp.used[i] = tp.used[last]
		tp.slot[tp.used[i]] = i
	}
	tp.used[last] = nil
	tp.used = tp.used[:last]
	tp.dev.Free(b)
}

func (tp *Tape) newTensor(shape []int, zero bool) *Tensor {
	t := &Tensor{Shape: slices.Clone(shape), dev: tp.dev, tape: tp}
	t.data = tp.alloc(numel("tape", shape), zero)
	tp.made = append(tp.made, t)
	return t
}

// Backward computes the gradient of the one-element tensor loss with respect to every tensor that requires a
// gradient and that loss depends on, adding it to their gradients. Each recorded op runs its backward function
// once: afterwards that part of the graph is spent (like PyTorch without retain_graph). Only tensors without
// history (parameters, inputs) keep their gradient: an op result's gradient goes back to the tape once its op has
// used it. A spent op can no longer be differentiated by Grad either.
func (tp *Tape) Backward(loss *Tensor) {
	if loss.Size() != 1 {
		panic(fmt.Sprintf("nn: backward from a tensor of shape %v; want one element", loss.Shape))
	}
	if !loss.requiresGrad {
		panic("nn: backward from a tensor that does not require a gradient (no parameter or input needs one)")
	}
	if loss.grad == nil { // ∂loss/∂loss = 1
		loss.dev.Fill(loss.gradBuf(), 1)
	} else {
		var g [1]float32
		loss.dev.CopyToHost(g[:], loss.grad)
		g[0]++
		loss.dev.CopyFromHost(loss.grad, g[:])
	}
	for _, t := range topoOrder(loss) {
		if t.backward != nil && t.grad != nil {
			t.backward()
			if t.tape != nil && t != loss {
				t.tape.release(t.grad)
				t.grad = nil
			}
		}
		t.backward, t.vjp = nil, nil
	}
}

// topoOrder lists the recorded ancestors of root (root included) so that every tensor comes before its inputs.
func topoOrder(root *Tensor) []*Tensor {
	var order []*Tensor
	seen := map[*Tensor]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t: root}}
	seen[root] = true
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next < len(f.t.parents) {
			p := f.t.parents[f.next]
			f.next++
			if !seen[p] && p.backward != nil {
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

// tapeOf returns the first tape among the inputs, or nil.
func tapeOf(inputs ...*Tensor) *Tape {
	for _, in := range inputs {
		if in != nil && in.tape != nil {
			return in.tape
		}
	}
	return nil
}

// backendOf returns the backend of the inputs (nil ones skipped), panicking naming op when they differ or when
// one has lost its data to a tape's Reset.
func backendOf(op string, inputs ...*Tensor) Backend {
	var be Backend
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.data == nil {
			panic(fmt.Sprintf("nn: %s of a tensor %v whose tape was reset", op, in.Shape))
		}
		if be == nil {
			be = in.dev
		} else if in.dev != be {
			panic(fmt.Sprintf("nn: %s of tensors on backends %s and %s", op, be.Name(), in.dev.Name()))
		}
	}
	return be
}

// result makes the output tensor of an op over inputs, on their backend. Its memory comes from the inputs'
// tape (uninitialised) or, without a tape, from the backend (zeroed). It records history only when there is a
// tape and an input requires a gradient; record reports that, and the op then sets out.backward.
func result(op string, shape []int, inputs ...*Tensor) (out *Tensor, record bool) {
	be := backendOf(op, inputs...)
	tp := tapeOf(inputs...)
	if tp == nil {
		return &Tensor{Shape: slices.Clone(shape), dev: be, data: be.Alloc(numel(op, shape), true)}, false
	}
	return recordOn(op, tp.newTensor(shape, false), inputs)
}

// scratch returns a buffer of n values for an op's saved state (batch statistics, vectors its backward needs),
// zeroed when zero is set: from out's tape, which frees it at Reset, or from its backend.
func scratch(out *Tensor, n int, zero bool) Buffer {
	if out.tape != nil {
		return out.tape.alloc(n, zero)
	}
	return out.dev.Alloc(n, zero)
}

// viewResult is result for an op whose output shares the memory data of an input (a view, such as Reshape's):
// nothing is allocated for it, and the tape, if any, lists the view so that Reset invalidates it too.
func viewResult(op string, shape []int, data Buffer, inputs ...*Tensor) (out *Tensor, record bool) {
	out = &Tensor{Shape: slices.Clone(shape), dev: backendOf(op, inputs...), data: data, view: true}
	tp := tapeOf(inputs...)
	if tp == nil {
		return out, false
	}
	out.tape = tp
	tp.made = append(tp.made, out)
	return recordOn(op, out, inputs)
}

// recordOn marks out, made on a tape from inputs by op, as needing a gradient and records its parents (and the
// op's name) when some input needs one.
func recordOn(op string, out *Tensor, inputs []*Tensor) (_ *Tensor, record bool) {
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			record = true
		}
	}
	if record {
		out.requiresGrad, out.op = true, op
		for _, in := range inputs {
			if in != nil && in.requiresGrad {
				out.parents = append(out.parents, in)
			}
		}
	}
	return out, record
}
