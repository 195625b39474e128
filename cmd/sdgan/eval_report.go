package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"

	"sdgan/data"
	"sdgan/eval"
	"sdgan/internal/atomicfile"
	"sdgan/internal/interrupt"
	"sdgan/internal/progress"
	"sdgan/model"
	"sdgan/picture"
	"sdgan/plot"
	"sdgan/verify"
)

// evalReportOptions are the inputs of `sdgan eval --model M [--verifier V] [--data D] --out DIR`.
type evalReportOptions struct {
	weights                    weightsFlag
	model, verifier, data, out string
	pairs                      int
	seed                       uint64
	maxPixels                  int64 // most pixels a real image file may declare; 0 = data.DefaultMaxPixels
	device                     deviceFlag
	trunc                      truncation
}

func (o *evalReportOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.model, "model", "", "generator: a checkpoint file or a run folder (its latest checkpoint); required")
	fs.Var(&o.weights, "weights", weightsUsage)
	fs.StringVar(&o.verifier, "verifier", "", "verifier folder or file from 'sdgan verifier train' (without it, the verifier figures are skipped)")
	fs.StringVar(&o.data, "data", "", "real data for the reference figures (default: the verifier's training data; its held-out identities are used)")
	fs.StringVar(&o.out, "out", "", "report folder to write (report.json, report.html, roc.png, sample grids); required")
	fs.IntVar(&o.pairs, "pairs", 500, fmt.Sprintf("pairs of each kind: same z_I, different z_I, real same identity, real different identities (2 to %d, with at most %d GiB of images)", maxEvalPairs, evalImageBudget>>30))
	fs.Uint64Var(&o.seed, "seed", 0, "random seed for latents and real pairs")
	addMaxPixelsFlag(fs, &o.maxPixels)
	addDeviceFlag(fs, &o.device)
	o.trunc.addFlags(fs)
}

// Limits of the report: every image of the pairs is kept as float32 (at 64×64 RGB, 48 KiB each) until measured.
const (
	maxEvalPairs    = 100000  // --pairs, whatever the resolution
	evalImageBudget = 1 << 30 // bytes of generated and real images together: 8 per pair
)

// evalReportFlagSet returns the flag set of the report, bound to o, with its help text.
func evalReportFlagSet(o *evalReportOptions, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("eval", "--model M [--verifier V] [--data D] --out REPORT_DIR [--pairs N] [--seed S]\n"+
		"       sdgan eval <verb> [flags] [args]\n\n"+
		"Measures a generator as the SD-GAN paper did: identity coherence (a verifier on same-z_I and different-z_I\n"+
		"pairs, against real pairs) and diversity (MS-SSIM), and writes report.json and report.html. It warns when the\n"+
		"figures mislead: a collapsed generator has different-z_I pairs accepted, and alike, far beyond the real data's.\n\n"+
		"Verbs:\n"+strings.TrimSuffix(evalVerbList(), "\n"), stderr)
	o.addFlags(fs)
	return fs
}

// runEvalReportCmd parses the report's flags and runs it.
func runEvalReportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o evalReportOptions
	fs := evalReportFlagSet(&o, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected argument %q (flags only)", fs.Arg(0))
	case o.model == "":
		return usagef("--model: missing; want a checkpoint file or a run folder")
	case o.out == "":
		return usagef("--out: missing; want the report folder")
	case o.pairs < 2 || o.pairs > maxEvalPairs:
		return usagef("--pairs %d: want 2 to %d", o.pairs, maxEvalPairs)
	}
	if err := o.trunc.check(); err != nil {
		return err
	}
	return runEvalReport(ctx, o, stdout, stderr)
}

