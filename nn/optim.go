package nn

import (
	"fmt"
	"math"
	"slices"
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
		m, v := newOn(p.dev, p.Shape), newOn(p.dev, p.Shape)
		m.Name, v.Name = p.Name+"/adam_m", p.Name+"/adam_v"
		o.m, o.v = append(o.m, m), append(o.v, v)
	}
	return o
}

// Step updates every parameter from its gradient and then gives the gradient's memory back to the backend (see
// dropGrad). Parameters without a gradient (HasGrad false) are left alone.
func (o *Adam) Step() {
	o.Steps++
	t := float64(o.Steps)
	c1 := 1 - math.Pow(float64(o.Beta1), t)
	c2 := 1 - math.Pow(float64(o.Beta2), t)
	stepSize := float32(float64(o.LR) / c1)
	sqrtC2 := float32(math.Sqrt(c2))
	co := AdamCoeffs{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, StepSize: stepSize, SqrtC2: sqrtC2}
	for i, p := range o.params {
		if p.grad == nil {
			continue
		}
		p.dev.AdamStep(p.data, p.grad, o.m[i].data, o.v[i].data, co)
		p.dropGrad()
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
		ms := newOn(p.dev, p.Shape)
		ms.dev.Fill(ms.data, 1)
		ms.Name = p.Name + "/rmsprop_ms"
		o.ms = append(o.ms, ms)
	}
	return o
}

// Step updates every parameter from its gradient and then gives the gradient's memory back (see Adam.Step).
func (o *RMSProp) Step() {
	o.Steps++
	for i, p := range o.params {
		if p.grad == nil {
			continue
		}
		p.dev.RMSPropStep(p.data, p.grad, o.ms[i].data, o.LR, o.Decay, o.Eps)
		p.dropGrad()
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
		t.dev.Clamp(t.data, -c, c)
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

// MovingAverage moves every tensor of avg towards the tensor of cur at the same index, which must have its
// shape: avg ← cur + beta·(avg − cur), which is beta·avg + (1 − beta)·cur (an exponential moving average of
// weights, such as a generator's G_ema).
func MovingAverage(avg, cur []*Tensor, beta float32) {
	if len(avg) != len(cur) {
		panic(fmt.Sprintf("nn: moving average of %d tensors towards %d", len(avg), len(cur)))
	}
	for i, a := range avg {
		c := cur[i]
		if !slices.Equal(a.Shape, c.Shape) {
			panic(fmt.Sprintf("nn: moving average of %s %v towards %s %v", a.Name, a.Shape, c.Name, c.Shape))
		}
		backendOf("moving average", a, c)
		a.dev.MovingAverage(a.data, c.data, beta)
	}
}
