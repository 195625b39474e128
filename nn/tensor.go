// Package nn is sdgan's tensor engine: float32 tensors, reverse-mode automatic differentiation, the layers
// SD-GAN needs (dense, convolution, transposed convolution, batch norm, activations), losses and optimisers.
//
// Images are NHWC ([batch, height, width, channels]); convolution filters are HWIO ([kh, kw, in, out]) and
// transposed-convolution filters [kh, kw, out, in], as in TensorFlow, so the authors' weights load unchanged.
//
// A tensor's values live on a Backend (the CPU unless --device picks another): ops call the backend of their
// inputs, and code outside the package reads values only through copies to the host (ToHost, Item), so that a
// tensor on a device is never read by accident. Backend, Buffer and docs/backend.md say how a backend plugs in.
//
// A Tensor records how it was made: an op's result keeps its inputs and a backward function, and Backward walks
// that graph from a loss in reverse topological order. Each op also records its backward built from ops, which
// Grad uses to return gradients as recorded tensors (double backward; see Grad). Recording happens only when an input lives on a Tape
// (see Tape) and some input requires a gradient; without a tape, ops just compute (inference). The tape also owns
// the memory of a step's intermediate tensors and recycles it on Reset, so a training step allocates almost
// nothing once warmed up.
//
// Shape errors panic with messages that name the op and the shapes, e.g. "nn: matmul [2 3] x [4 5]"; they are
// programming errors, like an index out of range.
package nn

import (
	"fmt"
	"slices"
)

// Tensor is an n-dimensional array of float32 in row-major order, with an optional gradient, stored on a
// backend.
type Tensor struct {
	Shape []int  // dimensions, outermost first
	Name  string // parameter name (empty for intermediates)

	dev  Backend // where data and grad live
	data Buffer  // the values; nil once the tape that made the tensor is Reset
	// grad is the gradient of the loss w.r.t. data: nil until a backward pass reaches this tensor, and for an
	// op's result on a tape nil again once the pass has used it (only leaves keep their gradients).
	grad Buffer

	requiresGrad bool
	tape         *Tape     // where this tensor's memory and history live; nil for leaves and inference
	view         bool      // data belongs to another tensor (a Reshape view)
	parents      []*Tensor // inputs of the op that made this tensor
	backward     func()    // propagates grad to the parents; nil for leaves or once run
	// op names the op that made this tensor (for errors); vjp is its backward built from ops, for Grad: given
	// the gradient g of this tensor as a tensor, it adds the parents' gradients, computed by recorded ops, to c.
	// nil for leaves, and for ops that do not support double backward (Grad then fails naming op).
	op  string
	vjp func(g *Tensor, c *gradCtx)
}

// New returns a zero tensor of the given shape on the default backend, not on any tape, requiring no gradient.
func New(shape ...int) *Tensor { return newOn(DefaultBackend(), shape) }

// newOn is New on the backend be.
func newOn(be Backend, shape []int) *Tensor {
	return &Tensor{Shape: slices.Clone(shape), dev: be, data: be.Alloc(numel("new", shape), true)}
}

// FromData returns a tensor of the given shape on the default backend holding a copy of data. It panics if the
// sizes differ.
func FromData(data []float32, shape ...int) *Tensor {
	if n := numel("fromdata", shape); n != len(data) {
		panic(fmt.Sprintf("nn: fromdata: %d values for shape %v (want %d)", len(data), shape, n))
	}
	be := DefaultBackend()
	t := &Tensor{Shape: slices.Clone(shape), dev: be, data: be.Alloc(len(data), false)}
	be.CopyFromHost(t.data, data)
	return t
}

// NewParam returns a named trainable parameter of zeros on the default backend; initialise it with an
// initialiser.
func NewParam(name string, shape ...int) *Tensor {
	t := New(shape...)
	t.Name = name
	t.requiresGrad = true
	return t
}

// Scalar returns a tensor of shape [] holding v, on the default backend.
func Scalar(v float32) *Tensor { return FromData([]float32{v}) }

// Backend returns the backend that holds t.
func (t *Tensor) Backend() Backend { return t.dev }

// Size is the number of elements.
func (t *Tensor) Size() int { return numel("size", t.Shape) }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// ToHost returns a copy of t's values in host memory (a new slice).
func (t *Tensor) ToHost() []float32 {
	out := make([]float32, t.Size())
	t.dev.CopyToHost(out, t.live("ToHost"))
	return out
}

// CopyFromHost sets t's values to src, which must hold t.Size() values.
func (t *Tensor) CopyFromHost(src []float32) {
	if len(src) != t.Size() {
		panic(fmt.Sprintf("nn: copy of %d values into a tensor of shape %v", len(src), t.Shape))
	}
	t.dev.CopyFromHost(t.live("CopyFromHost"), src)
}

// CPUData returns t's values themselves, not a copy, for code that only ever runs on the CPU (tests, mostly):
// writes to the slice change t. It panics unless t lives on the CPU backend; elsewhere use ToHost and
// CopyFromHost.
func (t *Tensor) CPUData() []float32 {
	if _, ok := t.dev.(*cpuBackend); !ok {
		panic(fmt.Sprintf("nn: CPUData of a tensor on the %s backend; copy it with ToHost", t.dev.Name()))
	}
	return cpuSlice(t.live("CPUData"))
}

