package model

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"sdgan/nn"
)

func TestParameterCountsMatchReference(t *testing.T) {
	// ../shared/bench/torch_sdgan_step.py builds the same networks and has exactly these counts at 64×64×3, k = 2.
	cfg := DefaultConfig(DCGAN, 64, 3)
	rng := rand.New(rand.NewPCG(1, 1))
	g, _ := NewGenerator(cfg, rng)
	d, _ := NewDiscriminator(cfg, rng)
	if n := Count(g.Params()); n != 5_134_915 {
		t.Errorf("SD-DCGAN 64×64×3 generator has %d parameters, want 5,134,915", n)
	}
	if n := Count(d.Params()); n != 9_029_121 {
		t.Errorf("SD-DCGAN 64×64×3 k=2 discriminator has %d parameters, want 9,029,121", n)
	}
	// SD-BEGAN generator: dense 100 → 8192 and 9 convolutions, about 2.0M (SPEC).
	b, _ := NewGenerator(DefaultConfig(BEGAN, 64, 3), rng)
	if n := Count(b.Params()); n != 100*8192+8192+8*(9*128*128+128)+9*128*3+3 {
		t.Errorf("SD-BEGAN generator has %d parameters", n)
	}
}

func TestShapesForEveryVariant(t *testing.T) {
	for _, arch := range []string{DCGAN, BEGAN} {
		for _, res := range []int{32, 64} {
			for _, ch := range []int{1, 3} {
				for _, k := range []int{2, 3} {
					for _, siamese := range []bool{true, false} {
						if arch == BEGAN && (!siamese || res == 64) {
							continue // BEGAN has one layout; its 64×64 networks are slow for a unit test
						}
						cfg := DefaultConfig(arch, res, ch)
						cfg.K, cfg.Siamese = k, siamese
						if arch == BEGAN {
							cfg.Filters, cfg.Hidden, cfg.DI, cfg.DO = 8, 12, 5, 3
						}
						rng := rand.New(rand.NewPCG(2, 2))
						g, err := NewGenerator(cfg, rng)
						if err != nil {
							t.Fatal(err)
						}
						d, _ := NewDiscriminator(cfg, rng)
						tuples := 2
						z := make([]float32, tuples*k*cfg.Z())
						TupleZ(rng, cfg, tuples, z)
						tp := nn.NewTape()
						x := g.Forward(tp.Input(z, tuples*k, cfg.Z()), true)
						if want := []int{tuples * k, res, res, ch}; !slices.Equal(x.Shape, want) {
							t.Fatalf("%+v: generator output %v, want %v", cfg, x.Shape, want)
						}
						y := d.Forward(x, true)
						want := []int{tuples, 1}
						if arch == BEGAN {
							want = x.Shape
						}
						if !slices.Equal(y.Shape, want) {
							t.Fatalf("%+v: discriminator output %v, want %v", cfg, y.Shape, want)
						}
						tp.Backward(nn.Mean(y))
						for _, p := range d.Params() {
							if !p.HasGrad() {
								t.Fatalf("%+v: no gradient reached %s", cfg, p.Name)
							}
						}
						for _, p := range g.Params() {
							if !p.HasGrad() {
								t.Fatalf("%+v: no gradient reached %s", cfg, p.Name)
							}
						}
					}
				}
			}
		}
	}
}

// The tower runs once per tuple position, so the discriminator must treat the k slots symmetrically when its
// merge weights are symmetric; more simply: swapping two tuples swaps their logits (tuples do not mix outside
// batch-norm statistics, which are per position and invariant to the order of tuples).
func TestDiscriminatorTuplesAreIndependentOfOrder(t *testing.T) {
	cfg := DefaultConfig(DCGAN, 32, 1)
	rng := rand.New(rand.NewPCG(3, 3))
	d, _ := NewDiscriminator(cfg, rng)
	x := nn.New(3*2, 32, 32, 1)
	nn.InitUniform(rng, -1, 1, x)
	a := d.Forward(x, true).CPUData()
	sw := x.Clone() // swap tuples 0 and 2
	per := 2 * 32 * 32
	copy(sw.CPUData()[:per], x.CPUData()[2*per:3*per])
	copy(sw.CPUData()[2*per:3*per], x.CPUData()[:per])
	b := d.Forward(sw, true).CPUData()
	for i, j := range []int{2, 1, 0} {
		if diff := a[i] - b[j]; diff > 1e-4 || diff < -1e-4 {
			t.Fatalf("logits %v after swapping tuples 0 and 2: %v", a, b)
		}
	}
}

func TestTupleZSharesIdentityOnly(t *testing.T) {
	cfg := DefaultConfig(DCGAN, 32, 1)
	cfg.K, cfg.DI, cfg.DO = 3, 4, 5
	z := make([]float32, 2*3*9)
	TupleZ(rand.New(rand.NewPCG(4, 4)), cfg, 2, z)
	for tu := range 2 {
		base := z[tu*27 : tu*27+9]
		for j := 1; j < 3; j++ {
			img := z[tu*27+j*9 : tu*27+j*9+9]
			if !slices.Equal(img[:4], base[:4]) {
				t.Fatalf("tuple %d image %d has another z_I", tu, j)
			}
			if slices.Equal(img[4:], base[4:]) {
				t.Fatalf("tuple %d image %d repeats z_O", tu, j)
			}
		}
	}
	for _, v := range z {
		if v < -1 || v >= 1 {
			t.Fatalf("latent value %g outside [−1, 1)", v)
		}
	}
}

func TestConfigValidateNamesField(t *testing.T) {
	bad := []struct {
		mutate func(*Config)
		field  string
	}{
		{func(c *Config) { c.K = 1 }, "k 1"},
		{func(c *Config) { c.DI = 0 }, "d_i 0"},
		{func(c *Config) { c.Res = 48 }, "res 48"},
		{func(c *Config) { c.Channels = 2 }, "channels 2"},
		{func(c *Config) { c.Arch = "vae" }, "arch"},
	}
	for _, b := range bad {
		c := DefaultConfig(DCGAN, 32, 1)
		b.mutate(&c)
		if err := c.Validate(); err == nil || !contains(err.Error(), b.field) {
			t.Errorf("Validate() = %v, want an error naming %q", err, b.field)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