// checkEvalPairs refuses a --pairs whose images would not fit evalImageBudget at the model's image size.
func checkEvalPairs(pairs int, cfg model.Config) error {
	perPair := int64(8 * 4 * cfg.ImageSize()) // 2 generated and 2 real pairs of 2 images, float32
	if limit := evalImageBudget / perPair; int64(pairs) > limit {
		return usagef("--pairs %d: at %d×%d×%d the images take %d MiB; the limit is %d pairs (%d MiB)",
			pairs, cfg.Res, cfg.Res, cfg.Channels, int64(pairs)*perPair>>20, limit, evalImageBudget>>20)
	}
	return nil
}

// evalInputs are the loaded inputs of a report.
type evalInputs struct {
	g                  model.Generator
	ckpt               *model.Checkpoint
	v                  *verify.Verifier // nil without --verifier
	real               *data.Dataset    // nil without real data; else the identities the real pairs come from
	noReal, noVerifier string
}

// loadEvalInputs loads the generator, the verifier and the real data, and checks that they fit together.
func loadEvalInputs(o evalReportOptions) (*evalInputs, error) {
	in := &evalInputs{}
	var err error
	if in.g, in.ckpt, err = model.LoadGenerator(o.model, o.weights.w); err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	cfg := in.ckpt.Config
	if o.verifier == "" {
		in.noVerifier = "no --verifier given"
	} else {
		if in.v, err = verify.Load(o.verifier); err != nil {
			return nil, fmt.Errorf("--verifier: %w", err)
		}
		vc := in.v.Net.Config()
		if vc.Res != cfg.Res || vc.Channels != cfg.Channels {
			return nil, fmt.Errorf("--verifier %s takes %d×%d×%d images but --model %s makes %d×%d×%d: train a verifier with --res %d --channels %d",
				o.verifier, vc.Res, vc.Res, vc.Channels, in.ckpt.Path, cfg.Res, cfg.Res, cfg.Channels, cfg.Res, cfg.Channels)
		}
	}
	spec := o.data
	if spec == "" && in.v != nil {
		spec = in.v.Facts.Data
	}
	if spec == "" {
		in.noReal = "no --data given (and no verifier to take it from)"
		return in, nil
	}
	ds, err := data.Open(spec, data.Options{Res: cfg.Res, Channels: cfg.Channels, K: 2, MaxPixels: o.maxPixels})
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	if in.v == nil {
		in.real = ds // every identity: no verifier, so none was trained on
		return in, nil
	}
	if in.real, err = in.v.HeldOutOf(ds); err != nil {
		return nil, fmt.Errorf("--data %s: %w", spec, err)
	}
	return in, nil
}

// runEvalReport generates and draws the pairs, measures them and writes the report files into o.out. A failed or
// interrupted report leaves no file or folder of its own behind.
func runEvalReport(ctx context.Context, o evalReportOptions, stdout, stderr io.Writer) error {
	if err := o.device.use(); err != nil {
		return err
	}
	in, err := interrupt.Wait(ctx, func() (*evalInputs, error) { return loadEvalInputs(o) })
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while loading the model, verifier and data; nothing written")
		}
		return err
	}
	cfg := in.ckpt.Config
	if err := checkEvalPairs(o.pairs, cfg); err != nil {
		return err
	}
	if err := o.trunc.checkModel(cfg); err != nil {
		return err
	}
	if err := checkOutDir(o.out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	rng := rand.New(rand.NewPCG(o.seed, 0xe7a1))
	genSame, genDiff, err := generatePairs(ctx, in.g, cfg, rng, o.pairs, o.trunc, stderr)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while generating the pairs; nothing written")
		}
		return err
	}
	ri := eval.ReportInput{Res: cfg.Res, Channels: cfg.Channels, GenSame: genSame, GenDiff: genDiff,
		NoReal: in.noReal, NoEmbed: in.noVerifier}
	if in.real != nil {
		// Their own stream: the real pairs depend on the seed, data and --pairs only, not on how many random
		// values the model's codes took, so that the reports of different models (an AC-DCGAN's labels, other
		// latent sizes) measure the same real pairs and compare exactly (eval compare checks that they do).
		realRNG := rand.New(rand.NewPCG(o.seed, 0x7ea1))
		if ri.RealSame, ri.RealDiff, err = realPairs(ctx, in.real, realRNG, o.pairs); err != nil {
			if ctx.Err() != nil {
				return interrupted("while reading the real pairs; nothing written")
			}
			return fmt.Errorf("--data: %w", err)
		}
	}
	if in.v != nil {
		ri.Embed, ri.Threshold = in.v.Net.Embed, in.v.Threshold
	}
	r, err := eval.BuildReport(ctx, ri)
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while measuring the pairs; nothing written")
		}
		return err
	}
	var made outputs
	if err := writeEvalReport(&made, o, in, r, ri); err != nil {
		made.removeAll()
		return err
	}
	for _, f := range r.Figures {
		fmt.Fprintf(stdout, "%-26s generated %-8s real %s\n", f.Key, fmtFig(f.Generated), fmtFig(f.Real))
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(stdout, "skipped: %s\n", s)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(stdout, "WARNING: %s\n", w)
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(o.out, "report.html"))
	return nil
}

