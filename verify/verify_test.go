package verify

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sdgan/data"
	"sdgan/model"
	"sdgan/nn"
)

// randUnit returns n random unit rows of d values.
func randUnit(rng *rand.Rand, n, d int) *nn.Tensor {
	x := nn.New(n, d)
	for i := range x.CPUData() {
		x.CPUData()[i] = float32(rng.NormFloat64())
	}
	return L2Normalize(x)
}

func sqDist(e *nn.Tensor, a, b int) float64 {
	d := e.Dim(1)
	var s float64
	for k := range d {
		v := float64(e.CPUData()[a*d+k]) - float64(e.CPUData()[b*d+k])
		s += v * v
	}
	return s
}

// refBatchHard is the batch-hard loss written as plain loops.
func refBatchHard(e *nn.Tensor, labels []int, margin float64) float64 {
	var sum float64
	var n int
	for a := range labels {
		hp, hn, okp, okn := 0.0, math.Inf(1), false, false
		for b := range labels {
			if b == a {
				continue
			}
			if labels[b] == labels[a] {
				hp, okp = max(hp, sqDist(e, a, b)), true
			} else {
				hn, okn = min(hn, sqDist(e, a, b)), true
			}
		}
		if okp && okn {
			sum += max(0, hp-hn+margin)
			n++
		}
	}
	return sum / float64(n)
}

// refBatchAll is the batch-all loss (mean over active triplets) written as plain loops.
func refBatchAll(e *nn.Tensor, labels []int, margin float64) (float64, int) {
	var sum float64
	var active int
	for a := range labels {
		for p := range labels {
			if p == a || labels[p] != labels[a] {
				continue
			}
			for q := range labels {
				if labels[q] == labels[a] {
					continue
				}
				if l := sqDist(e, a, p) - sqDist(e, a, q) + margin; l > 0 {
					sum += l
					active++
				}
			}
		}
	}
	if active == 0 {
		return 0, 0
	}
	return sum / float64(active), active
}

func TestTripletLossesMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name   string
		labels []int
		d      int
		margin float32
	}{
		{"2 ids x 2", []int{0, 0, 1, 1}, 3, 0.2},
		{"odd sizes", []int{4, 1, 4, 4, 1, 9, 9}, 5, 0.5},
		{"a singleton anchor", []int{0, 0, 0, 1, 2, 2, 3, 3, 3, 3, 5}, 7, 1},
		{"big margin", []int{0, 1, 0, 1, 2, 2}, 1 + 1, 3.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := randUnit(rng, len(tc.labels), tc.d)
			got, _, _ := BatchHardTriplet(e, tc.labels, tc.margin)
			if want := refBatchHard(e, tc.labels, float64(tc.margin)); math.Abs(float64(got.Item())-want) > 1e-5 {
				t.Errorf("batch-hard %g, want %g", got.Item(), want)
			}
			gotAll, active, _ := BatchAllTriplet(e, tc.labels, tc.margin)
			want, wantActive := refBatchAll(e, tc.labels, float64(tc.margin))
			if math.Abs(float64(gotAll.Item())-want) > 1e-5 || active != wantActive {
				t.Errorf("batch-all %g with %d active, want %g with %d", gotAll.Item(), active, want, wantActive)
			}
		})
	}
}

// The losses' gradients through L2Normalize agree with finite differences of the losses.
func TestTripletGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	labels := []int{0, 0, 1, 1, 1, 2, 2}
	x0 := nn.New(len(labels), 5)
	for i := range x0.CPUData() {
		x0.CPUData()[i] = float32(rng.NormFloat64())
	}
	for _, tc := range []struct {
		name string
		loss func(*nn.Tensor, []int, float32) (*nn.Tensor, int, int)
	}{{"batch-hard", BatchHardTriplet}, {"batch-all", BatchAllTriplet}} {
		t.Run(tc.name, func(t *testing.T) {
			value := func(x *nn.Tensor) float64 { l, _, _ := tc.loss(L2Normalize(x), labels, 1.5); return float64(l.Item()) }
			tp := nn.NewTape()
			x := tp.Input(x0.CPUData(), x0.Shape...)
			x.SetRequiresGrad(true)
			l, _, _ := tc.loss(L2Normalize(x), labels, 1.5)
			tp.Backward(l)
			grad := x.GradToHost()
			const eps = 1e-3
			for _, i := range rng.Perm(x0.Size())[:12] {
				xp, xm := x0.Clone(), x0.Clone()
				xp.CPUData()[i] += eps
				xm.CPUData()[i] -= eps
				num := (value(xp) - value(xm)) / (2 * eps)
				if an := float64(grad[i]); math.Abs(an-num) > 2e-3+2e-2*math.Abs(num) {
					t.Errorf("element %d: analytic %.5f, numeric %.5f", i, an, num)
				}
			}
		})
	}
}

