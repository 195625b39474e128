package model

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"sdgan/safetensors"
)

// The sizes computed from a config are those of the networks built from it, for every variant.
func TestSizesMatchNetworks(t *testing.T) {
	var cfgs []Config
	for _, res := range []int{32, 64} {
		for _, ch := range []int{1, 3} {
			for _, k := range []int{2, 3} {
				for _, siamese := range []bool{true, false} {
					c := DefaultConfig(DCGAN, res, ch)
					c.K, c.Siamese, c.DI, c.DO = k, siamese, 7, 5
					cfgs = append(cfgs, c)
				}
				c := DefaultConfig(BEGAN, res, ch)
				c.K, c.Filters, c.Hidden, c.DI, c.DO = k, 8, 12, 5, 3
				cfgs = append(cfgs, c)
			}
		}
	}
	cfgs = append(cfgs, DefaultConfig(DCGAN, 64, 3), DefaultConfig(BEGAN, 32, 3))
	for _, res := range []int{32, 64} { // the identity head
		c := DefaultConfig(DCGAN, res, 1)
		c.InfoHead, c.DI = true, 7
		cfgs = append(cfgs, c)
	}
	for _, k := range []int{2, 3} { // the comparison map
		c := DefaultConfig(DCGAN, 32, 1)
		c.Compare, c.K = true, k
		cfgs = append(cfgs, c)
	}
	for _, arch := range []string{DCGAN, ACGAN} { // the generator's identity modulation
		for _, res := range []int{32, 64} {
			c := DefaultConfig(arch, res, 3)
			c.GStyle, c.GWidth = true, 2
			if arch == ACGAN {
				c.Classes = 7
			}
			cfgs = append(cfgs, c)
		}
	}
	for _, norm := range []string{NormBatch, NormNone} { // the discriminator's options
		for _, sn := range []bool{false, true} {
			for _, siamese := range []bool{true, false} {
				c := DefaultConfig(DCGAN, 32, 1)
				c.DNorm, c.SpectralNorm, c.Siamese = norm, sn, siamese
				cfgs = append(cfgs, c)
			}
		}
	}
	for _, arch := range []string{DCGAN, ACGAN} { // a wider discriminator
		c := DefaultConfig(arch, 64, 3)
		c.DWidth = 2
		if arch == ACGAN {
			c.Classes = 5
		}
		cfgs = append(cfgs, c)
	}
	for _, c := range cfgs {
		rng := rand.New(rand.NewPCG(1, 1))
		g, err := NewGenerator(c, rng)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDiscriminator(c, rng)
		if err != nil {
			t.Fatal(err)
		}
		if n := Count(g.Params()) + Count(g.Buffers()); c.GeneratorSize() != int64(n) {
			t.Errorf("%+v: GeneratorSize %d, the network holds %d", c, c.GeneratorSize(), n)
		}
		if n := Count(d.Params()) + Count(d.Buffers()); c.DiscriminatorSize() != int64(n) {
			t.Errorf("%+v: DiscriminatorSize %d, the network holds %d", c, c.DiscriminatorSize(), n)
		}
	}
}

func TestConfigLimits(t *testing.T) {
	began := DefaultConfig(BEGAN, 64, 3)
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.Filters = 1_000_000 }, "filters 1000000: want 1 to 1024"},
		{func(c *Config) { c.Filters = 2500 }, "filters 2500"},
		{func(c *Config) { c.Hidden = 1 << 20 }, "hidden 1048576: want 1 to 16384"},
		{func(c *Config) { c.K = 65 }, "k 65: want 2 to 64"},
		{func(c *Config) { c.DI = 5000 }, "d_i 5000: want 1 to 4096"},
		{func(c *Config) { c.DO = -1 }, "d_o -1"},
		// Each field within its limit, the whole too large: about 2.3G values.
		{func(c *Config) { c.Filters, c.Hidden, c.K, c.DO = 1024, 16384, 64, 4096 }, "at most 268435456"},
	} {
		c := began
		tc.mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v; want an error containing %q", c, err, tc.want)
		}
	}
	dcgan := DefaultConfig(DCGAN, 32, 1)
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.BNMomentum = float32(math.NaN()) }, "bn_momentum NaN"},
		{func(c *Config) { c.BNEps = float32(math.Inf(1)) }, "bn_eps +Inf"},
		{func(c *Config) { c.Filters = 1_000_000 }, "filters 1000000: want 0"},
	} {
		c := dcgan
		tc.mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v; want an error containing %q", c, err, tc.want)
		}
	}
	if err := began.Validate(); err != nil {
		t.Errorf("the SD-BEGAN default config: %v", err)
	}
}