// writeEvalReport writes the report's files into o.out, recording in made what it creates.
func writeEvalReport(made *outputs, o evalReportOptions, in *evalInputs, r *eval.Report, ri eval.ReportInput) error {
	if err := made.mkdirAll(o.out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	page, err := writeEvalArtifacts(made, o, in, r, ri)
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		Inputs map[string]string `json:"inputs"`
		*eval.Report
	}{inputsMap(page.Inputs), r}, "", "  ")
	if err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	path := filepath.Join(o.out, "report.json")
	made.willWrite(path)
	if err := atomicfile.WriteFile(path, append(js, '\n')); err != nil {
		return err
	}
	html, err := r.HTML(page)
	if err != nil {
		return err
	}
	path = filepath.Join(o.out, "report.html")
	made.willWrite(path)
	return atomicfile.WriteFile(path, html)
}

// generatePairs makes n pairs sharing z_I (independent z_O) and n pairs of independent codes, truncated by t,
// showing its progress on stderr. It stops with ctx's error when ctx is cancelled.
func generatePairs(ctx context.Context, g model.Generator, cfg model.Config, rng *rand.Rand, n int, t truncation, stderr io.Writer) (same, diff [][2][]float32, err error) {
	bar := progress.New(stderr, 4*n, "eval: generate", progress.Unit("img"))
	z := model.PairCodes(rng, g, cfg, n)
	t.apply(z, cfg)
	imgs, err := generateImages(ctx, g, cfg, z, bar)
	bar.Finish()
	if err != nil {
		return nil, nil, err
	}
	same, diff = eval.SplitPairs(imgs)
	return same, diff, nil
}

// realPairs draws n same-identity and n different-identity pairs of ds's images, stopping with ctx's error when ctx
// is cancelled (a data set too large for memory is decoded image by image).
func realPairs(ctx context.Context, ds *data.Dataset, rng *rand.Rand, n int) (same, diff [][2][]float32, err error) {
	same, diff, err = eval.RealPairs(ctx, rng, ds.Sizes(), n, ds.Image)
	if err != nil && ctx.Err() == nil {
		err = fmt.Errorf("%s: %w", ds.Name, err)
	}
	return same, diff, err
}

// gridPairs is how many pairs a sample grid shows (one pair per column).
const gridPairs = 8

