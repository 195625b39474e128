package train

import "sdgan/nn"

// Losses: SD-DCGAN's (SPEC's table, and the hinge loss of SAGAN/BigGAN) and SD-BEGAN's own.
const (
	LossDCGAN = "dcgan" // non-saturating cross-entropy, Adam 2e-4 β1 0.5
	LossLSGAN = "lsgan" // least squares, RMSProp 1e-4
	LossWGAN  = "wgan"  // Wasserstein with weight clipping ±0.01, RMSProp 5e-5
	LossHinge = "hinge" // hinge (Lim & Ye 2017; SAGAN, BigGAN), Adam 2e-4 β1 0.5
	LossBEGAN = "began" // BEGAN's autoencoder losses with k_t control, Adam 8e-5 β1 0.5
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
