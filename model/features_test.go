package model

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"sdgan/nn"
)

// A training checkpoint's discriminator loads and gives one feature map per convolution of its image tower (or
// SD-BEGAN's encoder), per image; a generator-only checkpoint and a non-Siamese discriminator are refused by name.
func TestDiscriminatorFeatures(t *testing.T) {
	x := nn.New(3, 32, 32, 1)
	for _, tc := range []struct {
		name  string
		cfg   func() Config
		feats int
	}{
		{"dcgan", func() Config { return DefaultConfig(DCGAN, 32, 1) }, 3},
		{"began", func() Config {
			c := DefaultConfig(BEGAN, 32, 1)
			c.Filters, c.Hidden = 4, 8
			return c
		}, 1 + 3*3 - 1},
	} {
		cfg := tc.cfg()
		g, err := NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDiscriminator(cfg, rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		full, onlyG := filepath.Join(dir, "full.safetensors"), filepath.Join(dir, "g.safetensors")
		gts := append(g.Params(), g.Buffers()...)
		if err := SaveCheckpoint(full, cfg, 1, append(gts, append(d.Params(), d.Buffers()...)...), nil); err != nil {
			t.Fatal(err)
		}
		if err := SaveCheckpoint(onlyG, cfg, 1, gts, nil); err != nil {
			t.Fatal(err)
		}
		c, err := ReadCheckpoint(full)
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := LoadDiscriminator(c)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		fs, err := DiscriminatorFeatures(loaded, x)
		if err != nil || len(fs) != tc.feats {
			t.Fatalf("%s: %d feature maps, error %v; want %d", tc.name, len(fs), err, tc.feats)
		}
		for _, f := range fs {
			if f.Dim(0) != 3 {
				t.Errorf("%s: feature map %v does not keep the 3 images", tc.name, f.Shape)
			}
		}
		c, err = ReadCheckpoint(onlyG)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := LoadDiscriminator(c); err == nil || !strings.Contains(err.Error(), "holds no discriminator (no tensor under") {
			t.Errorf("%s: a generator-only checkpoint: error %v", tc.name, err)
		}
	}
	cfg := DefaultConfig(DCGAN, 32, 1)
	cfg.Siamese = false
	d, err := NewDiscriminator(cfg, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DiscriminatorFeatures(d, x); !errors.Is(err, ErrNoImageTower) {
		t.Errorf("non-Siamese: error %v; want ErrNoImageTower", err)
	}
}
