package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sdgan/data"
	"sdgan/internal/atomicfile"
	"sdgan/internal/interrupt"
	"sdgan/internal/progress"
	"sdgan/model"
	"sdgan/picture"
	"sdgan/project"
	"sdgan/verify"
)

// evalProjectOptions are the inputs of `sdgan eval project`.
type evalProjectOptions struct {
	model, verifier, data, out, loss, ks string
	lossVerifier                         string
	weights                              weightsFlag
	identities, views, others, examples  int
	pick                                 int
	steps, starts                        int
	seed                                 uint64
	noClamp                              bool
	maxPixels                            int64
	device                               deviceFlag
}

func evalProjectCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o evalProjectOptions
	d := project.Defaults()
	fs := newFlagSet("eval project", "--model M --verifier V [--data D] --out DIR [flags]\n\n"+
		"Measures projection on identities the generator never saw (those its training held out with --hold-out-from\n"+
		"or --hold-out; for a model that held none out, the verifier's held-out identities, with a warning): for each\n"+
		"identity and each K of --k, projects K of its images, draws --views new observations of the projected identity\n"+
		"and asks the verifier whether each shows the identity (against its other real images, never projected) and\n"+
		"whether it shows another one (against --others images of every other identity). Writes report.json,\n"+
		"report.md (the table), report.html and example pictures (inputs, projections, new views, real images).", stderr)
	fs.StringVar(&o.model, "model", "", "the generator: a checkpoint file or a run folder; required")
	fs.Var(&o.weights, "weights", weightsUsage)
	fs.StringVar(&o.verifier, "verifier", "", "identity verifier (sdgan verifier train); required")
	fs.StringVar(&o.data, "data", "", "the real identities (default: the verifier's training data)")
	fs.StringVar(&o.out, "out", "", "report folder; required")
	fs.StringVar(&o.ks, "k", "1,3,5", "numbers of images projected per identity, comma-separated")
	fs.IntVar(&o.identities, "identities", 0, "evaluate on at most this many identities (the first by name; 0 = all)")
	fs.IntVar(&o.views, "views", 8, "new observations drawn per projected identity")
	fs.IntVar(&o.others, "others", 4, "images of each other identity every new view is compared with")
	fs.IntVar(&o.examples, "examples", 3, "identities whose pictures the report shows")
	fs.StringVar(&o.loss, "loss", project.DefaultLoss, "the projection's loss (see sdgan project -h); a verifier term uses --loss-verifier")
	fs.StringVar(&o.lossVerifier, "loss-verifier", "", "the verifier that steers: a verifier term of --loss, and --pick (default: --verifier, which then judges its own steering: circular);\ntrain one with sdgan verifier train --hold-out-from V --seed S so that it never saw the judged identities either")
	fs.IntVar(&o.pick, "pick", 1, fmt.Sprintf("draw this many candidates per new view and keep the views --loss-verifier scores as most like the projected images\n(1 = plain draws, as sdgan generate; up to %d); the random-z_I row picks the same way", project.MaxPick))
	fs.IntVar(&o.steps, "steps", d.Steps, "optimiser steps per projection")
	fs.IntVar(&o.starts, "starts", d.Starts, "random starts per projection")
	fs.Uint64Var(&o.seed, "seed", 0, "random seed: which images are projected, the starts, the new observations")
	fs.BoolVar(&o.noClamp, "no-clamp", false, "let the codes leave [−1, 1]")
	addMaxPixelsFlag(fs, &o.maxPixels)
	addDeviceFlag(fs, &o.device)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	return runEvalProject(ctx, o, stdout, stderr)
}

