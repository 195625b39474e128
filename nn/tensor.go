// Package nn is sdgan's tensor engine: float32 tensors, reverse-mode automatic differentiation, the layers
// SD-GAN needs (dense, convolution, transposed convolution, batch norm, activations), losses and optimisers.
//
// Images are NHWC ([batch, height, width, channels]); convolution filters are HWIO ([kh, kw, in, out]) and
// transposed-convolution filters [kh, kw, out, in], as in TensorFlow, so the authors' weights load unchanged.
//
// A Tensor records how it was made: an op's result keeps its inputs and a backward function, and Backward walks
// that graph from a loss in reverse topological order. Recording happens only when an input lives on a Tape
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

// Tensor is an n-dimensional array of float32 in row-major order, with an optional gradient.
type Tensor struct {
	Shape []int     // dimensions, outermost first
	Data  []float32 // len(Data) == product of Shape
	// Grad is the gradient of the loss w.r.t. Data: nil until a backward pass reaches this tensor, and for an
	// op's result on a tape nil again once the pass has used it (only leaves keep their gradients).
	Grad []float32
	Name string // parameter name (empty for intermediates)

	requiresGrad bool
	tape         *Tape     // where this tensor's memory and history live; nil for leaves and inference
	view         bool      // Data belongs to another tensor (a Reshape view)
	parents      []*Tensor // inputs of the op that made this tensor
	backward     func()    // propagates Grad to the parents; nil for leaves or once run
}

// New returns a zero tensor of the given shape that is not on any tape and requires no gradient.
func New(shape ...int) *Tensor {
	return &Tensor{Shape: slices.Clone(shape), Data: make([]float32, numel("new", shape))}
}

// FromData wraps data (not copied) in a tensor of the given shape. It panics if the sizes differ.
func FromData(data []float32, shape ...int) *Tensor {
	if n := numel("fromdata", shape); n != len(data) {
		panic(fmt.Sprintf("nn: fromdata: %d values for shape %v (want %d)", len(data), shape, n))
	}
	return &Tensor{Shape: slices.Clone(shape), Data: data}
}

// NewParam returns a named trainable parameter of zeros; initialise it with an initialiser.
func NewParam(name string, shape ...int) *Tensor {
	t := New(shape...)
	t.Name = name
	t.requiresGrad = true
	return t
}

// Scalar returns a tensor of shape [] holding v.
func Scalar(v float32) *Tensor { return &Tensor{Shape: []int{}, Data: []float32{v}} }

// Size is the number of elements.
func (t *Tensor) Size() int { return len(t.Data) }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// Item returns the single value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("nn: item of a tensor of shape %v", t.Shape))
	}
	return t.Data[0]
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
	return &Tensor{Shape: t.Shape, Data: t.Data, tape: t.tape}
}

// Clone returns a deep copy of t's shape and data, off any tape, with no history.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data), Name: t.Name}
}

// ZeroGrad drops t's gradient (the next backward pass starts it from zero).
func (t *Tensor) ZeroGrad() {
	if t.Grad != nil {
		clear(t.Grad)
	}
}

// String prints the shape and, for small tensors, the values.
func (t *Tensor) String() string {
	if len(t.Data) <= 16 {
		return fmt.Sprintf("Tensor%v%v", t.Shape, t.Data)
	}
	return fmt.Sprintf("Tensor%v[%g %g … %g]", t.Shape, t.Data[0], t.Data[1], t.Data[len(t.Data)-1])
}

// gradBuf returns t.Grad, allocating it zeroed (from t's tape when it has one) on first use.
func (t *Tensor) gradBuf() []float32 {
	if t.Grad == nil {
		if t.tape != nil {
			t.Grad = t.tape.alloc(len(t.Data), true)
		} else {
			t.Grad = make([]float32, len(t.Data))
		}
	}
	return t.Grad
}

// takeGrad hands out's gradient buffer over to x as x's gradient, when x has none yet (the usual case: x has one
// consumer) and both live on the same tape, so that an op whose input gradient is elementwise in its output
// gradient computes it in place, with no new buffer and no pass to zero one. It reports whether it did; out.Grad
// is then nil, so Backward does not give the buffer back. Parameters (off any tape) never take a tape buffer:
// the tape recycles its buffers on Reset.
func takeGrad(out, x *Tensor) bool {
	if x.Grad != nil || out.tape == nil || x.tape != out.tape || len(out.Grad) != len(x.Data) {
		return false
	}
	x.Grad, out.Grad = out.Grad, nil
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
