package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"sdgan/nn"
)

// The identity head estimates each image's z_I from that image alone, and ForwardInfo returns the estimates in
// the input's image order: with inference batch norm, moving images between tuples and positions moves their rows
// and nothing else. Its logits are Forward's, the other weights do not depend on the option, and gradients reach
// the head through a loss on its output.
func TestInfoHead(t *testing.T) {
	cfg := DefaultConfig(DCGAN, 32, 1)
	cfg.K, cfg.DI, cfg.InfoHead = 3, 7, true
	d, err := NewDiscriminator(cfg, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	plain := cfg
	plain.InfoHead = false
	d0, _ := NewDiscriminator(plain, rand.New(rand.NewPCG(4, 4)))
	for i, p := range d0.Params() {
		q := d.Params()[i]
		if p.Name != q.Name || !slices.Equal(p.CPUData(), q.CPUData()) {
			t.Fatalf("parameter %s differs with the identity head", p.Name)
		}
	}

	const n, k, size = 2, 3, 32 * 32
	rng := rand.New(rand.NewPCG(5, 5))
	x := make([]float32, n*k*size)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	id := d.(InfoDiscriminator)
	logits, zi := id.ForwardInfo(nn.FromData(x, n*k, 32, 32, 1), false)
	if want := d.Forward(nn.FromData(x, n*k, 32, 32, 1), false); !slices.Equal(logits.CPUData(), want.CPUData()) {
		t.Errorf("ForwardInfo's logits %v, Forward's %v", logits.CPUData(), want.CPUData())
	}
	if zi.Dim(0) != n*k || zi.Dim(1) != cfg.DI {
		t.Fatalf("identity estimates %v, want [%d %d]", zi.Shape, n*k, cfg.DI)
	}
	perm := []int{4, 3, 5, 1, 0, 2} // image i of the new batch is image perm[i] of x
	y := make([]float32, len(x))
	for i, j := range perm {
		copy(y[i*size:(i+1)*size], x[j*size:(j+1)*size])
	}
	_, zj := id.ForwardInfo(nn.FromData(y, n*k, 32, 32, 1), false)
	for i, j := range perm {
		a, b := zj.CPUData()[i*cfg.DI:(i+1)*cfg.DI], zi.CPUData()[j*cfg.DI:(j+1)*cfg.DI]
		for c := range a {
			if math.Abs(float64(a[c]-b[c])) > 1e-5*(1+math.Abs(float64(b[c]))) {
				t.Fatalf("image %d moved to %d: estimate %v, was %v", j, i, a, b)
			}
		}
	}

	tp := nn.NewTape()
	xt := tp.Input(x, n*k, 32, 32, 1)
	_, zt := id.ForwardInfo(xt, true)
	tp.Backward(nn.Sum(nn.Mul(zt, zt)))
	for _, p := range d.Params() {
		if strings.HasPrefix(p.Name, "D/info/") && !p.HasGrad() {
			t.Errorf("%s: no gradient from a loss on the head", p.Name)
		}
	}

	for _, c := range []Config{DefaultConfig(BEGAN, 32, 1), DefaultConfig(ACGAN, 32, 1), plain} {
		c.InfoHead, c.Classes = true, map[string]int{ACGAN: 10}[c.Arch]
		c.Siamese = false // SD-DCGAN: the stacked discriminator has no per-image features
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "info_head") {
			t.Errorf("%s (siamese %v) with info_head: error %v, want one naming info_head", c.Arch, c.Siamese, err)
		}
	}
}
