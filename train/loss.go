package train

import (
	"fmt"

	"sdgan/nn"
)

// Losses: SD-DCGAN's (SPEC's table, and the hinge loss of SAGAN/BigGAN) and SD-BEGAN's own.
const (
	LossDCGAN = "dcgan" // non-saturating cross-entropy, Adam 2e-4 β1 0.5
	LossLSGAN = "lsgan" // least squares, RMSProp 1e-4
	LossWGAN  = "wgan"  // Wasserstein with weight clipping ±0.01, RMSProp 5e-5
	LossHinge = "hinge" // hinge (Lim & Ye 2017; SAGAN, BigGAN), Adam 2e-4 β1 0.5
	LossBEGAN = "began" // BEGAN's autoencoder losses with k_t control, Adam 8e-5 β1 0.5
	// LossWGANGP is Wasserstein with a gradient penalty instead of clipping (Gulrajani et al. 2017), Adam 1e-4
	// β 0.5/0.9 (the authors' settings).
	LossWGANGP = "wgan-gp"
)

// Optimisers a loss trains with.
const (
	optAdam    = "adam"    // PyTorch's Adam, ε 1e-8
	optRMSProp = "rmsprop" // TensorFlow 1's RMSProp, decay 0.9, ε 1e-10 (the authors' code)
)

// lossSpec is everything that goes with one loss: its objectives on the discriminator's outputs, its optimiser
// and default learning rates. All the GAN maths of training is in this table (SD-BEGAN's reconstruction losses
// and k_t control are in beganStep and beganUpdate). Every objective is a mean over the tuples.
type lossSpec struct {
	// d and g are the discriminator's and generator's losses from the discriminator's outputs on real and fake
	// tuples [tuples, 1]. nil for SD-BEGAN, whose discriminator outputs images.
	d func(real, fake *nn.Tensor) *nn.Tensor
	g func(fake *nn.Tensor) *nn.Tensor
	// boundary is the output that separates "real" from "fake" (0 for logits and critics, ½ for LSGAN's targets):
	// ADA's overfitting statistic is the mean sign of the real outputs relative to it.
	boundary     float32
	clip         bool    // clip the discriminator's weights after each update (WGAN)
	gp           bool    // add WGAN-GP's gradientPenalty, at interpolates between real and fake tuples
	opt          string  // optAdam or optRMSProp
	lrG, lrD     float64 // default learning rates
	beta1, beta2 float32 // Adam's
}

// losses is the table of losses by name.
//
//	dcgan: D ½[BCE(D(x), 1) + BCE(D(G(z)), 0)]    G BCE(D(G(z)), 1), the non-saturating loss
//	lsgan: D ½[(D(x) − 1)² + D(G(z))²]            G (D(G(z)) − 1)²
//	wgan:  D D(G(z)) − D(x)                       G −D(G(z))   (with the discriminator's weights clipped)
//	hinge: D max(0, 1 − D(x)) + max(0, 1 + D(G(z)))  G −D(G(z))
//	wgan-gp: D D(G(z)) − D(x) + λ·(‖∇D(x̂)‖₂ − 1)²    G −D(G(z))   (gradientPenalty)
//
// R1 (r1Penalty) can be added to the discriminator's loss of dcgan and hinge.
var losses = map[string]lossSpec{
	LossDCGAN: {
		d: func(real, fake *nn.Tensor) *nn.Tensor {
			return half(nn.SigmoidBCEConst(real, 1), nn.SigmoidBCEConst(fake, 0))
		},
		g:   func(fake *nn.Tensor) *nn.Tensor { return nn.SigmoidBCEConst(fake, 1) },
		opt: optAdam, lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999,
	},
	LossLSGAN: {
		d: func(real, fake *nn.Tensor) *nn.Tensor {
			return half(nn.MSE(real, constant(real, 1)), nn.MSE(fake, constant(fake, 0)))
		},
		g:        func(fake *nn.Tensor) *nn.Tensor { return nn.MSE(fake, constant(fake, 1)) },
		boundary: 0.5,
		opt:      optRMSProp, lrG: 1e-4, lrD: 1e-4,
	},
	LossWGAN: {
		d:    func(real, fake *nn.Tensor) *nn.Tensor { return nn.Sub(nn.Mean(fake), nn.Mean(real)) },
		g:    func(fake *nn.Tensor) *nn.Tensor { return nn.Scale(nn.Mean(fake), -1) },
		clip: true,
		opt:  optRMSProp, lrG: 5e-5, lrD: 5e-5,
	},
	LossHinge: {
		d: func(real, fake *nn.Tensor) *nn.Tensor {
			return nn.Add(nn.Mean(nn.ReLU(nn.Sub(constant(real, 1), real))), nn.Mean(nn.ReLU(nn.Add(fake, constant(fake, 1)))))
		},
		g:   func(fake *nn.Tensor) *nn.Tensor { return nn.Scale(nn.Mean(fake), -1) },
		opt: optAdam, lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999,
	},
	LossBEGAN: {opt: optAdam, lrG: 8e-5, lrD: 8e-5, beta1: 0.5, beta2: 0.999},
	LossWGANGP: {
		d:   func(real, fake *nn.Tensor) *nn.Tensor { return nn.Sub(nn.Mean(fake), nn.Mean(real)) },
		g:   func(fake *nn.Tensor) *nn.Tensor { return nn.Scale(nn.Mean(fake), -1) },
		gp:  true,
		opt: optAdam, lrG: 1e-4, lrD: 1e-4, beta1: 0.5, beta2: 0.9,
	},
}