// writeEvalArtifacts draws the ROC chart and the sample grids into o.out, recording them in made, and returns the
// HTML page description.
func writeEvalArtifacts(made *outputs, o evalReportOptions, in *evalInputs, r *eval.Report, ri eval.ReportInput) (eval.HTMLPage, error) {
	c := in.ckpt.Config
	page := eval.HTMLPage{Title: "SD-GAN evaluation: " + in.ckpt.Path, Inputs: [][2]string{
		{"model", in.ckpt.Path}, {"arch", c.Arch}, {"step", strconv.FormatInt(in.ckpt.Step, 10)}, {"generator weights", string(in.ckpt.Generator)},
		{"model config", fmt.Sprintf("%s %d×%d×%d, d_I %d, d_O %d", c.Arch, c.Res, c.Res, c.Channels, c.DI, c.DO)},
		{"pairs", fmt.Sprintf("%d of each kind", o.pairs)}, {"seed", strconv.FormatUint(o.seed, 10)}}}
	if o.trunc.on() {
		page.Inputs = append(page.Inputs, [2]string{"truncation", o.trunc.String()})
	}
	if c.Arch == model.ACGAN {
		page.Inputs = append(page.Inputs, [2]string{"identity codes", fmt.Sprintf("AC-DCGAN: rows of its label table for random labels of its %d training identities "+
			"(same-z_I pairs share a label, different-z_I pairs have two different labels); an AC-GAN cannot sample new identities", c.Classes)})
	}
	if in.v != nil {
		page.Inputs = append(page.Inputs, [2]string{"verifier", o.verifier},
			[2]string{"verifier threshold", fmt.Sprintf("cosine ≥ %.4f (held-out AUC %.4f when trained)", in.v.Threshold, in.v.Facts.AUC)})
	}
	if in.real != nil {
		page.Inputs = append(page.Inputs, [2]string{"real data", fmt.Sprintf("%s: %d identities", in.real.Name, len(in.real.Identities))})
	}
	series := []plot.Series{{Name: "generated (same vs different z_I)", X: r.GenROC.FPR, Y: r.GenROC.TPR}}
	if r.RealROC != nil {
		series = append(series, plot.Series{Name: "real (same vs different identity)", X: r.RealROC.FPR, Y: r.RealROC.TPR})
	}
	series = append(series, plot.Series{Name: "chance", X: []float64{0, 1}, Y: []float64{0, 1}})
	made.willWrite(filepath.Join(o.out, "roc.png"))
	err := plot.Lines(filepath.Join(o.out, "roc.png"), "ROC, score: "+r.ROCScore, series,
		plot.Options{XLabel: "false accept rate", XRange: plot.Range{Min: 0, Max: 1}, YRange: plot.Range{Min: 0, Max: 1}})
	if err != nil {
		return page, fmt.Errorf("roc.png: %w", err)
	}
	page.ROC = &eval.HTMLImage{File: "roc.png", Caption: "true accept rate against false accept rate; score: " + r.ROCScore}
	grids := []struct {
		file, caption string
		pairs         [][2][]float32
	}{
		{"same_zi.png", "generated pairs with the same z_I (one pair per column)", ri.GenSame},
		{"different_zi.png", "generated pairs with different z_I", ri.GenDiff},
		{"real_same.png", "real same-identity pairs", ri.RealSame},
		{"real_different.png", "real different-identity pairs", ri.RealDiff},
	}
	for _, g := range grids {
		if len(g.pairs) == 0 {
			continue
		}
		k := min(gridPairs, len(g.pairs))
		cells := make([][]float32, 2*k)
		for i, p := range g.pairs[:k] {
			cells[i], cells[k+i] = p[0], p[1]
		}
		made.willWrite(filepath.Join(o.out, g.file))
		if err := picture.SavePNG(filepath.Join(o.out, g.file), picture.Grid(cells, 2, k, c.Res, c.Res, c.Channels, 2)); err != nil {
			return page, err
		}
		page.Grids = append(page.Grids, eval.HTMLImage{File: g.file, Caption: g.caption})
	}
	return page, nil
}

func inputsMap(kv [][2]string) map[string]string {
	m := map[string]string{}
	for _, p := range kv {
		m[p[0]] = p[1]
	}
	return m
}

func fmtFig(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

// isReportArg reports whether an eval argument starts the report's flags (--model …) rather than naming a verb
// or asking for help.
func isReportArg(arg string) bool {
	return strings.HasPrefix(arg, "-") && arg != "-h" && arg != "-help" && arg != "--help"
}
