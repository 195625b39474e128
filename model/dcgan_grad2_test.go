package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"sdgan/nn"
)

// The second-order check through a whole Siamese discriminator: the gradient of a WGAN-GP-style penalty
// S = Σ_tuples (‖∇_x Σ D(x)‖ − 1)², which nn.Grad and Backward compute through the double backward of every op
// the discriminator uses (reshape and transpose of the tuples, convolutions with leaky ReLU, grouped batch norm,
// the channel concatenation, the dense layer, spectral normalisation, the comparison map's mean and absolute
// deviation), against central differences of S, where S
// at each perturbed point comes from Backward's first-order gradients. Directions are random, over the images
// and over all parameters at once.
func TestDiscriminatorSecondOrder(t *testing.T) {
	for _, tc := range []struct {
		name    string
		k       int
		norm    string
		sn      bool
		compare bool
		std     float64 // of the weights: gradients of order 1
	}{
		{"batch norm k=2", 2, NormBatch, false, false, 0.08},
		{"no norm k=3", 3, NormNone, false, false, 0.045},
		{"spectral norm k=2", 2, NormNone, true, false, 0.08},
		{"compare batch norm k=2", 2, NormBatch, false, true, 0.08},
		{"compare batch norm k=3", 3, NormBatch, false, true, 0.08},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig(DCGAN, 32, 1)
			cfg.K, cfg.DNorm, cfg.SpectralNorm, cfg.Compare = tc.k, tc.norm, tc.sn, tc.compare
			rng := rand.New(rand.NewPCG(3, uint64(tc.k)))
			d := newDCGANDiscriminator(cfg, rng)
			for _, p := range d.Params() { // larger weights than the initialisation's
				nn.InitNormal(rng, tc.std, p)
			}
			tuples := 2
			x0 := nn.New(tuples*tc.k, 32, 32, 1)
			nn.InitUniform(rng, -1, 1, x0)
			secondOrderThroughD(t, d, x0, tuples, rng)
		})
	}
}

func secondOrderThroughD(t *testing.T, d *dcganDiscriminator, x0 *nn.Tensor, tuples int, rng *rand.Rand) {
	params := d.Params()
	// Spectral normalisation moves its vectors at every call: every evaluation starts from the same ones.
	state := make([][]float32, len(d.Buffers()))
	for i, b := range d.Buffers() {
		state[i] = b.ToHost()
	}
	restore := func() {
		for i, b := range d.Buffers() {
			b.CopyFromHost(state[i])
		}
	}
	norms := func(g []float32) []float64 { // ‖g‖ per tuple
		per := len(g) / tuples
		out := make([]float64, tuples)
		for i := range tuples {
			var s float64
			for _, v := range g[i*per : (i+1)*per] {
				s += float64(v) * float64(v)
			}
			out[i] = math.Sqrt(s)
		}
		return out
	}
	penalty := func(ns []float64) (s float64) {
		for _, n := range ns {
			s += (n - 1) * (n - 1)
		}
		return s
	}
	// S at x from Backward's gradients, the parameters frozen.
	sAt := func(x []float32) float64 {
		restore()
		for _, p := range params {
			p.SetRequiresGrad(false)
		}
		defer func() {
			for _, p := range params {
				p.SetRequiresGrad(true)
			}
		}()
		tp := nn.NewTape()
		defer tp.Reset()
		in := tp.Input(x, x0.Shape...)
		in.SetRequiresGrad(true)
		tp.Backward(nn.Sum(d.Forward(in, true)))
		return penalty(norms(in.GradToHost()))
	}

	// The double backward: S built from nn.Grad's gradient, then Backward.
	restore()
	for _, p := range params {
		p.ZeroGrad()
	}
	tp := nn.NewTape()
	x := tp.Input(x0.ToHost(), x0.Shape...)
	x.SetRequiresGrad(true)
	g, err := nn.Grad(nn.Sum(d.Forward(x, true)), x)
	if err != nil {
		t.Fatal(err)
	}
	flat := nn.Reshape(g[0], tuples, -1)
	dev := nn.Sub(nn.Sqrt(nn.Sum(nn.Mul(flat, flat), 1)), nn.Scalar(1))
	s := nn.Sum(nn.Mul(dev, dev))
	if want := penalty(norms(g[0].ToHost())); math.Abs(float64(s.Item())-want) > 1e-4*want {
		t.Fatalf("S %g from the recorded gradient, %g from its values", s.Item(), want)
	}
	gNorms, sVal := norms(g[0].ToHost()), float64(s.Item())
	tp.Backward(s)
	dx := x.GradToHost()
	if dx == nil { // without batch norm ∇_x D is constant by pieces in x (leaky ReLU): S does not depend on x
		dx = make([]float32, x0.Size())
	}
	dp := make([][]float32, len(params))
	for i, p := range params {
		dp[i] = p.GradToHost()
		p.ZeroGrad()
	}
	tp.Reset()
	t.Logf("‖∇_x D‖ per tuple %.3g, S %.4g", gNorms, sVal)
	if base := sAt(x0.ToHost()); math.Abs(base-sVal) > 1e-3*base {
		t.Fatalf("S %g by Grad, %g by Backward", sVal, base)
	}

	// Partial derivatives at single coordinates: pixels, and in every parameter tensor its largest and a random
	// one. A coordinate moves few leaky ReLU units, so that few kinks lie within h of the point; those that do
	// show as differences at h and h/2 that disagree, and that coordinate is skipped.
	var scale float64
	for _, v := range dx {
		scale = max(scale, math.Abs(float64(v)))
	}
	for _, g := range dp {
		for _, v := range g {
			scale = max(scale, math.Abs(float64(v)))
		}
	}
	checked, skipped := 0, 0
	check := func(what string, analytic float64, at func(step float32) float64) {
		diff := func(h float32) float64 { return (at(h) - at(-h)) / (2 * float64(h)) }
		const h = 1e-3
		num, half := diff(h), diff(h/2)
		tol := 3e-2*math.Abs(num) + 2e-3*scale
		if math.Abs(num-half) > tol {
			t.Logf("%s: differences at h %.6g and h/2 %.6g disagree (a leaky ReLU kink within h): skipped", what, num, half)
			skipped++
			return
		}
		checked++
		if math.Abs(num-analytic) > tol {
			t.Errorf("%s: double backward %.6g, differences %.6g", what, analytic, num)
		}
	}
	base := x0.ToHost()
	for _, j := range rng.Perm(len(base))[:10] {
		check(fmt.Sprintf("pixel %d", j), float64(dx[j]), func(step float32) float64 {
			moved := slices.Clone(base)
			moved[j] += step
			return sAt(moved)
		})
	}
	for k, p := range params {
		if dp[k] == nil { // S does not depend on it (a batch norm's β: the gradient of D does not)
			dp[k] = make([]float32, p.Size())
		}
		largest := 0
		for j, v := range dp[k] {
			if math.Abs(float64(v)) > math.Abs(float64(dp[k][largest])) {
				largest = j
			}
		}
		for _, j := range []int{largest, rng.IntN(p.Size())} {
			w := p.ToHost()
			check(fmt.Sprintf("%s[%d]", p.Name, j), float64(dp[k][j]), func(step float32) float64 {
				moved := slices.Clone(w)
				moved[j] += step
				p.CopyFromHost(moved)
				defer p.CopyFromHost(w)
				return sAt(base)
			})
		}
	}
	t.Logf("%d coordinates checked, %d skipped at kinks; largest |∂S| %.3g", checked, skipped, scale)
	if skipped > checked/2 {
		t.Errorf("%d coordinates skipped at kinks against %d checked", skipped, checked)
	}
}
