package model

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sdgan/nn"
	"sdgan/safetensors"
)

// acConfig is a small AC-DCGAN config: 32×32 grey, 5 identity labels, d_I 4, d_O 3.
func acConfig() Config {
	c := DefaultConfig(ACGAN, 32, 1)
	c.Classes, c.DI, c.DO = 5, 4, 3
	return c
}

// The AC-DCGAN networks: sizes as computed, the generator SD-DCGAN's plus the label table, the discriminator's
// output [n, 1 + classes] for n single images, and a backward pass from both reaching every parameter.
func TestACGANNetworks(t *testing.T) {
	for _, res := range []int{32, 64} {
		for _, mod := range []func(*Config){func(*Config) {}, func(c *Config) { c.DNorm, c.SpectralNorm = NormNone, true }} {
			cfg := acConfig()
			cfg.Res = res
			mod(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			g, err := NewGenerator(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			d, err := NewDiscriminator(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			if n := Count(g.Params()) + Count(g.Buffers()); cfg.GeneratorSize() != int64(n) {
				t.Errorf("%+v: GeneratorSize %d, the network holds %d", cfg, cfg.GeneratorSize(), n)
			}
			if n := Count(d.Params()) + Count(d.Buffers()); cfg.DiscriminatorSize() != int64(n) {
				t.Errorf("%+v: DiscriminatorSize %d, the network holds %d", cfg, cfg.DiscriminatorSize(), n)
			}
			sd := cfg
			sd.Arch, sd.Classes, sd.Siamese = DCGAN, 0, true
			if got, want := cfg.GeneratorSize(), sd.GeneratorSize()+int64(cfg.Classes*cfg.DI); got != want {
				t.Errorf("AC-DCGAN generator %d values, want SD-DCGAN's plus the table, %d", got, want)
			}
			c, ok := g.(Conditional)
			if !ok {
				t.Fatal("the AC-DCGAN generator is not Conditional")
			}
			n := 3
			tp := nn.NewTape()
			onehot := make([]float32, n*cfg.Classes)
			OneHot([]int{4, 0, 4}, cfg.Classes, onehot)
			zo := tp.Input(flat(Uniform(rng, n, cfg.DO)), n, cfg.DO)
			x := c.ForwardLabels(tp.Input(onehot, n, cfg.Classes), zo, true)
			if want := []int{n, res, res, 1}; !slices.Equal(x.Shape, want) {
				t.Fatalf("generator output %v, want %v", x.Shape, want)
			}
			y := d.Forward(x, true)
			if want := []int{n, 1 + cfg.Classes}; !slices.Equal(y.Shape, want) {
				t.Fatalf("discriminator output %v, want %v", y.Shape, want)
			}
			tp.Backward(nn.Mean(y))
			for _, p := range append(g.Params(), d.Params()...) {
				if !p.HasGrad() {
					t.Errorf("no gradient reached %s", p.Name)
				}
			}
			if rows := c.LabelTable().GradToHost(); rows[cfg.DI] != 0 || rows[4*cfg.DI] == 0 { // labels 1 to 3 were not used
				t.Errorf("table gradient %v: want zero rows for unused labels, non-zero for used ones", rows)
			}
		}
	}
}

// Labels reach the generator: the gradient of an image loss with respect to the label table, through the one-hot
// product and the whole generator, matches central finite differences; and the label changes the image.
func TestACGANGradientThroughLabelTable(t *testing.T) {
	cfg := acConfig()
	rng := rand.New(rand.NewPCG(2, 3))
	g, _ := NewGenerator(cfg, rng)
	c := g.(Conditional)
	labels := []int{2, 0, 2, 3}
	n := len(labels)
	onehot := make([]float32, n*cfg.Classes)
	OneHot(labels, cfg.Classes, onehot)
	zo := flat(Uniform(rng, n, cfg.DO))
	r := make([]float32, n*cfg.ImageSize()) // L = Σ r·G(labels, zo): every pixel counts
	for i := range r {
		r[i] = float32(2*rng.Float64() - 1)
	}
	// Inference-mode batch norm (running averages) keeps the images of a batch independent, as the finite
	// differences assume nothing else; training mode is covered by TestACGANNetworks' backward pass.
	loss := func(tp *nn.Tape) (*nn.Tensor, float64) {
		var x *nn.Tensor
		if tp != nil {
			x = c.ForwardLabels(tp.Input(onehot, n, cfg.Classes), tp.Input(zo, n, cfg.DO), false)
		} else {
			x = c.ForwardLabels(nn.FromData(onehot, n, cfg.Classes), nn.FromData(zo, n, cfg.DO), false)
		}
		var s float64
		for i, v := range x.ToHost() {
			s += float64(v) * float64(r[i])
		}
		return x, s
	}
	tp := nn.NewTape()
	x, _ := loss(tp)
	tp.Backward(nn.Sum(nn.Mul(x, tp.Input(r, x.Shape...))))
	table := c.LabelTable()
	grad := table.GradToHost()
	values := table.CPUData() // the table's own values, changed in place for the finite differences
	checked := 0
	for label := range cfg.Classes {
		for j := range cfg.DI {
			i := label*cfg.DI + j
			num := centralDiff(values, i, func() float64 { _, l := loss(nil); return l })
			if !generatorGradOK(grad[i], num) {
				t.Errorf("d L / d table[%d][%d]: backward %g, finite differences %g", label, j, grad[i], num)
			}
			if used := slices.Contains(labels, label); used != (num != 0) {
				t.Errorf("label %d used %v but finite-difference gradient %g", label, used, num)
			}
			checked++
		}
	}
	if checked != cfg.Classes*cfg.DI {
		t.Fatalf("checked %d table entries", checked)
	}
	// Exactly: the table's gradient is the sum, over the images of each label, of the gradient that the same
	// loss gives the generator's input z_I when the rows are fed as plain codes.
	tp = nn.NewTape()
	z := tp.Input(flat(LabelCodes(g, labels)), n, cfg.DI)
	z.SetRequiresGrad(true)
	x = g.Forward(nn.Concat(1, z, tp.Input(zo, n, cfg.DO)), false)
	tp.Backward(nn.Sum(nn.Mul(x, tp.Input(r, x.Shape...))))
	zGrad := z.GradToHost()
	want := make([]float64, len(grad))
	for i, l := range labels {
		for j := range cfg.DI {
			want[l*cfg.DI+j] += float64(zGrad[i*cfg.DI+j])
		}
	}
	for i := range want {
		if math.Abs(want[i]-float64(grad[i])) > 1e-6+1e-4*math.Abs(want[i]) {
			t.Errorf("table gradient [%d]: %g; the gradients of its rows as inputs sum to %g", i, grad[i], want[i])
		}
	}
	// Another label, same z_O: another image.
	a := Generate(g, cfg, append(LabelCodes(g, []int{0})[0], zo[:cfg.DO]...))[0]
	b := Generate(g, cfg, append(LabelCodes(g, []int{1})[0], zo[:cfg.DO]...))[0]
	if slices.Equal(a, b) {
		t.Error("labels 0 and 1 with the same z_O give the same image")
	}
}

// IdentityCodes is SD-GAN's prior for SD-GAN generators (the very values Uniform draws) and table rows of distinct
// labels for AC-DCGAN; PairCodes keeps a label within a same pair and two different labels across a different pair.
func TestIdentityCodesPerArchitecture(t *testing.T) {
	sd := DefaultConfig(DCGAN, 32, 1)
	sdG, _ := NewGenerator(sd, rand.New(rand.NewPCG(1, 1)))
	codes, labels := IdentityCodes(rand.New(rand.NewPCG(5, 6)), sdG, sd, 3)
	if want := Uniform(rand.New(rand.NewPCG(5, 6)), 3, sd.DI); labels != nil || !slices.EqualFunc(codes, want, slices.Equal) {
		t.Error("SD-GAN identity codes are not Uniform's draws")
	}
	full, _ := RandomCodes(rand.New(rand.NewPCG(5, 6)), sdG, sd, 4)
	if want := Uniform(rand.New(rand.NewPCG(5, 6)), 4, sd.Z()); !slices.EqualFunc(full, want, slices.Equal) {
		t.Error("SD-GAN full codes are not Uniform's draws")
	}

	cfg := acConfig()
	g, _ := NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
	table := g.(Conditional).LabelTable()
	row := func(l int) []float32 { return table.ToHost()[l*cfg.DI : (l+1)*cfg.DI] }
	codes, labels = IdentityCodes(rand.New(rand.NewPCG(7, 7)), g, cfg, cfg.Classes)
	if sorted := slices.Sorted(slices.Values(labels)); !slices.Equal(sorted, []int{0, 1, 2, 3, 4}) {
		t.Errorf("%d codes of %d labels: labels %v, want each label once", cfg.Classes, cfg.Classes, labels)
	}
	for i, l := range labels {
		if !slices.Equal(codes[i], row(l)) {
			t.Errorf("code %d is not row %d of the table", i, l)
		}
	}
	codes[0][0] = 99 // a copy: the table is untouched
	if slices.Contains(table.ToHost(), 99) {
		t.Error("IdentityCodes returned the table's own memory")
	}
	if _, labels := IdentityCodes(rand.New(rand.NewPCG(7, 7)), g, cfg, 2*cfg.Classes); len(labels) != 2*cfg.Classes {
		t.Errorf("more codes than labels: %d labels", len(labels))
	}
	n := 40
	z := PairCodes(rand.New(rand.NewPCG(8, 8)), g, cfg, n)
	d := cfg.Z()
	labelOf := func(code []float32) int {
		for l := range cfg.Classes {
			if slices.Equal(code[:cfg.DI], row(l)) {
				return l
			}
		}
		t.Fatalf("code %v is no row of the table", code)
		return -1
	}
	for i := range 2 * n {
		a, b := labelOf(z[2*i*d:]), labelOf(z[(2*i+1)*d:])
		if same := i < n; same != (a == b) {
			t.Fatalf("pair %d (same %v): labels %d and %d", i, same, a, b)
		}
	}
}

// An AC-DCGAN checkpoint keeps its identity names; a wrong count is refused naming the key; old checkpoints (no
// names) load with numbered labels.
func TestACGANCheckpointIdentities(t *testing.T) {
	cfg := acConfig()
	g, _ := NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
	dir := t.TempDir()
	names := []string{"Arial", "Bodoni", "Courier", "Didot", "Eurostile"}
	path := filepath.Join(dir, "ac.safetensors")
	ts := append(g.Params(), g.Buffers()...)
	if err := SaveCheckpoint(path, cfg, 1, ts, map[string]string{MetaIdentities: IdentitiesMeta(names)}); err != nil {
		t.Fatal(err)
	}
	loaded, c, err := LoadGenerator(path, WeightsAuto)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Identities, names) || c.LabelName(3) != "Didot" {
		t.Errorf("identities %v, label 3 %q", c.Identities, c.LabelName(3))
	}
	if !slices.Equal(loaded.(Conditional).LabelTable().ToHost(), g.(Conditional).LabelTable().ToHost()) {
		t.Error("the label table did not load")
	}
	bad := filepath.Join(dir, "bad.safetensors")
	if err := SaveCheckpoint(bad, cfg, 1, ts, map[string]string{MetaIdentities: IdentitiesMeta(names[:2])}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadGenerator(bad, WeightsAuto); err == nil || !strings.Contains(err.Error(), MetaIdentities) {
		t.Errorf("2 names for 5 labels: %v", err)
	}
	plain := filepath.Join(dir, "plain.safetensors")
	if err := SaveCheckpoint(plain, cfg, 1, ts, nil); err != nil {
		t.Fatal(err)
	}
	if _, c, err := LoadGenerator(plain, WeightsAuto); err != nil || c.Identities != nil || c.LabelName(3) != "label 3" {
		t.Errorf("no names: %v, %v, %q", err, c.Identities, c.LabelName(3))
	}
}

func TestACGANConfigChecks(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.Classes = 0 }, "classes 0: want 2 to"},
		{func(c *Config) { c.Classes = MaxClasses + 1 }, "classes"},
		{func(c *Config) { c.Siamese = true }, "siamese true"},
		{func(c *Config) { c.Filters = 8 }, "filters 8"},
	} {
		c := acConfig()
		tc.mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v; want an error containing %q", c, err, tc.want)
		}
	}
	sd := DefaultConfig(DCGAN, 32, 1)
	sd.Classes = 3
	if err := sd.Validate(); err == nil || !strings.Contains(err.Error(), "only AC-DCGAN") {
		t.Errorf("SD-DCGAN with classes: %v", err)
	}
}

