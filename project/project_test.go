package project

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"sdgan/model"
	"sdgan/nn"
	"sdgan/verify"
)

// tinyBEGAN is a small SD-BEGAN generator (no batch norm: its forward pass is smooth) with random weights.
func tinyBEGAN(t *testing.T) (model.Generator, model.Config) {
	t.Helper()
	cfg := model.DefaultConfig(model.BEGAN, 32, 1)
	cfg.Filters, cfg.Hidden, cfg.DI, cfg.DO = 4, 8, 3, 2
	g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return g, cfg
}

// The learning rate ramps up over the first 5%, stays at its peak, and falls as a half cosine over the last 25%;
// the noise decays quadratically to 0 at 75% of the steps.
func TestSchedules(t *testing.T) {
	for _, tc := range []struct{ t, want float64 }{
		{0, 0}, {0.025, 0.05}, {0.05, 0.1}, {0.5, 0.1}, {0.75, 0.1}, {0.875, 0.05}, {1, 0},
	} {
		if got := LearningRate(0.1, tc.t, 0.05, 0.25); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LearningRate at t = %g: %g, want %g", tc.t, got, tc.want)
		}
	}
	for _, tc := range []struct{ t, want float64 }{
		{0, 0.05 / math.Sqrt(3)}, {0.375, 0.05 / math.Sqrt(3) / 4}, {0.75, 0}, {0.9, 0},
	} {
		if got := NoiseScale(0.05, tc.t, 0.75); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("NoiseScale at t = %g: %g, want %g", tc.t, got, tc.want)
		}
	}
}

func TestParseLoss(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Spec
		err  string
	}{
		{"l2", Spec{Pixel: PixelL2, PixelWeight: 1}, ""},
		{" l1 + 0.5*verifier", Spec{Pixel: PixelL1, PixelWeight: 1, Features: FeaturesVerifier, FeatureWeight: 0.5}, ""},
		{"d", Spec{Features: FeaturesD, FeatureWeight: 1}, ""},
		{"l2+0.05*pair", Spec{Pixel: PixelL2, PixelWeight: 1, PairWeight: 0.05}, ""},
		{"pair+2*pair", Spec{}, "pair twice"},
		{"l2+0.1*pair+spread", Spec{Pixel: PixelL2, PixelWeight: 1, PairWeight: 0.1, SpreadWeight: 1}, ""},
		{"l2+spread", Spec{}, "use it with pair"},
		{"l2+pair+spread+spread", Spec{}, "spread twice"},
		{"", Spec{}, "empty"},
		{"l2+l1", Spec{}, "two pixel terms"},
		{"d+verifier", Spec{}, "two feature terms"},
		{"lpips", Spec{}, `unknown term "lpips"`},
		{"-1*l2", Spec{}, "weight"},
		{"NaN*l2", Spec{}, "weight"},
	} {
		got, err := ParseLoss(tc.text)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseLoss(%q): error %v; want one saying %q", tc.text, err, tc.err)
			}
			continue
		}
		tc.want.Text = tc.text
		if err != nil || got != tc.want {
			t.Errorf("ParseLoss(%q) = %+v, %v; want %+v", tc.text, got, err, tc.want)
		}
	}
}

