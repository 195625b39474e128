package train

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"sdgan/data"
	"sdgan/eval"
	"sdgan/model"
	"sdgan/plot"
	"sdgan/verify"
)

// Evaluation during training (--verifier V --eval-every N): every N steps the generator that previews show (the
// moving average when there is one) is measured as `sdgan eval` measures it — a verifier's acceptance of same-z_I
// and different-z_I pairs, its AUC, the Fréchet distance in its embedding space, MS-SSIM — on the same codes and the
// same real pairs each time, so that the figures are comparable across steps. They go into stats.jsonl (the "eval"
// object of the line of that step), metrics.png, and best.safetensors keeps the checkpoint whose BestMetric is best.

// BestFile is the checkpoint with the best evaluation figure, in the run folder.
const BestFile = "best.safetensors"

// metaBest records, in BestFile, the figure it was kept for: {"metric": key, "value": v, "step": s}.
const metaBest = "sdgan.train.best"

// bestMetrics are the figures --best-metric may name, with whether higher is better.
var bestMetrics = map[string]bool{
	"frechet_embedding":         false,
	"verifier_auc":              true,
	"verifier_accept_same":      true,
	"verifier_accept_different": false,
	"verifier_accuracy":         true,
}

// isBestMetric reports whether --best-metric may name key.
func isBestMetric(key string) bool {
	_, ok := bestMetrics[key]
	return ok
}

// bestMetricNames lists the figures --best-metric may name, sorted.
func bestMetricNames() string {
	return strings.Join(slices.Sorted(maps.Keys(bestMetrics)), ", ")
}

// evaluator holds what every evaluation of a run reuses: the verifier, the real pairs and the latent codes.
type evaluator struct {
	v                  *verify.Verifier
	realSame, realDiff [][2][]float32
	codes              []float32 // SD-GAN's; an AC-DCGAN's are drawn again for each evaluation (codes)
	seed               uint64
	pairs              int
	metric             string
	higher             bool
	best               float64 // the best value so far (NaN: none yet)
}

// bestRecord is metaBest's JSON.
type bestRecord struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	Step   int64   `json:"step"`
}

// newEvaluator loads the verifier and draws the real pairs from its held-out identities, in the data it was trained
// on (ds when that is the run's own data), and the codes for g, all from the run's seed. It reads BestFile's
// record, if any, so that a resumed run keeps the best checkpoint it had.
func newEvaluator(ctx context.Context, o Options, ds *data.Dataset, runDir string, g model.Generator) (*evaluator, error) {
	v, err := verify.Load(o.Verifier)
	if err != nil {
		return nil, fmt.Errorf("--verifier: %w", err)
	}
	if vc := v.Net.Config(); vc.Res != o.Model.Res || vc.Channels != o.Model.Channels {
		return nil, fmt.Errorf("--verifier %s takes %d×%d×%d images but the run makes %d×%d×%d: train a verifier with --res %d --channels %d",
			o.Verifier, vc.Res, vc.Res, vc.Channels, o.Model.Res, o.Model.Res, o.Model.Channels, o.Model.Res, o.Model.Channels)
	}
	realData := ds
	if !sameData(v.Facts.Data, o.Data) {
		if realData, err = data.Open(v.Facts.Data, data.Options{Res: o.Model.Res, Channels: o.Model.Channels, K: 2, MaxPixels: o.MaxPixels}); err != nil {
			return nil, fmt.Errorf("--verifier %s: its data: %w", o.Verifier, err)
		}
	}
	held, err := v.HeldOutOf(realData)
	if err != nil {
		return nil, fmt.Errorf("--verifier %s: %w", o.Verifier, err)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0xe7a1))
	e := &evaluator{v: v, metric: o.BestMetric, higher: bestMetrics[o.BestMetric], best: math.NaN(),
		codes: model.PairCodes(rng, g, o.Model, o.EvalPairs), seed: o.Seed, pairs: o.EvalPairs}
	if e.realSame, e.realDiff, err = eval.RealPairs(ctx, rng, held.Sizes(), o.EvalPairs, held.Image); err != nil {
		return nil, fmt.Errorf("--verifier %s: real pairs: %w", o.Verifier, err)
	}
	if c, err := model.ReadCheckpoint(filepath.Join(runDir, BestFile)); err == nil {
		var rec bestRecord
		if json.Unmarshal([]byte(c.Meta[metaBest]), &rec) == nil && rec.Metric == e.metric {
			e.best = rec.Value
		}
	}
	return e, nil
}

