package train

import (
	"math"

	"sdgan/nn"
)

// The gradient penalties of a discriminator update (their maths is in loss.go): WGAN-GP's at interpolates
// between the real and the fake tuples, at every update; R1's on the real tuples, every R1Every updates.

// r1Due reports whether the discriminator update i of this step (0 ≤ i < DPerG) adds the R1 penalty: every
// R1Every-th update of the run, the first included. It depends on the step count alone, so resuming keeps the
// rhythm.
func (t *trainer) r1Due(i int) bool {
	return t.opt.R1Gamma > 0 && (t.step*int64(t.opt.DPerG)+int64(i))%int64(t.opt.R1Every) == 0
}

// penalise returns the discriminator's loss ld with this update's penalties added, and notes them in s. real are
// the batch's real tuples (requiring a gradient when r1 is set), dReal the discriminator's outputs on them, fake
// the generator's tuples. R1 reuses the outputs on the real tuples: its gradient is of the pass the loss uses.
// WGAN-GP runs the discriminator once more, on the interpolates, through the same augmentation: the penalty is on
// the function the discriminator applies to the images, augmentation included (as StyleGAN2-ADA's R1).
func (t *trainer) penalise(ld, real, fake, dReal *nn.Tensor, r1 bool, s *stats) (*nn.Tensor, error) {
	tuples := t.opt.Tuples
	if losses[t.opt.Loss].gp {
		xhat := t.interpolates(real, fake)
		sq, err := tupleGradSquares(t.d.Forward(t.aug.Apply(xhat), true), xhat, tuples)
		if err != nil {
			return nil, err
		}
		pen := gradientPenalty(sq, t.opt.GPLambda)
		s.notePenalty(pen, sq)
		ld = nn.Add(ld, pen)
	}
	if r1 {
		sq, err := tupleGradSquares(dReal, real, tuples)
		if err != nil {
			return nil, err
		}
		pen := r1Penalty(sq, t.opt.R1Gamma)
		s.notePenalty(pen, sq)
		ld = nn.Add(ld, nn.Scale(pen, float32(t.opt.R1Every))) // lazy: N times the penalty, every N updates
	}
	return ld, nil
}

// interpolates returns WGAN-GP's points x̂ = G(z) + ε·(x − G(z)), one ε ~ U(0, 1) per tuple (its k images share
// it) drawn from the latent stream, as a tensor that requires a gradient and has no history.
func (t *trainer) interpolates(real, fake *nn.Tensor) *nn.Tensor {
	k := t.opt.Model.K
	eps := make([]float32, t.opt.Tuples*k)
	for i := range t.opt.Tuples {
		e := float32(t.rng.Float64())
		for j := range k {
			eps[i*k+j] = e
		}
	}
	f := fake.Detach()
	x := nn.Add(f, nn.Mul(t.tape.Input(eps, len(eps), 1, 1, 1), nn.Sub(real.Detach(), f)))
	x.SetRequiresGrad(true)
	return x
}

// notePenalty records a penalty's value (before lazy scaling) and the mean gradient norm of its tuples.
func (s *stats) notePenalty(pen, sq *nn.Tensor) {
	var norm float64
	v := sq.ToHost()
	for _, q := range v {
		norm += math.Sqrt(float64(q))
	}
	s.Penalty, s.GradNorm, s.Penalised = float64(pen.Item()), norm/float64(len(v)), true
}