// parseKs reads --k: distinct positive numbers, at most 64 each.
func parseKs(s string) ([]int, error) {
	var ks []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 || k > 64 || slices.Contains(ks, k) {
			return nil, usagef("--k %q: want distinct numbers of images from 1 to 64, comma-separated, such as 1,3,5", s)
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// check reports the first flag that is missing or out of range.
func (o evalProjectOptions) check() ([]int, error) {
	switch {
	case o.model == "":
		return nil, usagef("--model: missing; want a checkpoint file or a run folder")
	case o.verifier == "":
		return nil, usagef("--verifier: missing; want a verifier folder or file from sdgan verifier train")
	case o.out == "":
		return nil, usagef("--out: missing; want the report folder")
	case o.identities < 0 || o.views < 1 || o.views > 256 || o.others < 1 || o.others > 256 || o.examples < 0:
		return nil, usagef("--identities %d, --views %d, --others %d, --examples %d: want ≥ 0, 1 to 256, 1 to 256, ≥ 0",
			o.identities, o.views, o.others, o.examples)
	case o.steps < 1 || o.steps > project.MaxSteps || o.starts < 1 || o.starts > project.MaxStarts:
		return nil, usagef("--steps %d, --starts %d: want 1 to %d and 1 to %d", o.steps, o.starts, project.MaxSteps, project.MaxStarts)
	case o.pick < 1 || o.pick > project.MaxPick:
		return nil, usagef("--pick %d: want 1 (no picking) to %d candidates per new view", o.pick, project.MaxPick)
	case o.pick*o.views > project.MaxCandidates:
		return nil, usagef("--pick %d × --views %d: want at most %d candidates in all", o.pick, o.views, project.MaxCandidates)
	}
	spec, err := project.ParseLoss(o.loss)
	if err != nil {
		return nil, usagef("--loss: %v", err)
	}
	if o.lossVerifier != "" && spec.Features != project.FeaturesVerifier && o.pick == 1 {
		return nil, usagef("--loss-verifier is used only by a --loss with a verifier term (such as l2+10*verifier) or by --pick; the loss is %s and --pick 1", o.loss)
	}
	return parseKs(o.ks)
}

// evalProjectInputs are the loaded inputs of eval project.
type evalProjectInputs struct {
	g      model.Generator
	ckpt   *model.Checkpoint
	v      *verify.Verifier
	loss   project.Loss
	ds     *data.Dataset    // the identities evaluated on
	which  string           // how they were chosen
	warn   string           // why the figures may not measure unseen identities, or ""
	steer  string           // which verifier a verifier term of the loss steers by, for the report's facts, or ""
	picker *verify.Verifier // the verifier that picks the new views; nil without --pick > 1
	picked string           // how the new views were drawn, for the report's facts
}

// trainedHoldOut returns the identities a training checkpoint's run held out (train's --hold-out-from or
// --hold-out), nil for a run that held none out or a checkpoint without training options (imported).
func trainedHoldOut(c *model.Checkpoint) []string {
	var opts struct {
		HoldOut     []string `json:"hold_out"`
		HoldOutFrom string   `json:"hold_out_from"`
	}
	if json.Unmarshal([]byte(c.Meta["sdgan.train.options"]), &opts) != nil {
		return nil
	}
	return opts.HoldOut
}

func loadEvalProject(o evalProjectOptions) (*evalProjectInputs, error) {
	in := &evalProjectInputs{}
	var err error
	if in.g, in.ckpt, err = model.LoadGenerator(o.model, o.weights.w); err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	cfg := in.ckpt.Config
	if cfg.Arch == model.ACGAN {
		return nil, fmt.Errorf("--model %s: %w", in.ckpt.Path, project.ErrConditional)
	}
	if in.v, err = verify.Load(o.verifier); err != nil {
		return nil, fmt.Errorf("--verifier: %w", err)
	}
	if err := project.CheckVerifier(in.v, cfg); err != nil {
		return nil, fmt.Errorf("--verifier %s: %w", o.verifier, err)
	}
	spec, _ := project.ParseLoss(o.loss)
	var d model.Discriminator
	if spec.NeedsDiscriminator() {
		if d, err = model.LoadDiscriminator(in.ckpt); err != nil {
			return nil, fmt.Errorf("--loss %s: %w", o.loss, err)
		}
	}
	steer := in.v // the verifier term's verifier
	if spec.Features == project.FeaturesVerifier {
		in.steer = fmt.Sprintf("; its verifier term steers by --verifier %s, the judge itself (circular)", o.verifier)
	}
	if o.lossVerifier != "" {
		in.steer = "; its verifier term steers by --loss-verifier " + o.lossVerifier
		if steer, err = verify.Load(o.lossVerifier); err != nil {
			return nil, fmt.Errorf("--loss-verifier: %w", err)
		}
		if err := project.CheckVerifier(steer, cfg); err != nil {
			return nil, fmt.Errorf("--loss-verifier %s: %w", o.lossVerifier, err)
		}
	}
	in.picked = "drawn from the prior"
	if o.pick > 1 {
		in.picker = steer
		by := "--loss-verifier " + o.lossVerifier
		if steer == in.v {
			by = "--verifier " + o.verifier + ", the judge itself (circular)"
		}
		in.picked = fmt.Sprintf("picked: the %d of %d·%d candidates that %s scores as most like the projected images", o.views, o.pick, o.views, by)
	}
	if in.loss, err = spec.Build(cfg, d, steer); err != nil {
		return nil, fmt.Errorf("--loss: %w", err)
	}
	src := o.data
	if src == "" {
		src = in.v.Facts.Data
	}
	ds, err := data.Open(src, data.Options{Res: cfg.Res, Channels: cfg.Channels, K: 2, MaxPixels: o.maxPixels})
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	held := map[string]bool{}
	names := trainedHoldOut(in.ckpt)
	if names != nil {
		for _, n := range names {
			held[n] = true
		}
		in.which = fmt.Sprintf("the %d identities the generator's training held out", len(names))
	} else {
		for _, n := range in.v.HeldOut {
			held[n] = true
		}
		in.which = fmt.Sprintf("the verifier's %d held-out identities", len(in.v.HeldOut))
		in.warn = joinWarn(in.warn, "the generator's checkpoint records no held-out identities, so it trained on every identity of its data, "+
			"these included: the figures measure projection of identities it saw, not of new ones (train with --hold-out-from V)")
	}
	in.ds = ds.Subset(func(name string) bool { return held[name] })
	if o.identities > 0 && len(in.ds.Identities) > o.identities {
		in.ds.Identities = in.ds.Identities[:o.identities]
	}
	if seen := seenBy(in.v, in.ds); seen > 0 && names != nil { // (without a recorded hold-out the warning above says more)
		in.warn = joinWarn(in.warn, fmt.Sprintf("the verifier trained on %d of these identities (the generator never saw any): its scores may be kinder than on unseen ones; train with --hold-out-from %s to hold out the verifier's", seen, o.verifier))
	}
	if steer != in.v {
		if seen := seenBy(steer, in.ds); seen > 0 {
			in.warn = joinWarn(in.warn, fmt.Sprintf("--loss-verifier %s trained on %d of the judged identities: a verifier that knows them steers the projection (train it with --hold-out-from %s)", o.lossVerifier, seen, o.verifier))
		}
	}
	if len(in.ds.Identities) < 2 {
		return nil, fmt.Errorf("--data %s: %d of %s are there; want at least 2", src, len(in.ds.Identities), in.which)
	}
	return in, nil
}

func runEvalProject(ctx context.Context, o evalProjectOptions, stdout, stderr io.Writer) error {
	ks, err := o.check()
	if err != nil {
		return err
	}
	if err := o.device.use(); err != nil {
		return err
	}
	in, err := interrupt.Wait(ctx, func() (*evalProjectInputs, error) { return loadEvalProject(o) })
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while loading the model, verifier and data; nothing written")
		}
		return err
	}
	if err := checkOutDir(o.out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if in.warn != "" {
		fmt.Fprintf(stderr, "warning: %s\n", in.warn)
	}
	po := project.Defaults()
	po.Steps, po.Starts, po.Clamp = o.steps, o.starts, !o.noClamp
	total := len(in.ds.Identities) * len(ks) * o.steps
	bar := progress.New(stderr, total, "eval project", progress.Unit("step"))
	job := project.EvalJob{G: in.g, Cfg: in.ckpt.Config, Loss: in.loss, Options: po, Verifier: in.v, Data: in.ds, Ks: ks,
		Views: o.views, Others: o.others, Seed: o.seed, Examples: o.examples, Progress: func(done, _ int) { bar.Set(done) },
		Picker: in.picker, PickPool: o.pick}
	rep, err := interrupt.Wait(ctx, func() (*project.EvalReport, error) { return project.Evaluate(ctx, job) })
	bar.Finish()
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while projecting; nothing written")
		}
		return err
	}
	var made outputs
	if err := writeEvalProject(&made, o, in, rep); err != nil {
		made.removeAll()
		return err
	}
	stdout.Write(evalProjectTable(rep))
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(o.out, "report.html"))
	return nil
}

