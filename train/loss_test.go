package train

import (
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"sdgan/model"
	"sdgan/nn"
)

// Every loss of the table, on discriminator outputs real = [1.5, −2] and fake = [0.5, 3] (two tuples each):
// its value and gradients against numbers worked out by hand (softplus s(x) = log(1 + eˣ), σ the sigmoid).
func TestLossValuesAndGradients(t *testing.T) {
	for _, tc := range []struct {
		loss               string
		d, g               float64
		dReal, dFake, gFak [2]float64
	}{
		// D = ½[mean s(−real) + mean s(fake)], ∂/∂real = ¼(σ(real) − 1), ∂/∂fake = ¼σ(fake);
		// G = mean s(−fake), ∂/∂fake = ½(σ(fake) − 1).
		{LossDCGAN, 1.5877514, 0.2613322,
			[2]float64{-0.0456064, -0.2201993}, [2]float64{0.1556148, 0.2381435}, [2]float64{-0.1887703, -0.0237129}},
		// D = ½[mean (real − 1)² + mean fake²] = ½[(0.25 + 9)/2 + (0.25 + 9)/2]; G = mean (fake − 1)².
		{LossLSGAN, 4.625, 2.125, [2]float64{0.25, -1.5}, [2]float64{0.25, 1.5}, [2]float64{-0.5, 2}},
		// D = mean fake − mean real = 1.75 + 0.25; G = −mean fake.
		{LossWGAN, 2, -1.75, [2]float64{-0.5, -0.5}, [2]float64{0.5, 0.5}, [2]float64{-0.5, -0.5}},
		// D = mean max(0, 1 − real) + mean max(0, 1 + fake) = (0 + 3)/2 + (1.5 + 4)/2; G = −mean fake.
		{LossHinge, 4.25, -1.75, [2]float64{0, -0.5}, [2]float64{0.5, 0.5}, [2]float64{-0.5, -0.5}},
	} {
		t.Run(tc.loss, func(t *testing.T) {
			spec := losses[tc.loss]
			tp := nn.NewTape()
			real := tp.Input([]float32{1.5, -2}, 2, 1)
			fake := tp.Input([]float32{0.5, 3}, 2, 1)
			real.SetRequiresGrad(true)
			fake.SetRequiresGrad(true)
			ld := spec.d(real, fake)
			tp.Backward(ld)
			near := func(what string, got float32, want float64) {
				if math.Abs(float64(got)-want) > 1e-5 {
					t.Errorf("%s = %.7f, want %.7f", what, got, want)
				}
			}
			near("D loss", ld.Item(), tc.d)
			dReal, dFake := real.GradToHost(), fake.GradToHost()
			for i := range 2 {
				near("∂D/∂real", dReal[i], tc.dReal[i])
				near("∂D/∂fake", dFake[i], tc.dFake[i])
			}
			fake.ZeroGrad()
			lg := spec.g(fake)
			tp.Backward(lg)
			near("G loss", lg.Item(), tc.g)
			for i, g := range fake.GradToHost() {
				near("∂G/∂fake", g, tc.gFak[i])
			}
		})
	}
}

// The identity loss of --info on hand-computed numbers: estimates [[1, 2], [0, 0]] of codes [[0, 2], [1, 1]],
// weight 2: 2·mean((est − z)²) = 2·(1 + 0 + 1 + 1)/4 = 1.5, ∂/∂est = 2·2·(est − z)/4 = est − z.
func TestInfoLoss(t *testing.T) {
	tp := nn.NewTape()
	est := tp.Input([]float32{1, 2, 0, 0}, 2, 2)
	est.SetRequiresGrad(true)
	l := infoLoss(est, tp.Input([]float32{0, 2, 1, 1}, 2, 2), 2)
	tp.Backward(l)
	if got := l.Item(); math.Abs(float64(got)-1.5) > 1e-6 {
		t.Errorf("loss %v, want 1.5", got)
	}
	for i, want := range []float32{1, 0, -1, -1} {
		if got := est.GradToHost()[i]; math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("∂/∂est[%d] = %v, want %v", i, got, want)
		}
	}
}

// Every loss names an optimiser and positive learning rates, and only SD-BEGAN's has no objectives.
func TestLossTableIsComplete(t *testing.T) {
	for name, l := range losses {
		if (l.opt != optAdam && l.opt != optRMSProp) || l.lrG <= 0 || l.lrD <= 0 {
			t.Errorf("%s: optimiser %q, learning rates %g/%g", name, l.opt, l.lrG, l.lrD)
		}
		if (l.d == nil) != (name == LossBEGAN) || (l.g == nil) != (name == LossBEGAN) {
			t.Errorf("%s: objectives present %v/%v", name, l.d != nil, l.g != nil)
		}
		if l.opt == optAdam && (l.beta1 < 0 || l.beta2 <= 0 || l.beta2 >= 1) {
			t.Errorf("%s: Adam betas %g/%g", name, l.beta1, l.beta2)
		}
	}
}