// codesFor returns the pair codes of an evaluation of g: the same every time. An AC-DCGAN's are its current table
// rows for the same labels each time (drawn from the same seed), since the rows learn.
func (e *evaluator) codesFor(g model.Generator, cfg model.Config) []float32 {
	if _, ok := g.(model.Conditional); ok {
		return model.PairCodes(rand.New(rand.NewPCG(e.seed, 0xe7a1)), g, cfg, e.pairs)
	}
	return e.codes
}

// evaluate measures g on the evaluator's codes and real pairs.
func (e *evaluator) evaluate(ctx context.Context, g model.Generator, cfg model.Config) (*eval.Report, error) {
	same, diff := eval.SplitPairs(model.Generate(g, cfg, e.codesFor(g, cfg)))
	r, err := eval.BuildReport(ctx, eval.ReportInput{Res: cfg.Res, Channels: cfg.Channels, GenSame: same, GenDiff: diff,
		RealSame: e.realSame, RealDiff: e.realDiff, Embed: e.v.Net.Embed, Threshold: e.v.Threshold})
	if err != nil {
		return nil, fmt.Errorf("evaluation: %w", err)
	}
	return r, nil
}

// evalResult is one evaluation's figures.
type evalResult struct {
	step      int64
	gen, real map[string]float64
}

// runEvaluation evaluates the generator that previews show and keeps BestFile up to date.
func (t *trainer) runEvaluation(ctx context.Context, e *evaluator, runDir string) (*evalResult, error) {
	r, err := e.evaluate(ctx, t.previewGenerator(), t.opt.Model)
	if err != nil {
		return nil, err
	}
	res := &evalResult{step: t.step, gen: map[string]float64{}, real: map[string]float64{}}
	for _, f := range r.Figures {
		if f.Generated != nil {
			res.gen[f.Key] = *f.Generated
		}
		if f.Real != nil {
			res.real[f.Key] = *f.Real
		}
	}
	if v, ok := res.gen[e.metric]; ok && e.improved(v) {
		if err := t.saveBest(runDir, e.metric, v); err != nil {
			return nil, fmt.Errorf("%s: %w", BestFile, err)
		}
	}
	return res, nil
}

// improved reports whether v beats the best value so far (and then records it).
func (e *evaluator) improved(v float64) bool {
	if math.IsNaN(v) || !math.IsNaN(e.best) && (e.higher && v <= e.best || !e.higher && v >= e.best) {
		return false
	}
	e.best = v
	return true
}

// saveBest writes the trainer's state to the run's BestFile, recording the figure it was kept for.
func (t *trainer) saveBest(runDir, metric string, value float64) error {
	rec, err := json.Marshal(bestRecord{Metric: metric, Value: value, Step: t.step})
	if err != nil {
		return err
	}
	return t.saveTo(filepath.Join(runDir, BestFile), map[string]string{metaBest: string(rec)})
}

// writeMetricsPlot draws the evaluation figures of the history against the step into metrics.png.
func writeMetricsPlot(runDir string, o Options, hist []logLine) error {
	var xs []float64
	cols := map[string][]float64{}
	keys := []string{"verifier_accept_same", "verifier_accept_different", "verifier_auc", "frechet_embedding"}
	for _, l := range hist {
		if l.Eval == nil {
			continue
		}
		xs = append(xs, float64(l.EvalStep))
		for _, k := range keys {
			cols[k] = append(cols[k], l.Eval[k])
		}
	}
	if len(xs) == 0 {
		return nil
	}
	series := []plot.Series{
		{Name: "accepts same z_I", X: xs, Y: cols["verifier_accept_same"], Panel: 0},
		{Name: "accepts different z_I", X: xs, Y: cols["verifier_accept_different"], Panel: 0},
		{Name: "verifier AUC", X: xs, Y: cols["verifier_auc"], Panel: 0},
		{Name: "Fréchet (verifier space)", X: xs, Y: cols["frechet_embedding"], Panel: 1},
	}
	title := fmt.Sprintf("sdgan %s %d×%d k=%d: evaluation with %s", o.Model.Arch, o.Model.Res, o.Model.Res, o.Model.K, filepath.Base(o.Verifier))
	return plot.Lines(filepath.Join(runDir, "metrics.png"), title, series,
		plot.Options{XLabel: "step", Panels: []string{"identity", "Fréchet"}})
}

// sameData says whether two data specs name the same data set: the same builtin set, or the same folder however
// written (a verifier records its folder as an absolute path; a run as the user gave it).
func sameData(a, b string) bool {
	if a == b {
		return true
	}
	if strings.HasPrefix(a, "builtin:") || strings.HasPrefix(b, "builtin:") {
		return false
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