func TestL2NormalizeGivesUnitRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, shape := range [][2]int{{1, 1}, {3, 7}, {13, 2}} {
		e := randUnit(rng, shape[0], shape[1])
		for i := range shape[0] {
			var s float64
			for _, v := range e.CPUData()[i*shape[1] : (i+1)*shape[1]] {
				s += float64(v) * float64(v)
			}
			if math.Abs(s-1) > 1e-5 {
				t.Errorf("shape %v row %d: squared norm %g, want 1", shape, i, s)
			}
		}
	}
}

func TestOptionsValidateNamesFlag(t *testing.T) {
	ok := DefaultOptions()
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		flag string
		edit func(o *Options)
	}{
		{"--res", func(o *Options) { o.Res = 24 }},
		{"--channels", func(o *Options) { o.Channels = 2 }},
		{"--steps", func(o *Options) { o.Steps = 0 }},
		{"--held-out", func(o *Options) { o.HeldOut = 1 }},
		{"--per-id", func(o *Options) { o.PerID = 1 }},
		{"--loss", func(o *Options) { o.Loss = "softmax" }},
		{"--margin", func(o *Options) { o.Margin = 0 }},
		// Values that used to pass and break later: NaN and infinite rates, and sizes that run out of memory.
		{"--lr", func(o *Options) { o.LR = math.NaN() }},
		{"--lr", func(o *Options) { o.LR = math.Inf(1) }},
		{"--margin", func(o *Options) { o.Margin = math.NaN() }},
		{"--margin", func(o *Options) { o.Margin = 5 }},
		{"want at most 2048 at this --res", func(o *Options) { o.IDs, o.PerID = 100, 100 }},
		{"want at most 32 at this --res", func(o *Options) { o.Res = 256 }},
		{"--pairs 1000000: want 1 to 100000", func(o *Options) { o.Pairs = 1000000 }},
		{"want at most 21845 pairs", func(o *Options) { o.Pairs = 50000 }}, // 32×32, channels as the data: RGB at most
	} {
		o := DefaultOptions()
		tc.edit(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%s: error %v, want one naming the flag (or the limit)", tc.flag, err)
		}
	}
}