// flat concatenates codes.
func flat(codes [][]float32) []float32 {
	var z []float32
	for _, c := range codes {
		z = append(z, c...)
	}
	return z
}

// Checkpoints written before AC-DCGAN (no classes in the config, no identity names) load as before, and SD-GAN
// checkpoints are still written in that very format.
func TestCheckpointsBeforeACGANStillLoad(t *testing.T) {
	const old = `{"arch":"dcgan","res":32,"channels":1,"k":2,"d_i":50,"d_o":50,"siamese":true,"bn_momentum":0.99,"bn_eps":0.001}`
	cfg := DefaultConfig(DCGAN, 32, 1)
	g, _ := NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
	path := filepath.Join(t.TempDir(), "old.safetensors")
	if err := SaveCheckpoint(path, cfg, 9, append(g.Params(), g.Buffers()...), nil); err != nil {
		t.Fatal(err)
	}
	var written string
	rewrite(t, path, func(_ map[string]safetensors.Tensor, meta map[string]string) {
		written = meta[metaConfig]
		meta[metaConfig] = old
	})
	if written != old {
		t.Errorf("an SD-DCGAN checkpoint's config is written as\n%s\nnot as before\n%s", written, old)
	}
	loaded, c, err := LoadGenerator(path, WeightsAuto)
	if err != nil {
		t.Fatal(err)
	}
	if c.Config != cfg || c.Identities != nil || c.Step != 9 {
		t.Errorf("old checkpoint: config %+v, identities %v, step %d", c.Config, c.Identities, c.Step)
	}
	if _, ok := loaded.(Conditional); ok {
		t.Error("an SD-DCGAN checkpoint loads as a conditional generator")
	}
}
