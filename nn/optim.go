package nn

import (
	"fmt"
	"math"

	"sdgan/nn/kernels"
)

// Adam is the Adam optimiser (Kingma & Ba), with PyTorch's update:
// m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
type Adam struct {
	LR, Beta1, Beta2, Eps float32
	Steps                 int64 // updates done so far (t); part of the state to checkpoint

	params []*Tensor
	m, v   []*Tensor
}

// NewAdam returns an Adam optimiser over params.
func NewAdam(params []*Tensor, lr, beta1, beta2, eps float32) *Adam {
	o := &Adam{LR: lr, Beta1: beta1, Beta2: beta2, Eps: eps, params: params}
	for _, p := range params {
		m, v := New(p.Shape...), New(p.Shape...)
		m.Name, v.Name = p.Name+"/adam_m", p.Name+"/adam_v"
		o.m, o.v = append(o.m, m), append(o.v, v)
	}
	return o
}

// Step updates every parameter from its gradient and then zeroes the gradients.
// Parameters without a gradient (nil Grad) are left alone.
func (o *Adam) Step() {
	o.Steps++
	t := float64(o.Steps)
	c1 := 1 - math.Pow(float64(o.Beta1), t)
	c2 := 1 - math.Pow(float64(o.Beta2), t)
	stepSize := float32(float64(o.LR) / c1)
	sqrtC2 := float32(math.Sqrt(c2))
	co := kernels.AdamCoeffs{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, StepSize: stepSize, SqrtC2: sqrtC2}
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		m, v := o.m[i].Data, o.v[i].Data
		parallel(len(p.Grad), func(_, lo, hi int) { // elementwise: the split cannot change the result
			kernels.AdamStep(p.Data[lo:hi], p.Grad[lo:hi], m[lo:hi], v[lo:hi], co)
		})
	}
}

// State returns the optimiser's moment tensors, named after their parameters, for checkpoints.
func (o *Adam) State() []*Tensor { return append(append([]*Tensor(nil), o.m...), o.v...) }

// RMSProp is TensorFlow 1's RMSProp (the authors' optimiser for LSGAN and WGAN), without momentum:
// ms ← ρ·ms + (1−ρ)·g², p ← p − lr·g/√(ms + ε), with ms starting at 1 (TensorFlow's initial value), ρ = Decay.
type RMSProp struct {
	LR, Decay, Eps float32
	Steps          int64

	params []*Tensor
	ms     []*Tensor
}

// NewRMSProp returns an RMSProp optimiser over params (TensorFlow's defaults: decay 0.9, eps 1e-10).
func NewRMSProp(params []*Tensor, lr, decay, eps float32) *RMSProp {
	o := &RMSProp{LR: lr, Decay: decay, Eps: eps, params: params}
	for _, p := range params {
		ms := New(p.Shape...)
		for j := range ms.Data {
			ms.Data[j] = 1
		}
		ms.Name = p.Name + "/rmsprop_ms"
		o.ms = append(o.ms, ms)
	}
	return o
}

// Step updates every parameter from its gradient and then zeroes the gradients.
func (o *RMSProp) Step() {
	o.Steps++
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		ms, decay, lr, eps := o.ms[i].Data, o.Decay, o.LR, o.Eps
		parallel(len(p.Grad), func(_, lo, hi int) { // elementwise: the split cannot change the result
			for j, g := range p.Grad[lo:hi] {
				j += lo
				ms[j] = decay*ms[j] + (1-decay)*g*g
				p.Data[j] -= lr * g / float32(math.Sqrt(float64(ms[j]+eps)))
			}
			clear(p.Grad[lo:hi])
		})
	}
}

// State returns the optimiser's mean-square tensors, named after their parameters, for checkpoints.
func (o *RMSProp) State() []*Tensor { return append([]*Tensor(nil), o.ms...) }

// ClipWeights clamps every value of every tensor to [−c, c] (WGAN's weight clipping).
func ClipWeights(c float32, ts ...*Tensor) {
	if c <= 0 {
		panic(fmt.Sprintf("nn: clip weights to ±%g; want a positive bound", c))
	}
	for _, t := range ts {
		for i, v := range t.Data {
			t.Data[i] = min(max(v, -c), c)
		}
	}
}

// Optimizer is what a training loop needs from an optimiser: an update from the gradients, the state to
// checkpoint (tensors and the update count), and a settable learning rate for schedules.
type Optimizer interface {
	Step()
	State() []*Tensor
	SetLR(lr float32)
	Updates() int64
	SetUpdates(n int64)
}

// SetLR sets the learning rate.
func (o *Adam) SetLR(lr float32) { o.LR = lr }

// Updates is the number of Steps taken (Adam's t).
func (o *Adam) Updates() int64 { return o.Steps }

// SetUpdates restores the step count from a checkpoint.
func (o *Adam) SetUpdates(n int64) { o.Steps = n }

// SetLR sets the learning rate.
func (o *RMSProp) SetLR(lr float32) { o.LR = lr }

// Updates is the number of Steps taken.
func (o *RMSProp) Updates() int64 { return o.Steps }

// SetUpdates restores the step count from a checkpoint.
func (o *RMSProp) SetUpdates(n int64) { o.Steps = n }
