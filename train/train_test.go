package train

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sdgan/model"
	"sdgan/nn"
	"sdgan/nn/kernels"
)

// fixture writes a small folder-per-identity data set of random grey 32×32 PNGs and returns its path.
func fixture(t *testing.T, ids, perID int) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range ids {
		sub := filepath.Join(dir, string(rune('a'+i)))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for j := range perID {
			m := image.NewGray(image.Rect(0, 0, 32, 32))
			for p := range m.Pix {
				m.Pix[p] = uint8(rng.IntN(256))
			}
			var b bytes.Buffer
			if err := png.Encode(&b, m); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(sub, string(rune('0'+j))+".png"), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func smallOptions(dataDir string, arch string) Options {
	o := Defaults()
	o.Data = dataDir
	o.Model = model.DefaultConfig(arch, 32, 1)
	o.Mismatch = arch == model.DCGAN
	if arch != model.DCGAN {
		o.IDTriplet = 0
	}
	o.Tuples, o.Steps, o.CheckpointEvery, o.PreviewEvery, o.LogEvery = 3, 4, 2, 2, 1
	o.PreviewIDs, o.PreviewObs = 2, 3
	o.Seed = 5
	if arch == model.BEGAN {
		o.Loss = LossBEGAN
		o.Model.Filters, o.Model.Hidden = 8, 16
		o.LambdaK = 0.1 // move k_t visibly within a few steps, so that resume must restore it
	}
	return o
}

func run(t *testing.T, o Options, dir string, resume bool) {
	t.Helper()
	if err := Run(context.Background(), Job{Options: o, Dir: dir, Resume: resume, Stdout: io.Discard, Stderr: io.Discard}); err != nil {
		t.Fatalf("train %s (resume %v): %v", dir, resume, err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// N steps, then resume for N more, must give the same checkpoint bytes as 2N steps in one run; and two runs with
// one seed must give the same bytes (determinism).
func TestResumeIsExactAndRunsAreDeterministic(t *testing.T) {
	ds := fixture(t, 5, 3)
	quality := func(o Options) Options { // every option with state of its own: G_ema, ADA, spectral norm
		o.EMAKimg, o.EMARampUp = 0.01, 0.5
		o.Augment, o.AugmentTarget, o.AugmentKimg = "translation,cutout,color", 0.5, 0.01
		o.Loss, o.Model.DNorm, o.Model.SpectralNorm, o.Mismatch = LossHinge, model.NormNone, true, true
		return o
	}
	acQuality := func(o Options) Options { // AC-DCGAN with every option that applies to it
		o.EMAKimg, o.EMARampUp = 0.01, 0.5
		o.Augment, o.AugmentTarget, o.AugmentKimg = "translation,cutout,color", 0.5, 0.01
		o.Loss, o.Model.DNorm, o.Model.SpectralNorm, o.DPerG = LossHinge, model.NormNone, true, 2
		return o
	}
	perTuple := func(o Options) Options {
		o.Augment, o.AugmentP, o.AugmentPerTuple = "translation", 0.7, true
		return o
	}
	for _, tc := range []struct {
		name, arch string
		opt        func(Options) Options
	}{
		{"dcgan", model.DCGAN, nil},
		{"began", model.BEGAN, nil},
		{"dcgan+ema+ada+sn+hinge+mismatch", model.DCGAN, quality},
		{"dcgan+augment per tuple", model.DCGAN, perTuple},
		{"wgan-gp", model.DCGAN, func(o Options) Options { o.Loss = LossWGANGP; return o }},
		{"dcgan+lazy r1", model.DCGAN, func(o Options) Options { o.R1Gamma, o.R1Every = 1, 3; return o }},
		{"hinge+r1+augment+d-per-g 2", model.DCGAN, func(o Options) Options {
			o.Loss, o.R1Gamma, o.R1Every, o.DPerG, o.Augment, o.AugmentP = LossHinge, 1, 3, 2, "translation,color", 0.5
			return o
		}},
		{"dcgan+info+mismatch+augment+d-per-g 2", model.DCGAN, func(o Options) Options {
			o.Info, o.IDTriplet, o.Mismatch, o.DPerG, o.Augment = 1, 0, true, 2, "translation"
			return o
		}},
		{"dcgan+id-triplet+mismatch+augment+d-per-g 2", model.DCGAN, func(o Options) Options {
			o.IDTriplet, o.Mismatch, o.DPerG, o.Augment = 1, true, 2, "translation"
			return o
		}},
		{"dcgan+g-style+g-width 2+compare+hard mismatch weight 3+ema", model.DCGAN, func(o Options) Options {
			o.Model.GStyle, o.Model.GWidth, o.Model.Compare, o.EMAKimg = true, 2, true, 0.01
			o.Mismatch, o.MismatchWeight, o.MismatchHard = true, 3, true
			return o
		}},
		{"acgan", model.ACGAN, nil},
		{"acgan+g-style", model.ACGAN, func(o Options) Options { o.Model.GStyle = true; return o }},
		{"acgan+ema+ada+sn+hinge+2D", model.ACGAN, acQuality},
		{"dcgan+mismatch+ema bf16", model.DCGAN, func(o Options) Options {
			o.Precision, o.Mismatch, o.EMAKimg = PrecisionBF16, true, 0.01
			return o
		}},
	} {
		arch := tc.arch
		t.Run(tc.name, func(t *testing.T) {
			o := smallOptions(ds, arch)
			if tc.opt != nil {
				o = tc.opt(o)
			}
			if o.Precision == PrecisionBF16 && !kernels.BF16Available() {
				t.Skip("no AVX512_BF16 here")
			}
			straight, again, split := t.TempDir(), t.TempDir(), t.TempDir()
			run(t, o, straight, false)
			run(t, o, again, false)
			half := o
			half.Steps = 2
			run(t, half, split, false)
			resumed, _, err := ResumeOptions(split)
			if err != nil {
				t.Fatal(err)
			}
			resumed.Steps = 4
			run(t, resumed, split, true)

			name := filepath.Join(model.CheckpointDir, model.CheckpointName(4))
			a := readFile(t, filepath.Join(straight, name))
			if !bytes.Equal(a, readFile(t, filepath.Join(again, name))) {
				t.Fatal("two runs with the same seed wrote different checkpoints")
			}
			if !bytes.Equal(a, readFile(t, filepath.Join(split, name))) {
				t.Fatal("2 steps + resume + 2 steps differs from 4 steps in one run")
			}
			c, err := model.ReadCheckpoint(filepath.Join(straight, name))
			if err != nil {
				t.Fatal(err)
			}
			if arch == model.ACGAN {
				var names []string
				if err := json.Unmarshal([]byte(c.Meta[model.MetaIdentities]), &names); err != nil || c.Config.Classes != 5 ||
					!slices.Equal(names, []string{"a", "b", "c", "d", "e"}) {
					t.Errorf("AC-DCGAN checkpoint: %d classes, identities %q (%v); want the data's 5", c.Config.Classes, c.Meta[model.MetaIdentities], err)
				}
			}
			if arch == model.BEGAN && c.Meta[metaKT] == "0" {
				t.Error("k_t never moved: the resume test does not cover it")
			}
			if o.EMAKimg > 0 && !c.HasEMA() {
				t.Error("no G_ema tensors in the checkpoint")
			}
			if o.Info > 0 {
				if !c.Config.InfoHead || !hasTensor(c, "D/info/weights") {
					t.Error("a run with --info wrote no identity head")
				}
				if log := string(readFile(t, filepath.Join(straight, "stats.jsonl"))); strings.Count(log, `"info_g"`) != 4 {
					t.Errorf("stats.jsonl logs the identity loss on %d lines, want 4", strings.Count(log, `"info_g"`))
				}
			}
			if o.IDTriplet > 0 {
				if !c.Config.InfoHead || !hasTensor(c, "D/info/weights") {
					t.Error("a run with --id-triplet wrote no identity head")
				}
				log := string(readFile(t, filepath.Join(straight, "stats.jsonl")))
				if strings.Count(log, `"triplet_d"`) != 4 || strings.Count(log, `"triplet_g"`) != 4 {
					t.Errorf("stats.jsonl logs the triplet losses on %d and %d lines, want 4", strings.Count(log, `"triplet_d"`), strings.Count(log, `"triplet_g"`))
				}
			}
			if o.AugmentTarget > 0 && strings.Contains(c.Meta[metaAugment], `"p":0,`) {
				t.Errorf("ADA's p never moved (%s): the resume test does not cover it", c.Meta[metaAugment])
			}
			for _, f := range []string{"preview.png", "real.png", "losses.png", "stats.jsonl", "config.json"} {
				if _, err := os.Stat(filepath.Join(split, f)); err != nil {
					t.Errorf("run folder lacks %s", f)
				}
			}
			// The resumed run's log has each step once; SD-BEGAN lines always carry k_t and M (the first step's
			// k_t is 0), SD-DCGAN lines never.
			log := string(readFile(t, filepath.Join(split, "stats.jsonl")))
			if n := strings.Count(log, "\n"); n != 4 {
				t.Errorf("stats.jsonl of the resumed run has %d lines, want 4", n)
			}
			// Penalised steps log the penalty and the gradient norm: every step of WGAN-GP, R1's every third
			// discriminator update.
			penalised := 0
			for step := range 4 {
				for i := range o.DPerG {
					if o.Loss == LossWGANGP || o.R1Gamma > 0 && (step*o.DPerG+i)%o.R1Every == 0 {
						penalised++
						break
					}
				}
			}
			if n := strings.Count(log, `"penalty"`); n != penalised || strings.Count(log, `"grad_norm"`) != n {
				t.Errorf("stats.jsonl logs the penalty on %d lines, want %d", n, penalised)
			}
			for i, line := range strings.Split(strings.TrimSpace(log), "\n") {
				var fields map[string]float64
				if err := json.Unmarshal([]byte(line), &fields); err != nil {
					t.Fatalf("stats.jsonl line %d: %v", i+1, err)
				}
				for _, key := range []string{"l_real", "l_fake", "k_t", "m"} {
					if _, ok := fields[key]; ok != (arch == model.BEGAN) {
						t.Errorf("stats.jsonl line %d: has %s = %v, want it exactly in SD-BEGAN logs", i+1, key, ok)
					}
				}
				for _, key := range []string{"ce_real", "ce_fake", "class_acc_real"} {
					if _, ok := fields[key]; ok != (arch == model.ACGAN) {
						t.Errorf("stats.jsonl line %d: has %s = %v, want it exactly in AC-DCGAN logs", i+1, key, ok)
					}
				}
				if arch == model.BEGAN && i == 0 && fields["k_t"] != 0 {
					t.Errorf("stats.jsonl line 1: k_t %v, want 0 (k_0 = 0)", fields["k_t"])
				}
			}
		})
	}
}

// A data set over the memory budget is decoded on the fly, and trains to exactly the same checkpoint.
func TestOnTheFlyDataTrainsTheSame(t *testing.T) {
	ds := fixture(t, 30, 3) // 90 images of 32×32×3: 1.05 MiB decoded
	o := smallOptions(ds, model.DCGAN)
	o.Model.Channels = 3
	inMemory, onTheFly := t.TempDir(), t.TempDir()
	run(t, o, inMemory, false)
	small := o
	small.MemoryMiB = 1 // below the data set: forces the on-the-fly loader
	var warn bytes.Buffer
	if err := Run(context.Background(), Job{Options: small, Dir: onTheFly, Stdout: io.Discard, Stderr: &warn}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), "on the fly") {
		t.Fatalf("no on-the-fly notice; stderr: %q", warn.String())
	}
	name := filepath.Join(model.CheckpointDir, model.CheckpointName(4))
	a, b := readFile(t, filepath.Join(inMemory, name)), readFile(t, filepath.Join(onTheFly, name))
	// The options (and so the metadata) differ in memory_mib only; compare the tensors.
	ca, _ := model.ReadCheckpoint(filepath.Join(inMemory, name))
	cb, _ := model.ReadCheckpoint(filepath.Join(onTheFly, name))
	if len(a) == 0 || len(b) == 0 || len(ca.Tensors) != len(cb.Tensors) {
		t.Fatal("missing checkpoints")
	}
	for k, v := range ca.Tensors {
		if !slices.Equal(v.Data, cb.Tensors[k].Data) {
			t.Fatalf("tensor %s differs between in-memory and on-the-fly training", k)
		}
	}
}

func TestKeepsNewestCheckpoints(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	o.Steps, o.CheckpointEvery, o.Keep = 5, 1, 2
	dir := t.TempDir()
	run(t, o, dir, false)
	files, err := model.ListCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || !strings.HasSuffix(files[1], model.CheckpointName(5)) {
		t.Fatalf("checkpoints %v; want the newest 2, ending at step 5", files)
	}
}

func TestDivergenceStopsWithoutCheckpoint(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	dir := t.TempDir()
	run(t, o, dir, false) // a good run to step 4
	// Poison the generator in the last checkpoint, then resume: the first step's losses are NaN.
	last := filepath.Join(dir, model.CheckpointDir, model.CheckpointName(4))
	c, err := model.ReadCheckpoint(last)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Tensors["G/project/weights"].Data { // finite (NaN is refused on load), but overflowing float32
		c.Tensors["G/project/weights"].Data[i] = 3e38
	}
	var ts []*nn.Tensor
	for name, v := range c.Tensors {
		t := nn.FromData(v.Data, v.Shape...)
		t.Name = name
		ts = append(ts, t)
	}
	extra := map[string]string{}
	for k, v := range c.Meta {
		if strings.HasPrefix(k, "sdgan.train.") {
			extra[k] = v
		}
	}
	if err := model.SaveCheckpoint(last, c.Config, c.Step, ts, extra); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, last)
	resumed, _, err := ResumeOptions(dir)
	if err != nil {
		t.Fatal(err)
	}
	resumed.Steps = 8
	err = Run(context.Background(), Job{Options: resumed, Dir: dir, Resume: true, Stdout: io.Discard, Stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "last good checkpoint") {
		t.Fatalf("training from NaN weights: %v; want a divergence error pointing at the last good checkpoint", err)
	}
	files, _ := model.ListCheckpoints(dir)
	if len(files) != 2 || files[1] != last || !bytes.Equal(before, readFile(t, last)) {
		t.Fatalf("checkpoints after divergence: %v; want the two from before, unchanged", files)
	}
}

func TestLearningRateSchedule(t *testing.T) {
	o := Defaults()
	o.Loss = LossBEGAN
	o.Model = model.DefaultConfig(model.BEGAN, 32, 1)
	for _, tc := range []struct {
		step int64
		want float64
	}{{0, 8e-5}, {99_999, 8e-5}, {100_000, 4e-5}, {200_000, 2e-5}, {900_000, 2e-5}} {
		if g, d := o.learningRates(tc.step); g != tc.want || d != tc.want {
			t.Errorf("step %d: lr %g/%g, want %g", tc.step, g, d, tc.want)
		}
	}
	o = Defaults()
	if g, _ := o.learningRates(500_000); g != 2e-4 {
		t.Errorf("dcgan lr %g; want a constant 2e-4", g)
	}
}

func TestBEGANUpdate(t *testing.T) {
	k, m := beganUpdate(0.5, 0.001, 0.5, 0.2, 0.05) // balance 0.1 − 0.05 = 0.05
	if math.Abs(k-0.50005) > 1e-12 || math.Abs(m-0.25) > 1e-12 {
		t.Errorf("k %g m %g; want 0.50005 and 0.25", k, m)
	}
	if k, _ := beganUpdate(0, 1, 0.5, 0, 1); k != 0 {
		t.Errorf("k %g; want clipped to 0", k)
	}
	if k, _ := beganUpdate(1, 1, 0.5, 10, 0); k != 1 {
		t.Errorf("k %g; want clipped to 1", k)
	}
}

// --precision bf16 trains with the bf16 GEMM and leaves the kernels in fp32 afterwards: its checkpoint differs from
// the fp32 run's of the same seed (the products were rounded), and Run restores the kernels' precision.
func TestPrecisionBF16TrainsInBF16(t *testing.T) {
	ds := fixture(t, 5, 3)
	o := smallOptions(ds, model.DCGAN)
	o.Precision = "fp32" // the spelled-out default resolves to ""
	if r := o.Resolve(); r.Precision != "" {
		t.Fatalf("fp32 resolves to %q, want \"\"", r.Precision)
	}
	o.Precision = "fp16"
	if err := o.Resolve().Validate(); err == nil || !strings.Contains(err.Error(), "--precision") {
		t.Fatalf("--precision fp16: %v", err)
	}
	o.Precision = PrecisionBF16
	if !kernels.BF16Available() {
		if err := o.Resolve().Validate(); err == nil || !strings.Contains(err.Error(), "AVX512_BF16") {
			t.Fatalf("--precision bf16 without AVX512_BF16: %v", err)
		}
		t.Skip("no AVX512_BF16 here")
	}
	fp32, bf16 := t.TempDir(), t.TempDir()
	run(t, o, bf16, false)
	if kernels.BF16Active() {
		t.Fatal("the kernels are still in bf16 after Run")
	}
	o.Precision = ""
	run(t, o, fp32, false)
	name := filepath.Join(model.CheckpointDir, model.CheckpointName(o.Steps))
	if bytes.Equal(readFile(t, filepath.Join(fp32, name)), readFile(t, filepath.Join(bf16, name))) {
		t.Fatal("the bf16 run wrote the fp32 run's checkpoint: its GEMMs did not round")
	}
}

// hasTensor reports whether the checkpoint holds a tensor of that name.
func hasTensor(c *model.Checkpoint, name string) bool {
	_, ok := c.Tensors[name]
	return ok
}