// trainShapes trains on a synthetic shapes folder and returns the verifier and its folder.
func trainShapes(t *testing.T, dataDir string, steps int64, dir string, resume bool) *Verifier {
	t.Helper()
	o := DefaultOptions()
	o.Data, o.Res, o.Steps, o.HeldOut, o.IDs, o.Pairs, o.CheckpointEvery, o.Seed = dataDir, 16, steps, 8, 8, 300, 1000, 5
	if resume {
		var err error
		if o, err = ResumeOptions(dir); err != nil {
			t.Fatal(err)
		}
		o.Steps = steps
	}
	v, err := Train(context.Background(), Job{Options: o, Dir: dir, Resume: resume, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTrainLearnsHeldOutIdentitiesAndResumesExactly(t *testing.T) {
	dataDir := writeShapes(t, 64, 5, 16, 1)
	dir := t.TempDir()
	v := trainShapes(t, dataDir, 300, dir, false)
	t.Logf("held-out AUC %.4f, EER %.4f, accuracy %.4f, threshold %.4f (train AUC %.4f)", v.Facts.AUC, v.Facts.EER, v.Facts.Accuracy, v.Threshold, v.Facts.TrainAUC)
	if v.Facts.AUC < 0.9 {
		t.Errorf("held-out AUC %.4f after 300 steps, want ≥ 0.9 (chance is 0.5)", v.Facts.AUC)
	}
	if len(v.HeldOut) != 8 || v.Facts.HeldOutIDs != 8 || v.Facts.TrainIDs != 56 {
		t.Errorf("held out %v (%d), trained on %d; want 8 and 56", v.HeldOut, v.Facts.HeldOutIDs, v.Facts.TrainIDs)
	}
	for _, f := range []string{FileName, CheckpointName, "report.json", "roc.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("verifier folder lacks %s: %v", f, err)
		}
	}
	// 60 steps, then resumed to 300, gives the same weights as 300 in one go.
	dir2 := t.TempDir()
	trainShapes(t, dataDir, 60, dir2, false)
	v2 := trainShapes(t, dataDir, 300, dir2, true)
	for i, p := range v.Net.Params() {
		if !slices.Equal(p.CPUData(), v2.Net.Params()[i].CPUData()) {
			t.Fatalf("parameter %s differs between a straight and a resumed run", p.Name)
		}
	}
	if v.Threshold != v2.Threshold || v.Facts.AUC != v2.Facts.AUC {
		t.Errorf("threshold/AUC %g/%g straight, %g/%g resumed", v.Threshold, v.Facts.AUC, v2.Threshold, v2.Facts.AUC)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	net, err := NewNet(DefaultConfig(32, 3), rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range net.Buffers() { // non-trivial running averages
		for i := range b.CPUData() {
			b.CPUData()[i] = float32(0.5 + rng.Float64())
		}
	}
	v := &Verifier{Net: net, Threshold: 0.123456789, HeldOut: []string{"Serif Bold", "b_c"},
		Facts: Facts{Data: "builtin:fonts", Seed: 9, Steps: 77, AUC: 0.97, TrainIDs: 100, HeldOutIDs: 2}}
	path := filepath.Join(t.TempDir(), FileName)
	if err := Save(path, v); err != nil {
		t.Fatal(err)
	}
	got, err := Load(filepath.Dir(path)) // a folder works too
	if err != nil {
		t.Fatal(err)
	}
	if got.Threshold != v.Threshold || !slices.Equal(got.HeldOut, v.HeldOut) || got.Facts != v.Facts {
		t.Errorf("loaded %v %v %+v, want %v %v %+v", got.Threshold, got.HeldOut, got.Facts, v.Threshold, v.HeldOut, v.Facts)
	}
	want := append(net.Params(), net.Buffers()...)
	for i, p := range append(got.Net.Params(), got.Net.Buffers()...) {
		if p.Name != want[i].Name || !slices.Equal(p.CPUData(), want[i].CPUData()) {
			t.Fatalf("tensor %s differs after the round trip", p.Name)
		}
	}
	imgs := [][]float32{make([]float32, 32*32*3), make([]float32, 32*32*3)}
	for _, img := range imgs {
		for i := range img {
			img[i] = float32(2*rng.Float64() - 1)
		}
	}
	a, b := net.Embed(imgs), got.Net.Embed(imgs)
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("embedding %d differs after the round trip", i)
		}
	}

	// A generator checkpoint is not a verifier.
	g, err := model.NewGenerator(model.DefaultConfig(model.DCGAN, 32, 1), rng)
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(t.TempDir(), "g.safetensors")
	if err := model.SaveCheckpoint(ck, model.DefaultConfig(model.DCGAN, 32, 1), 1, g.Params(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ck); err == nil || !strings.Contains(err.Error(), "not a verifier file") {
		t.Errorf("loading a generator checkpoint: %v, want 'not a verifier file'", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("loading a missing file succeeded")
	}
}

// Cancelling a fresh run before its first step writes nothing: no checkpoint at step 0, no empty folder.
func TestTrainInterruptedBeforeFirstStepLeavesNoFolder(t *testing.T) {
	dataDir := writeShapes(t, 6, 3, 16, 2)
	o := DefaultOptions()
	o.Data, o.Res, o.HeldOut, o.IDs, o.PerID = dataDir, 16, 2, 4, 2
	dir := filepath.Join(t.TempDir(), "v")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Train(ctx, Job{Options: o, Dir: dir, Stdout: io.Discard, Stderr: io.Discard})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Train with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("an interrupted run left %s", dir)
	}
}

// Scoring stops at once when its context is cancelled.
func TestEvaluateStopsOnCancel(t *testing.T) {
	dataDir := writeShapes(t, 6, 3, 16, 2)
	ds, err := data.Open(dataDir, data.Options{Res: 16, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	net, err := NewNet(DefaultConfig(16, 3), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, net, ds, 50, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Evaluate with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := Evaluate(context.Background(), net, ds, 50, 1); err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
}

// Embed runs its batches on a tape it resets (reusing the memory): the embeddings are, bit for bit, those of a plain
// inference pass without a tape, across two batches, the second partial.
func TestEmbedMatchesForwardWithoutTape(t *testing.T) {
	cfg := DefaultConfig(16, 3)
	rng := rand.New(rand.NewPCG(6, 7))
	net, err := NewNet(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	size := cfg.ImageSize()
	images := make([][]float32, embedBatch+5)
	var all []float32
	for i := range images {
		images[i] = make([]float32, size)
		for j := range images[i] {
			images[i][j] = float32(2*rng.Float64() - 1)
		}
		all = append(all, images[i]...)
	}
	got := net.Embed(images)
	for start := 0; start < len(images); start += embedBatch {
		b := min(embedBatch, len(images)-start)
		want := net.Forward(nn.FromData(all[start*size:(start+b)*size], b, cfg.Res, cfg.Res, cfg.Channels), false).ToHost()
		for i := range b {
			for j, v := range got[start+i] {
				if math.Float32bits(v) != math.Float32bits(want[i*cfg.Embed+j]) {
					t.Fatalf("image %d value %d = %v, without a tape %v", start+i, j, v, want[i*cfg.Embed+j])
				}
			}
		}
	}
}