// saveSmall writes a small SD-BEGAN generator checkpoint and returns its path.
func saveSmall(t *testing.T) string {
	t.Helper()
	cfg := DefaultConfig(BEGAN, 32, 1)
	cfg.Filters, cfg.Hidden = 8, 12
	g, err := NewGenerator(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "g.safetensors")
	if err := SaveCheckpoint(path, cfg, 3, g.Params(), nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// rewrite reads a checkpoint file, lets edit change its tensors and metadata, and writes it back.
func rewrite(t *testing.T, path string, edit func(ts map[string]safetensors.Tensor, meta map[string]string)) {
	t.Helper()
	ts, meta, err := safetensors.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(ts, meta)
	if err := safetensors.Write(path, ts, meta); err != nil {
		t.Fatal(err)
	}
}

// A config that implies a larger network than the file's tensors is refused before anything is built: the 8-filter
// generator's config edited to 600 filters (a 93 MB network) fails with an error about sizes, allocating little.
func TestLoadRefusesConfigLargerThanTensors(t *testing.T) {
	for _, tc := range []struct {
		filters int
		want    string
	}{
		{600, "implies a generator of"},
		{1_000_000, "filters 1000000: want 1 to 1024"},
	} {
		path := saveSmall(t)
		rewrite(t, path, func(_ map[string]safetensors.Tensor, meta map[string]string) {
			var c Config
			if err := json.Unmarshal([]byte(meta[metaConfig]), &c); err != nil {
				t.Fatal(err)
			}
			c.Filters = tc.filters
			b, _ := json.Marshal(c)
			meta[metaConfig] = string(b)
		})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := LoadGenerator(path, WeightsAuto)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("filters %d: LoadGenerator: %v; want an error naming the file and containing %q", tc.filters, err, tc.want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
			t.Errorf("filters %d: refusing the checkpoint allocated %d MB", tc.filters, alloc>>20)
		}
	}
}

func TestLoadRefusesNonFiniteWeights(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(-1)} {
		path := saveSmall(t)
		rewrite(t, path, func(ts map[string]safetensors.Tensor, _ map[string]string) {
			ts["G/Conv_2/weights"].Data[5] = float32(v)
		})
		_, _, err := LoadGenerator(path, WeightsAuto)
		if err == nil || !strings.Contains(err.Error(), `"G/Conv_2/weights"`) || !strings.Contains(err.Error(), "finite") {
			t.Errorf("a %g weight: LoadGenerator: %v; want an error naming the tensor", v, err)
		}
	}
	if _, _, err := LoadGenerator(saveSmall(t), WeightsAuto); err != nil {
		t.Errorf("an intact checkpoint: %v", err)
	}
}

// Only names CheckpointName writes are checkpoints, ordered by step: a user's ckpt-best.safetensors is never the
// latest, and step 1,000,000,000 (10 digits) comes after 999,999,999.
func TestListCheckpointsByStep(t *testing.T) {
	run := t.TempDir()
	dir := filepath.Join(run, CheckpointDir)
	if err := os.MkdirAll(filepath.Join(dir, "ckpt-000000009.safetensors.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ckpt-best.safetensors", "ckpt-1000000000.safetensors", "ckpt-000000500.safetensors",
		"ckpt-999999999.safetensors", "ckpt-0001.safetensors", "ckpt-+00000007.safetensors", ".ckpt-000000600.safetensors.tmp-12",
		"ckpt-000000700.safetensors.bak", "ckpt-000000800.safetensors~"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := ListCheckpoints(run)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	want := []string{"ckpt-000000500.safetensors", "ckpt-999999999.safetensors", "ckpt-1000000000.safetensors"}
	if !slices.Equal(names, want) {
		t.Errorf("ListCheckpoints: %v; want %v", names, want)
	}
	if f, err := ResolveCheckpoint(run); err != nil || filepath.Base(f) != want[2] {
		t.Errorf("ResolveCheckpoint: %s, %v; want %s", f, err, want[2])
	}
}
