package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"sdgan/augment"
	"sdgan/model"
	"sdgan/nn"
)

// linearD is a discriminator whose gradient is known in closed form: D(tuple) = ⟨w, tuple's pixels⟩, so
// ∇_x D = w for every tuple, whatever x.
type linearD struct {
	w      *nn.Tensor // [k·pixels, 1]
	tuples int
}

func (d linearD) Forward(x *nn.Tensor, _ bool) *nn.Tensor {
	return nn.MatMul(nn.Reshape(x, d.tuples, -1), d.w)
}
func (d linearD) Params() []*nn.Tensor  { return []*nn.Tensor{d.w} }
func (d linearD) Buffers() []*nn.Tensor { return nil }

// The penalties against numbers worked out by hand, on a linear discriminator with w = (1, 2, 2, 0), ‖w‖ = 3,
// for two tuples of k = 2 images of 1×1×2 pixels:
//
//	WGAN-GP, λ = 10:        λ·(‖w‖ − 1)² = 40          ∂/∂w = 2λ(‖w‖ − 1)·w/‖w‖ = (40/3)·w
//	R1, γ = 10, every N = 4: (γ/2)·‖w‖² = 45, ×4 = 180  ∂/∂w = γ·w·4 = 40·w
//
// penalise adds them to the loss (here 0.5 plus the discriminator's mean output, whose gradient is the mean of the
// tuples' pixels), and logs the penalty unscaled and the norm 3.
func TestPenaltiesOnALinearDiscriminator(t *testing.T) {
	w := []float32{1, 2, 2, 0}
	pixels := []float32{0.5, -1, 0.25, 2, -0.5, 1.5, 1, -2} // two tuples
	meanPixels := make([]float64, 4)
	for i := range 4 {
		meanPixels[i] = float64(pixels[i]+pixels[4+i]) / 2
	}
	for _, tc := range []struct {
		name  string
		loss  string
		r1    float64
		every int
		pen   float64 // the logged penalty
		total float64 // the penalty added to the loss
		dw    float64 // ∂(added penalty)/∂w = dw·w
	}{
		{"wgan-gp", LossWGANGP, 0, 0, 40, 40, 40.0 / 3},
		{"r1 lazy", LossDCGAN, 10, 4, 45, 180, 40},
		{"r1 every update", LossHinge, 10, 1, 45, 45, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Defaults()
			o.Loss, o.Tuples, o.R1Gamma, o.R1Every = tc.loss, 2, tc.r1, tc.every
			o.Model.K, o.Model.Res, o.Model.Channels = 2, 1, 2 // shapes only: the linear D takes any
			o = o.Resolve()
			d := linearD{w: nn.FromData(w, 4, 1), tuples: 2}
			d.w.SetRequiresGrad(true)
			tp := nn.NewTape()
			tr := &trainer{opt: o, d: d, tape: tp, rng: rand.New(rand.NewPCG(1, 2)),
				aug: augment.New(augment.Policy{}, 0, 2, false, 1)}
			real := tp.Input(pixels, 4, 1, 1, 2)
			fake := tp.Input(make([]float32, 8), 4, 1, 1, 2)
			r1 := tr.r1Due(0)
			if r1 {
				real.SetRequiresGrad(true)
			}
			dReal := d.Forward(real, true)
			ld := nn.Add(nn.Mean(dReal), nn.Scalar(0.5))
			var s stats
			total, err := tr.penalise(ld, real, fake, dReal, r1, &s)
			if err != nil {
				t.Fatal(err)
			}
			tp.Backward(total)
			near := func(what string, got, want float64) {
				t.Helper()
				if math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
					t.Errorf("%s = %.6g, want %.6g", what, got, want)
				}
			}
			near("loss with penalty", float64(total.Item()), 0.5+(meanPixels[0]+2*meanPixels[1]+2*meanPixels[2])+tc.total)
			near("logged penalty", s.Penalty, tc.pen)
			near("logged gradient norm", s.GradNorm, 3)
			if !s.Penalised {
				t.Error("the step's figures do not say that it was penalised")
			}
			for i, g := range d.w.GradToHost() {
				near("∂/∂w", float64(g), meanPixels[i]+tc.dw*float64(w[i]))
			}
			tp.Reset()
		})
	}
}

// Lazy R1 falls on every R1Every-th discriminator update of the run, counting the updates of every step.
func TestR1Schedule(t *testing.T) {
	tr := &trainer{opt: Options{R1Gamma: 1, R1Every: 4, DPerG: 3}}
	var got []int64
	for step := range int64(4) {
		tr.step = step
		for i := range 3 {
			if tr.r1Due(i) {
				got = append(got, step*3+int64(i))
			}
		}
	}
	if want := []int64{0, 4, 8}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("R1 at updates %v, want %v", got, want)
	}
	tr.opt.R1Gamma = 0
	if tr.r1Due(0) {
		t.Error("R1 due without --r1")
	}
}

// The options of the penalties: WGAN-GP resolves to λ 10 and a discriminator without batch norm and refuses
// batch norm; R1 resolves to every 16 updates and applies to dcgan and hinge only.
func TestPenaltyOptions(t *testing.T) {
	o := Defaults()
	o.Loss = LossWGANGP
	r := o.Resolve()
	if r.GPLambda != 10 || r.Model.DNorm != model.NormNone || r.LRG != 1e-4 || r.LRD != 1e-4 {
		t.Errorf("wgan-gp resolves to λ %g, d_norm %q, lr %g/%g", r.GPLambda, r.Model.DNorm, r.LRG, r.LRD)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("resolved wgan-gp: %v", err)
	}
	r.Model.DNorm = model.NormBatch
	if err := r.Validate(); err == nil {
		t.Error("wgan-gp with batch norm in the discriminator: no error")
	}
	o = Defaults()
	o.R1Gamma = 5
	if r := o.Resolve(); r.R1Every != 16 || r.Validate() != nil {
		t.Errorf("--r1 resolves to every %d updates (%v)", r.R1Every, r.Validate())
	}
	o.Loss = LossLSGAN
	if err := o.Resolve().Validate(); err == nil {
		t.Error("R1 with lsgan: no error")
	}
	o = Defaults()
	o.GPLambda = 10
	if err := o.Resolve().Validate(); err == nil {
		t.Error("--gp-lambda with dcgan: no error")
	}
	o = Defaults() // AC-DCGAN judges single images: its step has no penalty
	o.Model, o.Mismatch, o.IDTriplet = model.DefaultConfig(model.ACGAN, 32, 1), false, 0
	o.R1Gamma = 10
	if err := o.Resolve().Validate(); err == nil {
		t.Error("R1 with --arch acgan: no error")
	}
	o.R1Gamma, o.Loss, o.Model.DNorm = 0, LossWGANGP, model.NormNone
	if err := o.Resolve().Validate(); err == nil {
		t.Error("wgan-gp with --arch acgan: no error")
	}
}
