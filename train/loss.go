package train

import (
	"fmt"
	"math"

	"sdgan/nn"
	"sdgan/verify"
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

// dMismatch is the discriminator's loss when the outputs on mismatched real tuples (--mismatch) are fakes too.
// Weight 0 concatenates them with the generator's fakes into one fake term, an equal share since the two are as
// many. A weight w > 0 makes the fake term (fakes + w·mismatched)/(1 + w): every d of the table is a real term plus
// a fake term, so this is the weighted sum of d over the two, whose real terms add up to one.
func (l lossSpec) dMismatch(real, fake, mismatched *nn.Tensor, w float32) *nn.Tensor {
	if w == 0 {
		return l.d(real, nn.Concat(0, fake, mismatched))
	}
	return nn.Add(nn.Scale(l.d(real, fake), 1/(1+w)), nn.Scale(l.d(real, mismatched), w/(1+w)))
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

// AC-GAN (Odena et al. 2017; SPEC: "D maximises L_S + L_C and G maximises L_C − L_S"), as the paper's AC-DCGAN
// baseline trains: the discriminator has, per image, a real/fake logit and one logit per identity label
// [n, 1 + classes]. L_S is the loss table's own GAN objective on the real/fake logits (so --loss still chooses it),
// L_C the identity cross-entropy of the class logits against the labels — the real images' identities, and the
// labels the fakes were generated for:
//
//	D: d(real, fake) + ½[CE(real) + CE(fake)]    (the ½ as in the table's ½[BCE(real) + BCE(fake)])
//	G: g(fake) + CE(fake)
//
// Minimising CE is maximising L_C (the log-likelihood of the right label); the generator's g is the table's
// non-saturating form of −L_S.

// acParts are the figures of an AC-GAN loss besides its total: the cross-entropies it added, for the log.
type acParts struct {
	CEReal, CEFake float64 // mean identity cross-entropy on the real and the fake images (CEReal: D only)
	AccReal        float64 // fraction of real images whose highest class logit is their label (D only)
}

// acSplit cuts AC-DCGAN discriminator outputs [n, 1 + classes] into the real/fake logits [n, 1] and the identity
// logits [n, classes].
func acSplit(out *nn.Tensor) (source, class *nn.Tensor) {
	parts := nn.Split(out, 1, 1, out.Dim(1)-1)
	return parts[0], parts[1]
}

// acD is the discriminator's AC-GAN loss from its outputs on real and fake images [n, 1 + classes] and their labels.
func (l lossSpec) acD(real, fake *nn.Tensor, realLabels, fakeLabels []int) (*nn.Tensor, acParts) {
	rs, rc := acSplit(real)
	fs, fc := acSplit(fake)
	ceReal, ceFake := classCE(rc, realLabels), classCE(fc, fakeLabels)
	p := acParts{CEReal: float64(ceReal.Item()), CEFake: float64(ceFake.Item()), AccReal: classAccuracy(rc, realLabels)}
	return nn.Add(l.d(rs, fs), half(ceReal, ceFake)), p
}

// acG is the generator's AC-GAN loss from the discriminator's outputs on its images [n, 1 + classes] and the labels
// they were generated for.
func (l lossSpec) acG(fake *nn.Tensor, labels []int) (*nn.Tensor, acParts) {
	fs, fc := acSplit(fake)
	ce := classCE(fc, labels)
	return nn.Add(l.g(fs), ce), acParts{CEFake: float64(ce.Item())}
}

// classCE is the mean softmax cross-entropy of logits [n, classes] against labels (one per row):
// mean_i [log Σ_j exp(logits_ij) − logits_i,label_i], computed in float64 with the maximum subtracted.
//
// nn has no softmax, and this package keeps to nn's public operations, so the op is built from them: its
// gradient (softmax(logits) − onehot(labels))/n, computed here, is put on the tape as Σ logits·G (whose gradient
// with respect to logits is G), and a constant brings that sum's value to the cross-entropy. The result's value
// and gradient are both exact; TestClassCrossEntropy checks them against hand-computed numbers and finite
// differences.
func classCE(logits *nn.Tensor, labels []int) *nn.Tensor {
	n, c := logits.Dim(0), logits.Dim(1)
	if len(logits.Shape) != 2 || len(labels) != n {
		panic(fmt.Sprintf("train: class cross-entropy of logits %v with %d labels", logits.Shape, len(labels)))
	}
	data := logits.ToHost()
	grad := make([]float32, n*c)
	var value float64
	for i, label := range labels {
		if label < 0 || label >= c {
			panic(fmt.Sprintf("train: class cross-entropy: label %d of %d classes", label, c))
		}
		row := data[i*c : (i+1)*c]
		m := float64(row[0])
		for _, v := range row {
			m = max(m, float64(v))
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - m)
		}
		lse := m + math.Log(sum)
		value += lse - float64(row[label])
		for j, v := range row {
			grad[i*c+j] = float32(math.Exp(float64(v)-lse) / float64(n))
		}
		grad[i*c+label] -= float32(1 / float64(n))
	}
	value /= float64(n)
	lin := nn.Sum(nn.Mul(logits, nn.FromData(grad, n, c)))
	return nn.Add(lin, nn.Scalar(float32(value-float64(lin.Item()))))
}

// classAccuracy is the fraction of rows of logits [n, classes] whose largest value is at their label.
func classAccuracy(logits *nn.Tensor, labels []int) float64 {
	c, data := logits.Dim(1), logits.ToHost()
	right := 0
	for i, label := range labels {
		row := data[i*c : (i+1)*c]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		if best == label {
			right++
		}
	}
	return float64(right) / float64(max(len(labels), 1))
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

// infoLoss is InfoGAN's loss on the identity code (Options.Info): the mean squared error of the discriminator's
// per-image estimates est [n, d_I] of the codes zi [n, d_I] the images were made from, times the weight.
func infoLoss(est, zi *nn.Tensor, weight float64) *nn.Tensor {
	return nn.Scale(nn.MSE(est, zi), float32(weight))
}

// IDTripletMargin is --id-triplet's margin on squared distances between unit embeddings (they lie in [0, 4]): the
// verifier's default, so that the head learns what `sdgan verifier train` would.
const IDTripletMargin = 0.2

// idTriplet is --id-triplet's loss: the batch-all triplet loss (verify.BatchAllTriplet) of the identity head's
// outputs est [n, d] made unit length, with labels [n] that say which images share an identity, times the weight.
// It is 0 when no triplet is active, or when the batch has no anchor with both a positive and a negative.
func idTriplet(est *nn.Tensor, labels []int, weight float64) *nn.Tensor {
	l, _, _ := verify.BatchAllTriplet(verify.L2Normalize(est), labels, IDTripletMargin)
	return nn.Scale(l, float32(weight))
}