// evalProjectTable is the report's table as markdown.
func evalProjectTable(rep *project.EvalReport) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "| images projected (K) | new views accepted as the identity ↑ | accepted as another identity ↓ | verifier AUC ↑ | MS-SSIM between new views | MS-SSIM to the nearest input | reconstruction MS-SSIM | PSNR (dB) |\n")
	fmt.Fprintf(&b, "|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rep.Rows {
		fmt.Fprintf(&b, "| %d | %.1f%% | %.1f%% | %.3f | %.3f | %.3f | %.3f | %.1f |\n", r.K, 100*r.SameAccept, 100*r.DiffAccept, r.AUC, r.ViewsMSSSIM, r.InputMSSSIM, r.MSSSIM, r.PSNR)
	}
	fmt.Fprintf(&b, "| real inputs instead of new views | %.1f%% | %.1f%% | %.3f | %.3f | %.3f | | |\n", 100*rep.Real.SameAccept, 100*rep.Real.DiffAccept, rep.Real.AUC, rep.Real.ViewsMSSSIM, rep.Real.InputMSSSIM)
	fmt.Fprintf(&b, "| random z_I instead of the projected | %.1f%% | %.1f%% | %.3f | %.3f | %.3f | | |\n", 100*rep.Random.SameAccept, 100*rep.Random.DiffAccept, rep.Random.AUC, rep.Random.ViewsMSSSIM, rep.Random.InputMSSSIM)
	return b.Bytes()
}

