package model

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"sdgan/nn"
)

// The discriminator's options: without batch norm its convolutions get biases and it has no running averages;
// with spectral norm every weight has a saved singular-vector estimate; either way a backward pass reaches every
// parameter, and the default (batch norm, no spectral norm) builds exactly the same weights as before the options.
func TestDiscriminatorOptions(t *testing.T) {
	base := DefaultConfig(DCGAN, 32, 1)
	plain, err := NewDiscriminator(base, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		norm      string
		sn        bool
		bnBuffers int // batch-norm running averages
		snBuffers int
	}{
		{"batch", NormBatch, false, 6, 0},
		{"none", NormNone, false, 0, 0},
		{"batch+sn", NormBatch, true, 6, 5},
		{"none+sn", NormNone, true, 0, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.DNorm, cfg.SpectralNorm = tc.norm, tc.sn
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			d, err := NewDiscriminator(cfg, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			var bn, sn int
			for _, b := range d.Buffers() {
				switch {
				case strings.HasSuffix(b.Name, "/sn_u"):
					sn++
				case strings.Contains(b.Name, "/bn/"):
					bn++
				default:
					t.Errorf("unexpected buffer %s", b.Name)
				}
			}
			if bn != tc.bnBuffers || sn != tc.snBuffers {
				t.Errorf("%d batch-norm and %d spectral-norm buffers, want %d and %d", bn, sn, tc.bnBuffers, tc.snBuffers)
			}
			// Weights shared with the default network are drawn identically.
			for _, p := range d.Params() {
				for _, q := range plain.Params() {
					if p.Name == q.Name && strings.HasSuffix(p.Name, "/weights") && !slices.Equal(p.CPUData(), q.CPUData()) {
						t.Errorf("%s differs from the default network's", p.Name)
					}
				}
			}
			tp := nn.NewTape()
			x0 := nn.New(3*cfg.K, 32, 32, 1)
			nn.InitUniform(rand.New(rand.NewPCG(2, 2)), -1, 1, x0)
			out := d.Forward(tp.Input(x0.CPUData(), x0.Shape...), true)
			if !slices.Equal(out.Shape, []int{3, 1}) {
				t.Fatalf("output %v, want [3 1]", out.Shape)
			}
			tp.Backward(nn.Sum(out))
			for _, p := range d.Params() {
				if !p.HasGrad() {
					t.Errorf("%s: no gradient", p.Name)
				}
				if tc.norm == NormNone && strings.Contains(p.Name, "/bn/") {
					t.Errorf("%s: a batch-norm parameter without batch norm", p.Name)
				}
			}
		})
	}
	bad := base
	bad.DNorm = "layer"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "d_norm") {
		t.Errorf("d_norm layer: error %v, want one naming d_norm", err)
	}
	began := DefaultConfig(BEGAN, 32, 1)
	began.SpectralNorm = true
	if err := began.Validate(); err == nil {
		t.Error("began with spectral_norm: no error")
	}
}