// --adam-betas reaches both optimisers; without it they have the loss's; with an RMSProp loss it is refused.
func TestAdamBetasOption(t *testing.T) {
	ds := fixture(t, 3, 2)
	o := smallOptions(ds, model.DCGAN)
	o.Model.Channels = 1
	for _, tc := range []struct {
		betas        []float64
		want1, want2 float32
	}{{nil, 0.5, 0.999}, {[]float64{0, 0.9}, 0, 0.9}} {
		o.AdamBetas = tc.betas
		d, err := openData(o, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := newTrainer(o, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, opt := range []nn.Optimizer{tr.optG, tr.optD} {
			if a := opt.(*nn.Adam); a.Beta1 != tc.want1 || a.Beta2 != tc.want2 {
				t.Errorf("betas %v: Adam has %g, %g; want %g, %g", tc.betas, a.Beta1, a.Beta2, tc.want1, tc.want2)
			}
		}
	}
	o.Loss, o.AdamBetas = LossLSGAN, []float64{0, 0.9}
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--adam-betas") {
		t.Errorf("lsgan with --adam-betas: %v, want an error naming the flag", err)
	}
}

// --mismatch-weight: the fake term is (fakes + w·mismatched)/(1 + w). On WGAN's outputs real = [1.5, −2], fake =
// [0.5, 3], mismatched = [−1, 2] the means are −0.25, 1.75 and 0.5, so D = (1.75 + 0.5w)/(1 + w) + 0.25, with
// ∂/∂fake = ½/(1 + w), ∂/∂mismatched = ½w/(1 + w) and ∂/∂real = −½ whatever w. Weight 0 (one mean over both) is
// weight 1's value; and for every loss of the table, weight 1 is the concatenation's value.
func TestMismatchWeight(t *testing.T) {
	run := func(loss string, w float32) (d float32, gReal, gFake, gMis []float32) {
		tp := nn.NewTape()
		real := tp.Input([]float32{1.5, -2}, 2, 1)
		fake := tp.Input([]float32{0.5, 3}, 2, 1)
		mis := tp.Input([]float32{-1, 2}, 2, 1)
		for _, x := range []*nn.Tensor{real, fake, mis} {
			x.SetRequiresGrad(true)
		}
		ld := losses[loss].dMismatch(real, fake, mis, w)
		tp.Backward(ld)
		return ld.Item(), real.GradToHost(), fake.GradToHost(), mis.GradToHost()
	}
	near := func(what string, got float32, want float64) {
		t.Helper()
		if math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("%s = %.7f, want %.7f", what, got, want)
		}
	}
	for _, tc := range []struct {
		w, d, fake, mis float64
	}{
		{0, 1.375, 0.25, 0.25},
		{1, 1.375, 0.25, 0.25},
		{3, 1.0625, 0.125, 0.375},
		{0.5, 1.5833333, 1.0 / 3, 1.0 / 6},
	} {
		d, gr, gf, gm := run(LossWGAN, float32(tc.w))
		near("D", d, tc.d)
		for i := range 2 {
			near("∂D/∂real", gr[i], -0.5)
			near("∂D/∂fake", gf[i], tc.fake)
			near("∂D/∂mismatched", gm[i], tc.mis)
		}
	}
	for _, loss := range []string{LossDCGAN, LossLSGAN, LossWGAN, LossHinge, LossWGANGP} {
		d0, _, _, _ := run(loss, 0)
		d1, _, _, _ := run(loss, 1)
		near(loss+": D at weight 1", d1, float64(d0))
	}
}

// The triplet loss of --id-triplet on hand-computed numbers, and its gradient against finite differences.
// Rows (2, 0), (0, 3), (1, 0) with labels 0, 0, 1 are unit (1, 0), (0, 1), (1, 0) after normalising; squared
// distances D01 = 2, D02 = 0, D12 = 2. Both valid triplets are active, (0, 1, 2): 2 − 0 + 0.2 and (1, 0, 2):
// 2 − 2 + 0.2, so the loss is (2.2 + 0.2)/2 = 1.2, and 2.4 at weight 2.
func TestIDTriplet(t *testing.T) {
	labels := []int{0, 0, 1}
	loss := func(v []float32) (float64, []float32) {
		tp := nn.NewTape()
		est := tp.Input(v, 3, 2)
		est.SetRequiresGrad(true)
		l := idTriplet(est, labels, 2)
		tp.Backward(l)
		return float64(l.Item()), est.GradToHost()
	}
	x := []float32{2, 0, 0, 3, 1, 0}
	got, _ := loss(x)
	if math.Abs(got-2.4) > 1e-5 {
		t.Errorf("loss %v, want 2.4", got)
	}
	// Away from the normalisation's symmetric points, so that every coordinate moves the loss.
	x = []float32{2, 0.3, 0.4, 3, 1, -0.5}
	_, grad := loss(x)
	const h = 1e-3
	for i := range x {
		up, down := slices.Clone(x), slices.Clone(x)
		up[i] += h
		down[i] -= h
		lu, _ := loss(up)
		ld, _ := loss(down)
		if num := (lu - ld) / (2 * h); math.Abs(num-float64(grad[i])) > 2e-3*max(1, math.Abs(num)) {
			t.Errorf("∂/∂est[%d] = %v, finite difference %v", i, grad[i], num)
		}
	}
}