// exampleFile names the picture of example n (from 1) for K.
func exampleFile(k, n int) string { return fmt.Sprintf("example-k%d-%d.png", k, n) }

// writeEvalProject writes report.json, report.md, report.html and the example pictures, recording them in made.
func writeEvalProject(made *outputs, o evalProjectOptions, in *evalProjectInputs, rep *project.EvalReport) error {
	if err := made.mkdirAll(o.out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	cfg := in.ckpt.Config
	facts := [][2]string{
		{"model", in.ckpt.Path}, {"generator", fmt.Sprintf("%s %d×%d×%d, %s weights, step %d", model.ArchName(cfg.Arch), cfg.Res, cfg.Res, cfg.Channels, in.ckpt.Generator, in.ckpt.Step)},
		{"verifier", fmt.Sprintf("%s (cosine ≥ %.4f; held-out AUC %.4f when trained)", o.verifier, in.v.Threshold, in.v.Facts.AUC)},
		{"identities", fmt.Sprintf("%d: %s, of %s", len(rep.Evaluated), in.which, in.ds.Name)},
		{"projection", fmt.Sprintf("loss %s, %d steps, %d starts, clamp %v%s", o.loss, o.steps, o.starts, !o.noClamp, in.steer)},
		{"scoring", fmt.Sprintf("%d new views per projection (%s), each against the identity's other real images and %d images of every other identity", o.views, in.picked, o.others)},
		{"seed", strconv.FormatUint(o.seed, 10)},
	}
	type example struct{ File, Caption string }
	var examples []example
	for _, r := range rep.Rows {
		for n, ex := range r.Examples {
			cols := max(r.K, o.views)
			cells := make([][]float32, 4*cols)
			copy(cells, ex.Inputs)
			copy(cells[cols:], ex.Projections)
			copy(cells[2*cols:], ex.NewViews)
			copy(cells[3*cols:], ex.Others)
			file := exampleFile(r.K, n+1)
			made.willWrite(filepath.Join(o.out, file))
			if err := picture.SavePNG(filepath.Join(o.out, file), picture.Grid(cells, 4, cols, cfg.Res, cfg.Res, cfg.Channels, 2)); err != nil {
				return err
			}
			examples = append(examples, example{file, fmt.Sprintf("%s, K = %d: the inputs, their projections, new views, real images never projected", ex.Identity, r.K)})
		}
	}
	js, err := json.MarshalIndent(struct {
		Inputs map[string]string `json:"inputs"`
		Warn   string            `json:"warning,omitempty"`
		*project.EvalReport
	}{inputsMap(facts), in.warn, rep}, "", "  ")
	if err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	table := evalProjectTable(rep)
	var html bytes.Buffer
	if err := evalProjectHTML.Execute(&html, struct {
		Facts    [][2]string
		Warn     string
		Rows     []project.EvalRow
		Rep      *project.EvalReport
		Examples []example
	}{facts, in.warn, rep.Rows, rep, examples}); err != nil {
		return fmt.Errorf("report.html: %w", err)
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{"report.json", append(js, '\n')}, {"report.md", table}, {"report.html", html.Bytes()}} {
		path := filepath.Join(o.out, f.name)
		made.willWrite(path)
		if err := atomicfile.WriteFile(path, f.b); err != nil {
			return err
		}
	}
	return nil
}

var evalProjectHTML = template.Must(template.New("project").Funcs(template.FuncMap{
	"pct": func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
	"f3":  func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"f1":  func(v float64) string { return fmt.Sprintf("%.1f", v) },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SD-GAN projection</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-family:monospace}figure{margin:0 0 1.5em}img{image-rendering:pixelated}
.warn{background:#fff3cd;border:1px solid #c90;padding:.5em 1em;margin:1em 0}
</style></head><body>
<h1>Projection of unseen identities</h1>
<table>{{range .Facts}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
{{with .Warn}}<div class="warn">Warning: {{.}}</div>{{end}}
<h2>Figures</h2>
<table><tr><th>images projected (K)</th><th>new views accepted as the identity ↑</th><th>accepted as another identity ↓</th><th>verifier AUC ↑</th><th>MS-SSIM between new views</th><th>MS-SSIM to the nearest input</th><th>reconstruction MS-SSIM</th><th>PSNR (dB)</th><th>pairs (same / different)</th></tr>
{{range .Rows}}<tr><td>{{.K}}</td><td class="n">{{pct .SameAccept}}</td><td class="n">{{pct .DiffAccept}}</td><td class="n">{{f3 .AUC}}</td><td class="n">{{f3 .ViewsMSSSIM}}</td><td class="n">{{f3 .InputMSSSIM}}</td><td class="n">{{f3 .MSSSIM}}</td><td class="n">{{f1 .PSNR}}</td><td class="n">{{.SamePairs}} / {{.DiffPairs}}</td></tr>
{{end}}{{with .Rep.Real}}<tr><td>real inputs instead of new views</td><td class="n">{{pct .SameAccept}}</td><td class="n">{{pct .DiffAccept}}</td><td class="n">{{f3 .AUC}}</td><td class="n">{{f3 .ViewsMSSSIM}}</td><td class="n">{{f3 .InputMSSSIM}}</td><td></td><td></td><td class="n">{{.SamePairs}} / {{.DiffPairs}}</td></tr>{{end}}
{{with .Rep.Random}}<tr><td>random z_I instead of the projected</td><td class="n">{{pct .SameAccept}}</td><td class="n">{{pct .DiffAccept}}</td><td class="n">{{f3 .AUC}}</td><td class="n">{{f3 .ViewsMSSSIM}}</td><td class="n">{{f3 .InputMSSSIM}}</td><td></td><td></td><td class="n">{{.SamePairs}} / {{.DiffPairs}}</td></tr>{{end}}
</table>
<p>A pair is accepted when the verifier's cosine similarity is at least its threshold. "As the identity": a new view
against each of the identity's real images that were not projected; "as another": against images of every other
identity evaluated. The reference rows score the real inputs themselves, and views of a random identity code, the
same way. "MS-SSIM between new views": between two new views of one projected identity (the real row: between two
of its real images); far above the real row's, the views repeat one image, as they do when they copy an input,
and the acceptance rates then flatter the projection. "MS-SSIM to the nearest input": each new view against the most
alike of the K images projected (the real row: the identity's other real images against its inputs); near the real
row's, the views are new observations, near 1 they copy an input.</p>
{{with .Rep.Skipped}}<h2>Skipped</h2><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Examples}}<h2>Examples</h2>{{range .Examples}}<figure><img src="{{.File}}" alt="{{.Caption}}" width="512"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}{{end}}
</body></html>
`))

// seenBy counts the identities of ds that verifier v trained on: those it did not hold out.
func seenBy(v *verify.Verifier, ds *data.Dataset) int {
	n := 0
	for _, id := range ds.Identities {
		if !slices.Contains(v.HeldOut, id.Name) {
			n++
		}
	}
	return n
}

// joinWarn adds warning w to the warnings so far.
func joinWarn(so, w string) string {
	if so == "" {
		return w
	}
	return so + "; " + w
}
