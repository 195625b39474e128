package train

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sdgan/model"
	"sdgan/verify"
)

// A run with --verifier evaluates its generator every EvalEvery steps and at the end: the figures go into the
// stats.jsonl line of that step (generated and real), metrics.png is drawn, best.safetensors holds the state of the
// step with the best figure, and the evaluation changes nothing about training (same checkpoint as without it).
func TestEvaluationDuringTraining(t *testing.T) {
	ds := fixture(t, 6, 4)
	vo := verify.DefaultOptions()
	vo.Data, vo.Channels, vo.Steps, vo.HeldOut, vo.IDs, vo.PerID, vo.Pairs, vo.CheckpointEvery = ds, 1, 3, 3, 3, 2, 20, 100
	vdir := t.TempDir()
	if _, err := verify.Train(context.Background(), verify.Job{Options: vo, Dir: vdir, Stdout: io.Discard, Stderr: io.Discard}); err != nil {
		t.Fatal(err)
	}
	o := smallOptions(ds, model.DCGAN)
	o.EMAKimg = 0.01
	plain, withEval := t.TempDir(), t.TempDir()
	run(t, o, plain, false)
	o.Steps, o.Verifier, o.EvalEvery, o.EvalPairs, o.BestMetric = 5, vdir, 2, 10, "verifier_auc"
	run(t, o, withEval, false)

	// The checkpoints' options differ (steps, verifier); every tensor and the training state must not.
	name := filepath.Join(model.CheckpointDir, model.CheckpointName(4))
	a, err := model.ReadCheckpoint(filepath.Join(plain, name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := model.ReadCheckpoint(filepath.Join(withEval, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tensors) != len(b.Tensors) {
		t.Fatalf("%d and %d tensors", len(a.Tensors), len(b.Tensors))
	}
	for k, ta := range a.Tensors {
		if !slices.Equal(ta.Data, b.Tensors[k].Data) {
			t.Errorf("evaluating during training changed %s", k)
		}
	}
	for _, k := range []string{metaRNG, metaSampler, metaAugment, metaUpdates} {
		if a.Meta[k] != b.Meta[k] {
			t.Errorf("evaluating during training changed %s", k)
		}
	}
	var evalSteps []int64
	var best float64 = math.Inf(-1)
	for i, line := range strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join(withEval, StatsFile)))), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if l.Eval == nil {
			continue
		}
		evalSteps = append(evalSteps, l.EvalStep)
		auc, ok := l.Eval["verifier_auc"]
		if !ok || l.EvalReal["verifier_auc"] == 0 || l.Eval["frechet_embedding"] <= 0 {
			t.Errorf("line %d: eval %v, real %v: want the verifier figures", i+1, l.Eval, l.EvalReal)
		}
		best = max(best, auc)
	}
	if want := []int64{2, 4, 5}; !slices.Equal(evalSteps, want) {
		t.Errorf("evaluations at steps %v, want %v", evalSteps, want)
	}
	c, err := model.ReadCheckpoint(filepath.Join(withEval, BestFile))
	if err != nil {
		t.Fatal(err)
	}
	var rec bestRecord
	if err := json.Unmarshal([]byte(c.Meta[metaBest]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Metric != "verifier_auc" || rec.Value != best || rec.Step != c.Step {
		t.Errorf("best.safetensors: %+v at step %d, want verifier_auc %g", rec, c.Step, best)
	}
	if _, err := os.Stat(filepath.Join(withEval, "metrics.png")); err != nil {
		t.Error(err)
	}
	if !c.HasEMA() {
		t.Error("best.safetensors has no G_ema")
	}
}

// The evaluation options come as a pair, and --best-metric names a known figure.
func TestEvaluationOptions(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Options)
		want   string
	}{
		{func(o *Options) { o.Verifier = "v" }, "--eval-every"},
		{func(o *Options) { o.EvalEvery = 5 }, "--verifier"},
		{func(o *Options) { o.Verifier, o.EvalEvery, o.BestMetric = "v", 5, "fid" }, "--best-metric"},
		{func(o *Options) { o.Verifier, o.EvalEvery, o.EvalPairs = "v", 5, 1 }, "--eval-pairs"},
	} {
		o := Defaults()
		tc.mutate(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %s", err, tc.want)
		}
	}
}

func TestSameData(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"builtin:fonts", "builtin:fonts", true},
		{"builtin:fonts", "fonts", false},
		{"faces", filepath.Join(dir, "faces"), true},
		{"faces/../faces", "./faces", true},
		{"faces", "other", false},
	} {
		if got := sameData(tc.a, tc.b); got != tc.same {
			t.Errorf("sameData(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}
