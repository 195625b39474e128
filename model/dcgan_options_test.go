package model

import (
	"math"
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
	for _, c := range []Config{DefaultConfig(DCGAN, 32, 1), DefaultConfig(BEGAN, 32, 1), DefaultConfig(ACGAN, 32, 1)} {
		c.Compare, c.Siamese = true, false
		if c.Arch == ACGAN {
			c.Classes = 10
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "d_compare") {
			t.Errorf("%s (not Siamese) with d_compare: error %v, want one naming d_compare", c.Arch, err)
		}
	}
}

// The comparison map is what its doc says: for a tuple of identical images it is zero, so the discriminator's
// output is the one with the map's weights dropped; and it changes the output of a tuple whose images differ.
func TestDiscriminatorCompare(t *testing.T) {
	cfg := DefaultConfig(DCGAN, 32, 1)
	cfg.DNorm = NormNone // batch statistics would mix the tuples
	with := cfg
	with.Compare = true
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(5, 6)) }
	plain, dc := newDCGANDiscriminator(cfg, rng()), newDCGANDiscriminator(with, rng())
	for i, p := range plain.Params() { // dc's weights where the shapes agree (all but the merge's)
		if q := dc.Params()[i]; slices.Equal(p.Shape, q.Shape) {
			p.CopyFromHost(q.ToHost())
		}
	}
	// The merge weights [3, 3, 2c + c, c] of dc: the first 2c input channels into plain's.
	c := plain.merge.W.Dim(3)
	pw, cw := plain.merge.W.ToHost(), dc.merge.W.ToHost()
	for pos := range 9 {
		for in := range 2 * c {
			copy(pw[(pos*2*c+in)*c:(pos*2*c+in+1)*c], cw[(pos*3*c+in)*c:(pos*3*c+in+1)*c])
		}
	}
	plain.merge.W.CopyFromHost(pw)
	img := nn.New(1, 32, 32, 1)
	nn.InitUniform(rand.New(rand.NewPCG(7, 8)), -1, 1, img)
	other := nn.New(1, 32, 32, 1)
	nn.InitUniform(rand.New(rand.NewPCG(9, 10)), -1, 1, other)
	same := nn.Concat(0, img, img)
	if a, b := plain.Forward(same, false).Item(), dc.Forward(same, false).Item(); math.Abs(float64(a-b)) > 1e-4*(1+math.Abs(float64(a))) {
		t.Errorf("identical images: %g with the comparison map, %g without; want equal (the map is 0)", b, a)
	}
	diff := nn.Concat(0, img, other)
	if a, b := plain.Forward(diff, false).Item(), dc.Forward(diff, false).Item(); math.Abs(float64(a-b)) < 1e-4 {
		t.Errorf("different images: %g with the comparison map, %g without; want them to differ", b, a)
	}
}
