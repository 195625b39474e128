package train

import "sdgan/nn"

// ganLosses returns SD-DCGAN's discriminator and generator losses for a loss name (SPEC's table), from the
// discriminator's logits on real and fake tuples. Every loss is a mean over the tuples.
//
//	dcgan: D ½[BCE(D(x), 1) + BCE(D(G(z)), 0)]    G BCE(D(G(z)), 1), the non-saturating loss
//	lsgan: D ½[(D(x) − 1)² + D(G(z))²]            G (D(G(z)) − 1)²
//	wgan:  D D(G(z)) − D(x)                       G −D(G(z))   (with the discriminator's weights clipped)
func ganLosses(loss string) (dLoss func(real, fake *nn.Tensor) *nn.Tensor, gLoss func(fake *nn.Tensor) *nn.Tensor) {
	half := func(a, b *nn.Tensor) *nn.Tensor { return nn.Scale(nn.Add(a, b), 0.5) }
	switch loss {
	case LossLSGAN:
		return func(real, fake *nn.Tensor) *nn.Tensor {
				return half(nn.MSE(real, constant(real, 1)), nn.MSE(fake, constant(fake, 0)))
			}, func(fake *nn.Tensor) *nn.Tensor {
				return nn.MSE(fake, constant(fake, 1))
			}
	case LossWGAN:
		return func(real, fake *nn.Tensor) *nn.Tensor {
				return nn.Sub(nn.Mean(fake), nn.Mean(real))
			}, func(fake *nn.Tensor) *nn.Tensor {
				return nn.Scale(nn.Mean(fake), -1)
			}
	default:
		return func(real, fake *nn.Tensor) *nn.Tensor {
				return half(nn.SigmoidBCEConst(real, 1), nn.SigmoidBCEConst(fake, 0))
			}, func(fake *nn.Tensor) *nn.Tensor {
				return nn.SigmoidBCEConst(fake, 1)
			}
	}
}

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