// The gradients handed to Adam are those of each start's loss with respect to its codes, z_I's summed over the
// images that share it: checked against central differences, for a pixel loss and for a feature loss.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	g, cfg := tinyBEGAN(t)
	for _, p := range g.Params() {
		p.SetRequiresGrad(false)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	targets := model.GenerateGrid(g, cfg, model.Uniform(rng, 1, cfg.DI), model.Uniform(rng, 2, cfg.DO))
	vnet, err := verify.NewNet(verify.DefaultConfig(32, 1), rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	features, err := Spec{Text: "l2+verifier", Pixel: PixelL2, PixelWeight: 1, Features: FeaturesVerifier, FeatureWeight: 0.3}.
		Build(cfg, nil, &verify.Verifier{Net: vnet})
	if err != nil {
		t.Fatal(err)
	}
	for _, loss := range []Loss{{Name: "l2", Pixel: PixelL2, PixelWeight: 1}, features} {
		t.Run(loss.Name, func(t *testing.T) {
			p := &projector{g: g, cfg: cfg, loss: loss, n: 2, rng: rand.New(rand.NewPCG(1, 1))}
			if err := p.setTargets(targets); err != nil {
				t.Fatal(err)
			}
			starts := []codes{p.randomCodes(), p.randomCodes()}
			_, grads, err := p.gradients(nn.NewTape(), starts, 0)
			if err != nil {
				t.Fatal(err)
			}
			const h = 3e-3 // small: the verifier's leaky ReLUs have kinks
			for k := range starts {
				flat := append(append([]*float64{}, ptrs(starts[k].zi)...), ptrs(starts[k].zo[0])...)
				flat = append(flat, ptrs(starts[k].zo[1])...)
				for j, x := range flat {
					fd := centralDifference(t, p, starts, k, x, h, func() {})
					if d := math.Abs(fd - grads[k][j]); d > 0.05*math.Abs(fd)+2e-4 {
						t.Errorf("start %d, code value %d: gradient %g, finite difference %g", k, j, grads[k][j], fd)
					}
				}
			}
		})
	}
}

// The identity terms' gradients reach z_I through the new views: checked against central differences, once with
// the pair term dominating the loss and once with the spread term (its τ raised so that its hinge is active), so
// that a gradient missing either would fail; and each term raises the loss it is added to.
func TestPairGradients(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	cfg.DI, cfg.DO = 3, 2
	g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(11, 12)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.NewDiscriminator(cfg, rand.New(rand.NewPCG(13, 14)))
	if err != nil {
		t.Fatal(err)
	}
	freeze(g.Params())
	rng := rand.New(rand.NewPCG(15, 16))
	targets := model.GenerateGrid(g, cfg, model.Uniform(rng, 1, cfg.DI), model.Uniform(rng, 3, cfg.DO))
	// A random discriminator's logits barely move with z_I: its weights ×3 (every layer's, so the logits' slope
	// grows by 3 per layer) make the pair term dominate the loss, so that a gradient missing it would fail.
	for _, w := range d.Params() {
		v := w.ToHost()
		for i := range v {
			v[i] *= 3
		}
		w.CopyFromHost(v)
	}
	typical := typicalSpread(g, cfg, rand.New(rand.NewPCG(19, 20)))
	if !(typical > 1e-4) {
		t.Fatalf("typical spread %g: a random generator's views should differ", typical)
	}
	for _, tc := range []struct {
		name string
		spec Spec
		off  func(*Loss) // removes the term under test
	}{
		{"pair", Spec{Text: "0.001*l2+pair", Pixel: PixelL2, PixelWeight: 0.001, PairWeight: 1}, func(l *Loss) { l.PairWeight = 0 }},
		{"spread", Spec{Text: "0.001*l2+0.001*pair+spread", Pixel: PixelL2, PixelWeight: 0.001, PairWeight: 0.001, SpreadWeight: 1},
			func(l *Loss) { l.SpreadWeight = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loss, err := tc.spec.Build(cfg, d, nil)
			if err != nil {
				t.Fatal(err)
			}
			// τ at 10× the typical spread keeps the spread term's hinge open at any z_I.
			p := &projector{g: g, cfg: cfg, loss: loss, n: 3, tau: 10 * typical}
			if err := p.setTargets(targets); err != nil {
				t.Fatal(err)
			}
			reseed := func() { p.rng = rand.New(rand.NewPCG(17, 18)) }
			reseed()
			starts := []codes{p.randomCodes(), p.randomCodes()}
			reseed()
			_, grads, err := p.gradients(nn.NewTape(), starts, 0)
			if err != nil {
				t.Fatal(err)
			}
			const h = 1e-3
			for k := range starts {
				for j, x := range ptrs(starts[k].zi) { // z_I: where the identity terms act
					fd := centralDifference(t, p, starts, k, x, h, reseed)
					if diff := math.Abs(fd - grads[k][j]); diff > 0.05*math.Abs(fd)+2e-4 {
						t.Errorf("start %d, z_I value %d: gradient %g, finite difference %g", k, j, grads[k][j], fd)
					}
				}
			}
			reseed()
			with, err := p.evalLosses(starts)
			if err != nil {
				t.Fatal(err)
			}
			tc.off(&p.loss)
			reseed()
			without, err := p.evalLosses(starts)
			if err != nil {
				t.Fatal(err)
			}
			if !(with[0] > without[0]+1e-3) {
				t.Errorf("with %s the loss is %g, not above %g without it (the term is positive here)", tc.name, with[0], without[0])
			}
		})
	}
}

// The spread of identical views is 0, and views that are constants 0, 1, 2, 3 have pairs 1, 2, 3, 1, 2, 1 apart:
// spreadOf averages the pairs' mean L1 distances.
func TestSpreadOf(t *testing.T) {
	const v, size = 4, 5
	views := make([]float32, 0, 2*v*size)
	for range v { // identity 0: copies
		views = append(views, 0.1, -0.2, 0.3, 0.4, -0.5)
	}
	for i := range v { // identity 1: view i is i everywhere, so the pairs' distances are 1, 2, 3, 1, 2, 1
		for range size {
			views = append(views, float32(i))
		}
	}
	got := spreadOf(nn.FromData(views, 2, v, size)).ToHost()
	if want := []float32{0, 10.0 / 6}; math.Abs(float64(got[0]-want[0])) > 1e-6 || math.Abs(float64(got[1]-want[1])) > 1e-5 {
		t.Errorf("spreadOf = %v; want %v", got, want)
	}
}

// addWithin scores every pair of one identity's images: identical images 1, and three images three pairs.
func TestAddWithin(t *testing.T) {
	_, cfg := tinyBEGAN(t)
	rng := rand.New(rand.NewPCG(21, 22))
	a, b := make([]float32, cfg.ImageSize()), make([]float32, cfg.ImageSize())
	for i := range a {
		a[i], b[i] = float32(2*rng.Float64()-1), float32(2*rng.Float64()-1)
	}
	var s scores
	if err := s.addWithin([][]float32{a, a}, cfg); err != nil {
		t.Fatal(err)
	}
	if len(s.within) != 1 || math.Abs(s.within[0]-1) > 1e-9 {
		t.Fatalf("two identical images: %v, want [1]", s.within)
	}
	s = scores{}
	if err := s.addWithin([][]float32{a, b, a}, cfg); err != nil {
		t.Fatal(err)
	}
	ab, _, err := Quality(a, b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{ab, 1, ab}; len(s.within) != 3 || math.Abs(s.within[0]-want[0]) > 1e-9 || math.Abs(s.within[1]-1) > 1e-9 || !(ab < 0.5) {
		t.Errorf("images a, b, a: %v, want %v (noise images far apart)", s.within, want)
	}
}

// centralDifference returns (L_k(x + h) − L_k(x − h)) / 2h for start k's loss L_k, x one of the starts' codes,
// calling before ahead of each evaluation (to reseed the new views' draws); x is left as it was.
func centralDifference(t *testing.T, p *projector, starts []codes, k int, x *float64, h float64, before func()) float64 {
	t.Helper()
	old := *x
	defer func() { *x = old }()
	at := func(v float64) float64 {
		*x = v
		before()
		l, err := p.evalLosses(starts)
		if err != nil {
			t.Fatal(err)
		}
		return l[k]
	}
	return (at(old+h) - at(old-h)) / (2 * h)
}

func ptrs(v []float64) []*float64 {
	out := make([]*float64, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return out
}

// Projecting a generator's own images brings them back: the loss falls far below the best start's, the codes stay
// in [−1, 1], the result's images are the generator's images of its codes, and the same seed gives the same codes.
func TestProjectRecoversGeneratedImages(t *testing.T) {
	g, cfg := tinyBEGAN(t)
	rng := rand.New(rand.NewPCG(7, 8))
	targets := model.GenerateGrid(g, cfg, model.Uniform(rng, 1, cfg.DI), model.Uniform(rng, 3, cfg.DO))
	o := Defaults()
	o.Steps, o.Starts = 150, 2
	var first, last float64
	o.Progress = func(step, steps int, loss float64) {
		if step == 1 {
			first = loss
		}
		last = loss
	}
	r, err := Project(context.Background(), g, cfg, targets, Loss{Name: "l2", Pixel: PixelL2, PixelWeight: 1}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !(last < first/20) || !(r.Loss < first/20) {
		t.Errorf("loss from %g to %g (result %g); want it 20 times lower", first, last, r.Loss)
	}
	if len(r.ZI) != cfg.DI || len(r.ZO) != 3 || len(r.Images) != 3 || len(r.Losses) != 2 {
		t.Fatalf("result sizes: zi %d, zo %d, images %d, losses %d", len(r.ZI), len(r.ZO), len(r.Images), len(r.Losses))
	}
	for _, v := range append(append([]float32(nil), r.ZI...), r.ZO[0]...) {
		if v < -1 || v > 1 {
			t.Fatalf("code value %g outside [−1, 1] with clamping", v)
		}
	}
	again := model.GenerateGrid(g, cfg, [][]float32{r.ZI}, r.ZO)
	for i := range again {
		ms, psnr, err := Quality(targets[i], r.Images[i], cfg)
		if err != nil {
			t.Fatal(err)
		}
		if ms < 0.9 || psnr < 25 {
			t.Errorf("image %d: MS-SSIM %.4f, PSNR %.1f dB; want ≥ 0.9 and ≥ 25 dB", i, ms, psnr)
		}
		for j, v := range again[i] {
			if v != r.Images[i][j] {
				t.Fatalf("result image %d differs from G of its codes at %d", i, j)
			}
		}
	}
	o.Progress = nil
	r2, err := Project(context.Background(), g, cfg, targets, Loss{Name: "l2", Pixel: PixelL2, PixelWeight: 1}, o)
	if err != nil {
		t.Fatal(err)
	}
	for j := range r.ZI {
		if r.ZI[j] != r2.ZI[j] {
			t.Fatal("two projections with the same seed found different codes")
		}
	}
}

func TestProjectRefuses(t *testing.T) {
	g, cfg := tinyBEGAN(t)
	img := make([]float32, cfg.ImageSize())
	l2 := Loss{Pixel: PixelL2, PixelWeight: 1}
	ac := model.DefaultConfig(model.ACGAN, 32, 1)
	ac.Classes = 3
	acg, err := model.NewGenerator(ac, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	bad := Defaults()
	bad.Steps = 0
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"no images", func() error { _, err := Project(context.Background(), g, cfg, nil, l2, Defaults()); return err }, "no images"},
		{"wrong size", func() error {
			_, err := Project(context.Background(), g, cfg, [][]float32{img[:10]}, l2, Defaults())
			return err
		}, "has 10 values"},
		{"no loss term", func() error {
			_, err := Project(context.Background(), g, cfg, [][]float32{img}, Loss{}, Defaults())
			return err
		}, "neither"},
		{"AC-DCGAN", func() error {
			_, err := Project(context.Background(), acg, ac, [][]float32{make([]float32, ac.ImageSize())}, l2, Defaults())
			return err
		}, "AC-DCGAN"},
		{"options", func() error { _, err := Project(context.Background(), g, cfg, [][]float32{img}, l2, bad); return err }, "steps 0"},
		{"cancelled", func() error {
			_, err := Project(cancelled, g, cfg, [][]float32{img}, l2, Defaults())
			if !errors.Is(err, context.Canceled) {
				return errors.New("not context.Canceled: " + err.Error())
			}
			return err
		}, "canceled"},
	} {
		err := tc.run()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; want one saying %q", tc.name, err, tc.want)
		}
	}
	// A verifier for other images is a channel mismatch, refused by name.
	vnet, err := verify.NewNet(verify.DefaultConfig(32, 3), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Spec{Features: FeaturesVerifier, FeatureWeight: 1}).Build(cfg, nil, &verify.Verifier{Net: vnet}); err == nil || !strings.Contains(err.Error(), "channel") {
		t.Errorf("a colour verifier for a grey model: error %v", err)
	}
	if _, err := (Spec{Features: FeaturesD, FeatureWeight: 1}).Build(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "discriminator") {
		t.Errorf("--loss d without a discriminator: error %v", err)
	}
	if _, err := (Spec{Pixel: PixelL2, PixelWeight: 1, PairWeight: 1}).Build(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "needs the discriminator") {
		t.Errorf("--loss l2+pair without a discriminator: error %v", err)
	}
	bd, err := model.NewDiscriminator(cfg, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Spec{Pixel: PixelL2, PixelWeight: 1, PairWeight: 1}).Build(cfg, bd, nil); err == nil || !strings.Contains(err.Error(), "SD-DCGAN discriminator") {
		t.Errorf("--loss l2+pair on SD-BEGAN: error %v", err)
	}
}
