package model

import (
	"math/rand/v2"
	"slices"
	"testing"

	"sdgan/nn"
)

// Config.GStyle: style layers with zero weights modulate nothing, so the generator draws what the same seed's
// generator without them draws (its other weights are drawn first); the gradients of the style weights and of z_I
// agree with central differences; and the option is refused where there is no DCGAN generator.
func TestGeneratorStyle(t *testing.T) {
	cfg := DefaultConfig(DCGAN, 32, 1)
	plain, _ := NewGenerator(cfg, rand.New(rand.NewPCG(4, 5)))
	cfg.GStyle = true
	g, err := NewGenerator(cfg, rand.New(rand.NewPCG(4, 5)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(6, 7))
	const n = 3
	z := flat(Uniform(rng, n, cfg.Z()))
	styled := g.(*dcganGenerator).style
	if len(styled) != 3 {
		t.Fatalf("%d style layers for a 32×32 generator, want 3 (its batch norms)", len(styled))
	}
	saved := make([][]float32, len(styled))
	for i, s := range styled {
		saved[i] = slices.Clone(s.W.CPUData())
		clear(s.W.CPUData())
	}
	if a, b := Generate(plain, cfg, z), Generate(g, cfg, z); !slices.Equal(flat(a), flat(b)) {
		t.Error("with zero style weights the generator draws other images than the one without style layers")
	}
	for i, s := range styled {
		copy(s.W.CPUData(), saved[i])
	}
	if a, b := Generate(plain, cfg, z), Generate(g, cfg, z); slices.Equal(flat(a), flat(b)) {
		t.Error("the style weights change nothing")
	}

	r := make([]float32, n*cfg.ImageSize()) // L = Σ r·G(z)
	for i := range r {
		r[i] = float32(2*rng.Float64() - 1)
	}
	// Inference-mode batch norm keeps the images independent, as the finite differences assume.
	loss := func() float64 {
		var s float64
		for i, v := range flat(Generate(g, cfg, z)) {
			s += float64(v) * float64(r[i])
		}
		return s
	}
	tp := nn.NewTape()
	zt := tp.Input(z, n, cfg.Z())
	zt.SetRequiresGrad(true)
	x := g.Forward(zt, false)
	tp.Backward(nn.Sum(nn.Mul(x, tp.Input(r, x.Shape...))))
	check := func(what string, values []float32, grad []float32, idx []int) {
		t.Helper()
		for _, i := range idx {
			if num := centralDiff(values, i, loss); !generatorGradOK(grad[i], num) {
				t.Errorf("d L / d %s[%d]: backward %g, finite differences %g", what, i, grad[i], num)
			}
		}
	}
	for li, s := range styled {
		w := s.W.CPUData()
		check("style"+string(rune('0'+li)), w, s.W.GradToHost(), []int{0, 7, len(w) / 2, len(w) - 1})
	}
	zg := zt.GradToHost()
	check("z", z, zg, []int{0, 1, cfg.DI - 1, cfg.DI, cfg.Z() + 3, len(z) - 1})

	began := DefaultConfig(BEGAN, 32, 1)
	began.GStyle = true
	if err := began.Validate(); err == nil || !contains(err.Error(), "g_style") {
		t.Errorf("SD-BEGAN with g_style: %v, want an error naming g_style", err)
	}
}

// Config.GWidth: 1 is the generator of 0 (checkpoints from before the option), 2 doubles every channel count but
// the image's, and widths out of range or on SD-BEGAN are refused by name.
func TestGeneratorWidth(t *testing.T) {
	cfg := DefaultConfig(DCGAN, 32, 1)
	z := flat(Uniform(rand.New(rand.NewPCG(8, 9)), 2, cfg.Z()))
	g0, _ := NewGenerator(cfg, rand.New(rand.NewPCG(4, 5)))
	cfg.GWidth = 1
	g1, _ := NewGenerator(cfg, rand.New(rand.NewPCG(4, 5)))
	if !slices.Equal(flat(Generate(g0, cfg, z)), flat(Generate(g1, cfg, z))) {
		t.Error("g_width 1 draws other images than g_width 0")
	}
	cfg.GWidth = 2
	if got, want := dcganGenChannels(cfg), []int{512, 256, 128, 1}; !slices.Equal(got, want) {
		t.Errorf("g_width 2 at 32×32: channels %v, want %v", got, want)
	}
	g2, err := NewGenerator(cfg, rand.New(rand.NewPCG(4, 5)))
	if err != nil {
		t.Fatal(err)
	}
	if imgs := Generate(g2, cfg, z); len(imgs) != 2 || len(imgs[0]) != cfg.ImageSize() {
		t.Errorf("g_width 2 draws %d images of %d values, want 2 of %d", len(imgs), len(imgs[0]), cfg.ImageSize())
	}
	checkWidthRefused(t, "g_width", func(c *Config, w int) { c.GWidth = w })
}

// Config.DWidth: 1 is the discriminator of 0 (checkpoints from before the option), 2 doubles every channel count
// but the image's, and widths out of range or on SD-BEGAN are refused by name.
func TestDiscriminatorWidth(t *testing.T) {
	cfg := DefaultConfig(DCGAN, 32, 1)
	x := nn.FromData(flat(Uniform(rand.New(rand.NewPCG(8, 9)), 2*cfg.K, cfg.ImageSize())), 2*cfg.K, cfg.Res, cfg.Res, cfg.Channels)
	logits := func(c Config) []float32 {
		d, err := NewDiscriminator(c, rand.New(rand.NewPCG(4, 5)))
		if err != nil {
			t.Fatal(err)
		}
		return d.Forward(x, false).ToHost()
	}
	l0 := logits(cfg)
	cfg.DWidth = 1
	if l1 := logits(cfg); !slices.Equal(l0, l1) {
		t.Errorf("d_width 1 judges %v, d_width 0 %v", l1, l0)
	}
	cfg.DWidth = 2
	if got, want := cfg.dcganDiscChannels(), []int{1, 128, 256, 512}; !slices.Equal(got, want) {
		t.Errorf("d_width 2 at 32×32: channels %v, want %v", got, want)
	}
	if l2 := logits(cfg); len(l2) != 2 || slices.Equal(l2, l0) {
		t.Errorf("d_width 2 judges %v; want 2 logits, other than d_width 1's %v", l2, l0)
	}
	checkWidthRefused(t, "d_width", func(c *Config, w int) { c.DWidth = w })
}

// checkWidthRefused checks that Validate refuses, naming field, a width out of range and a width on SD-BEGAN, with
// set putting the width into a Config.
func checkWidthRefused(t *testing.T, field string, set func(*Config, int)) {
	t.Helper()
	for _, tc := range []struct {
		arch  string
		width int
	}{{DCGAN, -1}, {DCGAN, MaxWidth + 1}, {BEGAN, 2}} {
		c := DefaultConfig(tc.arch, 32, 1)
		set(&c, tc.width)
		if err := c.Validate(); err == nil || !contains(err.Error(), field) {
			t.Errorf("%s with %s %d: %v, want an error naming %s", tc.arch, field, tc.width, err, field)
		}
	}
}