// CopyFrom sets t's values to src's, which must have t's shape and backend.
func (t *Tensor) CopyFrom(src *Tensor) {
	if !slices.Equal(t.Shape, src.Shape) {
		panic(fmt.Sprintf("nn: copy of a tensor %v into one of shape %v", src.Shape, t.Shape))
	}
	backendOf("copy", t, src)
	t.dev.Copy(t.data, src.data)
}

// GradToHost returns a copy of t's gradient in host memory, or nil when t has none.
func (t *Tensor) GradToHost() []float32 {
	if t.grad == nil {
		return nil
	}
	out := make([]float32, t.grad.Len())
	t.dev.CopyToHost(out, t.grad)
	return out
}

// HasGrad reports whether t has a gradient (a backward pass reached it since ZeroGrad or the optimiser's Step
// last cleared it, for a leaf; see Tensor.grad).
func (t *Tensor) HasGrad() bool { return t.grad != nil }

// Item returns the single value of a one-element tensor, copied to the host.
func (t *Tensor) Item() float32 {
	if t.Size() != 1 {
		panic(fmt.Sprintf("nn: item of a tensor of shape %v", t.Shape))
	}
	var v [1]float32
	t.dev.CopyToHost(v[:], t.live("Item"))
	return v[0]
}

// live returns t's data, panicking when the tape that made t has been Reset (or Released past it).
func (t *Tensor) live(op string) Buffer {
	if t.data == nil {
		panic(fmt.Sprintf("nn: %s of a tensor %v whose tape was reset", op, t.Shape))
	}
	return t.data
}

// RequiresGrad reports whether gradients are computed for (or through) t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor (a parameter or an input) as needing a gradient or not. Turning it off for
// a network's parameters lets gradients flow through the network without computing the parameters' own
// gradients (as in a GAN's generator step through the discriminator). It panics on op results.
func (t *Tensor) SetRequiresGrad(on bool) {
	if t.backward != nil || t.parents != nil {
		panic("nn: SetRequiresGrad on an op result; use Detach to stop gradients")
	}
	t.requiresGrad = on
}

// Detach returns a tensor that shares t's data but has no history and requires no gradient: gradients stop here.
func (t *Tensor) Detach() *Tensor {
	return &Tensor{Shape: t.Shape, dev: t.dev, data: t.data, tape: t.tape}
}

// Alias returns a tensor named name that shares t's data (and backend) with no history and no gradient: the way
// to save or load t's values under another name.
func (t *Tensor) Alias(name string) *Tensor {
	return &Tensor{Shape: t.Shape, Name: name, dev: t.dev, data: t.data}
}

// Clone returns a deep copy of t's shape and data on t's backend, off any tape, with no history.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{Shape: slices.Clone(t.Shape), Name: t.Name, dev: t.dev, data: t.dev.Alloc(t.Size(), false)}
	t.dev.Copy(c.data, t.live("Clone"))
	return c
}

// ZeroGrad sets t's gradient to zeros, when it has one (the next backward pass adds to them).
func (t *Tensor) ZeroGrad() {
	if t.grad != nil {
		t.dev.Fill(t.grad, 0)
	}
}

// String prints the shape and, for small tensors, the values (copied to the host).
func (t *Tensor) String() string {
	if t.data == nil {
		return fmt.Sprintf("Tensor%v(reset)", t.Shape)
	}
	v := t.ToHost()
	if len(v) <= 16 {
		return fmt.Sprintf("Tensor%v%v", t.Shape, v)
	}
	return fmt.Sprintf("Tensor%v[%g %g … %g]", t.Shape, v[0], v[1], v[len(v)-1])
}

// gradBuf returns t's gradient, allocating it zeroed (from t's tape when it has one) on first use.
func (t *Tensor) gradBuf() Buffer {
	if t.grad == nil {
		if t.tape != nil {
			t.grad = t.tape.alloc(t.Size(), true)
		} else {
			t.grad = t.dev.Alloc(t.Size(), true)
		}
	}
	return t.grad
}

// dropGrad gives the gradient of a leaf (a parameter, whose gradient is not the tape's) back to its backend once
// an optimiser has used it, like PyTorch's zero_grad(set_to_none=True): the next backward pass starts from zeros
// in a buffer the backend hands out then, and in between the memory serves other tensors (the discriminator's
// activations while the generator's gradients are not needed, and the other way round).
func (t *Tensor) dropGrad() {
	if t.grad == nil || t.tape != nil {
		return
	}
	t.dev.Free(t.grad)
	t.grad = nil
}

// takeGrad hands out's gradient buffer over to x as x's gradient, when x has none yet (the usual case: x has one
// consumer) and both live on the same tape, so that an op whose input gradient is elementwise in its output
// gradient computes it in place, with no new buffer and no pass to zero one. It reports whether it did; out.grad
// is then nil, so Backward does not give the buffer back. Parameters (off any tape) never take a tape buffer:
// the tape recycles its buffers on Reset.
func takeGrad(out, x *Tensor) bool {
	if x.grad != nil || out.tape == nil || x.tape != out.tape || out.grad.Len() != x.Size() {
		return false
	}
	x.grad, out.grad = out.grad, nil
	return true
}

// numel is the product of shape, panicking on a negative dimension.
func numel(op string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("nn: %s: negative dimension in shape %v", op, shape))
		}
		n *= d
	}
	return n
}