// newOptimizer returns the loss's optimiser over params at learning rate lr.
func (l lossSpec) newOptimizer(params []*nn.Tensor, lr float64) nn.Optimizer {
	if l.opt == optRMSProp {
		return nn.NewRMSProp(params, float32(lr), 0.9, 1e-10)
	}
	return nn.NewAdam(params, float32(lr), l.beta1, l.beta2, 1e-8)
}

// half is ½(a + b).
func half(a, b *nn.Tensor) *nn.Tensor { return nn.Scale(nn.Add(a, b), 0.5) }

// constant returns a tensor shaped like t filled with v (a target; no gradient).
func constant(t *nn.Tensor, v float32) *nn.Tensor {
	c := nn.New(t.Shape...)
	nn.Fill(v, c)
	return c
}

// beganUpdate is BEGAN's equilibrium control: k ← clip(k + λ_k·(γ·L(x) − L(G(z))), 0, 1), and the convergence
// measure M = L(x) + |γ·L(x) − L(G(z))|.
func beganUpdate(k, lambdaK, gamma, lReal, lFake float64) (next, m float64) {
	balance := gamma*lReal - lFake
	next = min(max(k+lambdaK*balance, 0), 1)
	if balance < 0 {
		balance = -balance
	}
	return next, lReal + balance
}

// Gradient penalties: both take the gradient of the discriminator's output with respect to its input images and
// measure it per tuple, over all of the tuple's pixels (its k images together: the discriminator judges tuples,
// so a tuple is its sample). The authors' WGAN-GP code took the norm over the wrong axes (SPEC); here it is the
// whole tuple's.
//
//	WGAN-GP (Gulrajani et al. 2017): λ·mean (‖∇D(x̂)‖₂ − 1)²  at x̂ = ε·x + (1 − ε)·G(z), one ε ~ U(0, 1) per tuple
//	R1 (Mescheder et al. 2018):      (γ/2)·mean ‖∇D(x)‖²      on the real tuples
//
// The gradient is that of Σ D over the batch: a tuple's own gradient when the discriminator judges tuples
// independently, as without batch norm (WGAN-GP requires --d-norm none, as the WGAN-GP paper advises). With
// batch norm, which R1 allows, a tuple's output depends on the others through the batch statistics, and the
// gradient includes that dependence: it is the gradient of the function the discriminator computes in training.

// tupleGradSquares returns ‖∇_x Σ out‖² per tuple [tuples], as recorded tensors, for the discriminator's output
// out on x [tuples·k, …], which must require a gradient.
func tupleGradSquares(out, x *nn.Tensor, tuples int) (*nn.Tensor, error) {
	g, err := nn.Grad(nn.Sum(out), x)
	if err != nil {
		return nil, fmt.Errorf("gradient penalty: %w", err)
	}
	flat := nn.Reshape(g[0], tuples, -1)
	return nn.Sum(nn.Mul(flat, flat), 1), nil
}

// gradientPenalty is WGAN-GP's λ·mean (‖∇‖₂ − 1)² from the squared norms sq [tuples]. A tiny constant under the
// root keeps its derivative finite at a zero gradient.
func gradientPenalty(sq *nn.Tensor, lambda float64) *nn.Tensor {
	dev := nn.Sub(nn.Sqrt(nn.Add(sq, constant(sq, 1e-12))), constant(sq, 1))
	return nn.Scale(nn.Mean(nn.Mul(dev, dev)), float32(lambda))
}

// r1Penalty is R1's (γ/2)·mean ‖∇‖² from the squared norms sq [tuples]. Lazy regularisation (StyleGAN2) adds it
// every N updates, multiplied by N.
func r1Penalty(sq *nn.Tensor, gamma float64) *nn.Tensor {
	return nn.Scale(nn.Mean(sq), float32(gamma/2))
}
