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
// Memory: every buffer the tape hands out returns to it at Reset, and the gradient of an op's result returns
// as soon as Backward has passed it on to the op's inputs (like PyTorch, only leaves keep their gradients), so
// that the backward pass reuses the buffers of the gradients it is done with.
type Tape struct {
	made []*Tensor           // tensors whose memory comes from this tape, since the last Reset
	free map[int][][]float32 // recycled buffers by length
	used [][]float32         // buffers handed out and not yet given back
	slot map[*float32]int    // index in used of each of those buffers, by its first element
}

// NewTape returns an empty tape.
func NewTape() *Tape { return &Tape{free: map[int][][]float32{}, slot: map[*float32]int{}} }

// Input copies data into a new tensor on the tape (no gradient): the way a batch enters a recorded computation.
func (tp *Tape) Input(data []float32, shape ...int) *Tensor {
	t := tp.newTensor(shape, false)
	if len(data) != len(t.Data) {
		panic(fmt.Sprintf("nn: input: %d values for shape %v", len(data), shape))
	}
	copy(t.Data, data)
	return t
}

// Zeros returns a zero tensor on the tape (no gradient).
func (tp *Tape) Zeros(shape ...int) *Tensor { return tp.newTensor(shape, true) }

// Reset forgets every tensor recorded since the last Reset and recycles their memory. Tensors made on the tape
// must not be used afterwards: their Data and Grad are set to nil so that a stale use fails loudly.
// Copy out (Clone) anything that must outlive the step.
func (tp *Tape) Reset() {
	for _, t := range tp.made {
		t.Data, t.Grad, t.parents, t.backward = nil, nil, nil, nil
	}
	clear(tp.made)
	tp.made = tp.made[:0]
	for _, b := range tp.used {
		tp.free[len(b)] = append(tp.free[len(b)], b)
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
// (their Data and Grad become nil, as at Reset); tensors made before mark keep everything they have, including a
// gradient buffer the tape handed them since.
func (tp *Tape) Release(mark int) {
	if mark < 0 || mark > len(tp.made) {
		panic(fmt.Sprintf("nn: release to mark %d of a tape holding %d tensors", mark, len(tp.made)))
	}
	for _, t := range tp.made[mark:] {
		if !t.view {
			tp.release(t.Data)
		}
		t.Data, t.Grad, t.parents, t.backward = nil, nil, nil, nil
	}
	clear(tp.made[mark:])
	tp.made = tp.made[:mark]
}

// alloc hands out a buffer of n floats, zeroed when zero is set (otherwise its contents are arbitrary).
func (tp *Tape) alloc(n int, zero bool) []float32 {
	if n == 0 {
		return []float32{}
	}
	var b []float32
	if list := tp.free[n]; len(list) > 0 {
		b = list[len(list)-1]
		tp.free[n] = list[:len(list)-1]
		if zero {
			clear(b)
		}
	} else {
		b = make([]float32, n)
	}
	tp.slot[&b[0]] = len(tp.used)
	tp.used = append(tp.used, b)
	return b
}

// release gives back a buffer that alloc handed out, before Reset; the caller must not use it afterwards.
// Buffers that did not come from this tape are ignored.
func (tp *Tape) release(b []float32) {
	if len(b) == 0 {
		return
	}
	i, ok := tp.slot[&b[0]]
	if !ok {
		return
	}
	delete(tp.slot, &b[0])
	last := len(tp.used) - 1
	if i != last {
		tp.used[i] = tp.used[last]
		tp.slot[&tp.used[i][0]] = i
	}
	tp.used[last] = nil
	tp.used = tp.used[:last]
	tp.free[len(b)] = append(tp.free[len(b)], b)
}

func (tp *Tape) newTensor(shape []int, zero bool) *Tensor {
	t := &Tensor{Shape: slices.Clone(shape), tape: tp}
	t.Data = tp.alloc(numel("tape", shape), zero)
	tp.made = append(tp.made, t)
	return t
}

// Backward computes the gradient of the one-element tensor loss with respect to every tensor that requires a
// gradient and that loss depends on, adding it to their Grad. Each recorded op runs its backward function once:
// afterwards that part of the graph is spent (like PyTorch without retain_graph). Only tensors without history
// (parameters, inputs) keep their gradient: an op result's gradient goes back to the tape once its op has used it.
func (tp *Tape) Backward(loss *Tensor) {
	if len(loss.Data) != 1 {
		panic(fmt.Sprintf("nn: backward from a tensor of shape %v; want one element", loss.Shape))
	}
	if !loss.requiresGrad {
		panic("nn: backward from a tensor that does not require a gradient (no parameter or input needs one)")
	}
	g := loss.gradBuf()
	g[0] += 1
	for _, t := range topoOrder(loss) {
		if t.backward != nil && t.Grad != nil {
			t.backward()
			if t.tape != nil && t != loss {
				t.tape.release(t.Grad)
				t.Grad = nil
			}
		}
		t.backward = nil
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

// result makes the output tensor of an op over inputs. Its memory comes from the inputs' tape (uninitialised)
// or, without a tape, from the heap (zeroed). It records history only when there is a tape and an input requires
// a gradient; record reports that, and the op then sets out.backward.
func result(shape []int, inputs ...*Tensor) (out *Tensor, record bool) {
	tp := tapeOf(inputs...)
	if tp == nil {
		return &Tensor{Shape: slices.Clone(shape), Data: make([]float32, numel("result", shape))}, false
	}
	return recordOn(tp.newTensor(shape, false), inputs)
}

// viewResult is result for an op whose output shares the memory data of an input (a view, such as Reshape's):
// nothing is allocated for it, and the tape, if any, lists the view so that Reset invalidates it too.
func viewResult(shape []int, data []float32, inputs ...*Tensor) (out *Tensor, record bool) {
	out = &Tensor{Shape: slices.Clone(shape), Data: data, view: true}
	tp := tapeOf(inputs...)
	if tp == nil {
		return out, false
	}
	out.tape = tp
	tp.made = append(tp.made, out)
	return recordOn(out, inputs)
}

// recordOn marks out, made on a tape from inputs, as needing a gradient and records its parents when some input
// needs one.
func recordOn(out *Tensor, inputs []*Tensor) (_ *Tensor, record bool) {
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			record = true
		}
	}
	if record {
		out.requiresGrad = true
		for _, in := range inputs {
			if in != nil && in.requiresGrad {
				out.parents = append(out.parents, in)
			}
		}
	}
	return out, record
}
