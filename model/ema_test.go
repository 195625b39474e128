package model

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sdgan/nn"
)

// A checkpoint with a moving average loads it by default and the trained weights on request; one without (every
// checkpoint written before G_ema existed) loads its trained weights, and asking for the average is an error.
func TestLoadGeneratorPicksWeights(t *testing.T) {
	cfg := DefaultConfig(DCGAN, 32, 1)
	raw, err := NewGenerator(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	avg, err := NewGenerator(cfg, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	RenameEMA(avg)
	all := func(g Generator) []*nn.Tensor { return append(g.Params(), g.Buffers()...) }
	for _, b := range avg.Buffers() { // running averages that differ from the trained generator's
		nn.Fill(0.25, b)
	}
	dir := t.TempDir()
	withEMA, without := filepath.Join(dir, "ema.safetensors"), filepath.Join(dir, "raw.safetensors")
	if err := SaveCheckpoint(withEMA, cfg, 7, append(all(raw), all(avg)...), nil); err != nil {
		t.Fatal(err)
	}
	if err := SaveCheckpoint(without, cfg, 7, all(raw), nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		w    Weights
		want Generator // whose values must be loaded; nil: an error
	}{
		{withEMA, WeightsAuto, avg},
		{withEMA, WeightsEMA, avg},
		{withEMA, WeightsRaw, raw},
		{without, WeightsAuto, raw},
		{without, WeightsRaw, raw},
		{without, WeightsEMA, nil},
	} {
		g, c, err := LoadGenerator(tc.path, tc.w)
		if tc.want == nil {
			if err == nil || !strings.Contains(err.Error(), "G_ema") {
				t.Errorf("%s weights %q: error %v, want one naming G_ema", filepath.Base(tc.path), tc.w, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s weights %q: %v", filepath.Base(tc.path), tc.w, err)
		}
		wantKind := WeightsRaw
		if tc.want == avg {
			wantKind = WeightsEMA
		}
		if c.Generator != wantKind {
			t.Errorf("%s weights %q: loaded %q, want %q", filepath.Base(tc.path), tc.w, c.Generator, wantKind)
		}
		got, want := all(g), all(tc.want)
		for i := range got {
			if !slices.Equal(got[i].CPUData(), want[i].CPUData()) {
				t.Errorf("%s weights %q: %s differs from the %s weights", filepath.Base(tc.path), tc.w, got[i].Name, wantKind)
				break
			}
		}
	}
	for _, s := range []string{"", "auto", "ema", "raw"} {
		if _, err := ParseWeights(s); err != nil {
			t.Errorf("ParseWeights(%q): %v", s, err)
		}
	}
	if _, err := ParseWeights("best"); err == nil || !strings.Contains(err.Error(), "--weights") {
		t.Errorf("ParseWeights(best): %v, want an error naming --weights", err)
	}
}
