package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"sdgan/data"
	"sdgan/internal/atomicfile"
	"sdgan/internal/progress"
	"sdgan/model"
	"sdgan/nn/kernels"
)

// Job is one call of Run.
type Job struct {
	Options Options
	Dir     string    // the run folder: checkpoints/, previews/, preview.png, real.png, stats.jsonl, losses.png
	Resume  bool      // continue the run in Dir from its latest checkpoint (Options must be ResumeOptions' result)
	Stdout  io.Writer // what the user reads: set-up facts, where things go, the end
	Stderr  io.Writer // progress bar and warnings
}

// statsSum adds up steps' figures to log their means.
type statsSum struct {
	sum       stats
	n         int
	penalised int // steps with a gradient penalty: its figures are means over these
}

func (a *statsSum) add(s stats) {
	a.sum.DLoss += s.DLoss
	a.sum.GLoss += s.GLoss
	a.sum.LReal += s.LReal
	a.sum.LFake += s.LFake
	a.sum.KT += s.KT
	a.sum.M += s.M
	a.sum.AugmentP += s.AugmentP
	a.sum.InfoD += s.InfoD
	a.sum.InfoG += s.InfoG
	a.sum.TripletD += s.TripletD
	a.sum.TripletG += s.TripletG
	a.sum.AC.CEReal += s.AC.CEReal
	a.sum.AC.CEFake += s.AC.CEFake
	a.sum.AC.AccReal += s.AC.AccReal
	if s.RTSet {
		a.sum.RT, a.sum.RTSet = s.RT, true // the latest r_t, not a mean
	}
	if s.Penalised {
		a.sum.Penalty += s.Penalty
		a.sum.GradNorm += s.GradNorm
		a.penalised++
	}
	a.n++
}

func (a *statsSum) mean() stats {
	n, np := float64(max(a.n, 1)), float64(max(a.penalised, 1))
	return stats{DLoss: a.sum.DLoss / n, GLoss: a.sum.GLoss / n, LReal: a.sum.LReal / n, LFake: a.sum.LFake / n,
		KT: a.sum.KT / n, M: a.sum.M / n, AugmentP: a.sum.AugmentP / n, RT: a.sum.RT, RTSet: a.sum.RTSet,
		InfoD: a.sum.InfoD / n, InfoG: a.sum.InfoG / n, TripletD: a.sum.TripletD / n, TripletG: a.sum.TripletG / n,
		AC:      acParts{CEReal: a.sum.AC.CEReal / n, CEFake: a.sum.AC.CEFake / n, AccReal: a.sum.AC.AccReal / n},
		Penalty: a.sum.Penalty / np, GradNorm: a.sum.GradNorm / np, Penalised: a.penalised > 0}
}

// logLine is one line of stats.jsonl: the means of the steps since the previous line.
type logLine struct {
	Step      int64   `json:"step"`
	Seconds   float64 `json:"seconds"`   // wall-clock seconds since this process started training
	ImgPerSec float64 `json:"img_per_s"` // fake images generated per second over the last log interval
	DLoss     float64 `json:"d_loss"`    // the adversarial loss, without the gradient penalty
	GLoss     float64 `json:"g_loss"`    //
	// The gradient penalty (WGAN-GP's λ·(‖∇‖ − 1)², or R1's (γ/2)·‖∇‖² before lazy scaling) and the gradient
	// norm ‖∇D‖ per tuple, means over the steps since the previous line that had one (none: absent).
	Penalty  *float64 `json:"penalty,omitempty"`
	GradNorm *float64 `json:"grad_norm,omitempty"`
	*BEGANLine
	*ACGANLine
	AugmentP *float64 `json:"augment_p,omitempty"` // mean augmentation probability (runs with --augment)
	// The identity loss (runs with --info, weighted): the discriminator's update's and the generator's, means.
	InfoD *float64 `json:"info_d,omitempty"`
	InfoG *float64 `json:"info_g,omitempty"`
	// The identity triplet loss (runs with --id-triplet, weighted): on the real images of the discriminator's
	// update, and on the generator's fakes; means.
	TripletD *float64 `json:"triplet_d,omitempty"`
	TripletG *float64 `json:"triplet_g,omitempty"`
	// The evaluation of EvalStep (runs with --verifier), generated and real figures by key, when one ran since the
	// previous line.
	EvalStep int64              `json:"eval_step,omitempty"`
	Eval     map[string]float64 `json:"eval,omitempty"`
	EvalReal map[string]float64 `json:"eval_real,omitempty"`
	RT       *float64           `json:"r_t,omitempty"` // ADA's latest r_t = E[sign D(real)] (runs with --augment-p auto)
	LRG      float64            `json:"lr_g"`
	LRD      float64            `json:"lr_d"`
}

// BEGANLine holds the SD-BEGAN figures of a stats.jsonl line (exported only so that encoding/json can fill the
// embedded pointer when a resumed run reads its log back); SD-DCGAN lines have none (a nil pointer), while an SD-BEGAN
// line always has all four, k_t = 0 included.
type BEGANLine struct {
	LReal float64 `json:"l_real"` // L(x)
	LFake float64 `json:"l_fake"` // L(G(z))
	KT    float64 `json:"k_t"`    // k_t used by this step
	M     float64 `json:"m"`      // convergence measure
}

// ACGANLine holds the AC-DCGAN figures of a stats.jsonl line (exported for encoding/json, as BEGANLine): the
// identity cross-entropies the losses include, and how often the discriminator's class head names a real image's
// identity (the chance level is 1/classes).
type ACGANLine struct {
	CEReal  float64 `json:"ce_real"`        // the discriminator's identity cross-entropy on real images
	CEFake  float64 `json:"ce_fake"`        // on the generator's images, in the generator's update
	AccReal float64 `json:"class_acc_real"` // fraction of real images whose top class logit is their identity
}

// ResumeOptions reads the options and checkpoint that the run in dir resumes from: its newest checkpoint that can
// be resumed (Run sets newer, damaged ones aside and says so). It changes nothing.
func ResumeOptions(dir string) (Options, *model.Checkpoint, error) {
	rp, err := findResume(dir)
	if err != nil {
		return Options{}, nil, err
	}
	return rp.opt, rp.ckpt, nil
}

// interrupted is Run's error when ctx is cancelled: Run has said what it saved and how to continue, so the error
// says little; it wraps ctx's error, so that errors.Is(err, context.Canceled) tells an interrupt.
type interrupted struct{ cause error }

func (e interrupted) Error() string { return "interrupted" }
func (e interrupted) Unwrap() error { return e.cause }

// Run trains until Options.Steps generator updates are done or ctx is cancelled (Ctrl-C, SIGTERM). It writes a
// checkpoint every CheckpointEvery steps, at the end, and when cancelled; a failure (a diverged loss included)
// leaves the last checkpoint as it was.
//
// It checks the options, the folder (CheckNewRun) and the data before it creates the run folder, so that a failed
// start leaves none; then it locks the folder for the run's duration.
func Run(ctx context.Context, job Job) error {
	o := job.Options.Resolve()
	if err := o.Validate(); err != nil {
		return err
	}
	if o.Precision == PrecisionBF16 {
		restore, err := kernels.UseBF16()
		if err != nil {
			return err
		}
		defer restore()
	}
	if !job.Resume {
		if err := CheckNewRun(job.Dir); err != nil {
			return err
		}
	}
	ds, err := openData(o, job.Stderr)
	if err != nil {
		return err
	}
	if o, err = resolveHoldOut(o, ds); err != nil {
		return err
	}
	if ds, err = holdOut(o, ds, job.Stderr); err != nil {
		return err
	}
	if o.Model.Channels == 0 { // as the data
		o.Model.Channels = ds.Channels
	}
	if o.Model.Arch == model.ACGAN && o.Model.Classes == 0 { // one identity label per identity of the data
		o.Model.Classes = len(ds.Identities)
		if err := o.Model.Validate(); err != nil {
			return fmt.Errorf("--data %s: %d identities with at least k = %d images: %w", o.Data, len(ds.Identities), o.Model.K, err)
		}
	}
	t, err := newTrainer(o, ds)
	if err != nil {
		return err
	}
	defer t.sampler.Close() // stops a prefetch still decoding (data sets decoded on the fly)
	lock, err := openRunDir(job.Dir, !job.Resume, job.Stderr)
	if err != nil {
		return err
	}
	defer lock.Release()
	var rp *resumePoint
	if job.Resume {
		if rp, err = findResume(job.Dir); err != nil {
			return err
		}
		if rp.opt.Model != o.Model {
			return fmt.Errorf("--resume %s: the options' model (%+v) is not the checkpoint's (%+v)", job.Dir, o.Model, rp.opt.Model)
		}
		if err := rp.setAside(job.Stderr); err != nil {
			return err
		}
		if err := t.restore(rp.ckpt); err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", ConfigFile, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(job.Dir, ConfigFile), append(js, '\n')); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	hist, err := loadHistory(job.Dir, t.step)
	if err != nil {
		return err
	}
	describe(job.Stdout, job, t, ds, rp)
	if rp == nil {
		if err := writeRealGrid(job.Dir, o, ds); err != nil {
			return err
		}
	}
	if t.step >= o.Steps {
		fmt.Fprintf(job.Stdout, "nothing to do: the run is at step %d of %d (raise --steps to continue)\n", t.step, o.Steps)
		return nil
	}
	logFile, err := os.OpenFile(filepath.Join(job.Dir, StatsFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer logFile.Close()

	var ev *evaluator
	if o.Verifier != "" {
		if ev, err = newEvaluator(ctx, o, ds, job.Dir, t.previewGenerator()); err != nil {
			return err
		}
	}
	bar := progress.New(job.Stderr, int(o.Steps), "train", progress.Unit("step"))
	start := time.Now()
	first := t.step
	lastLog, lastLogStep := start, t.step
	lastSaved := t.step
	imagesPerStep := float64(o.Tuples * o.Model.K)
	var acc statsSum // the figures of the steps since the last log line
	var pending *evalResult
	for t.step < o.Steps {
		if ctx.Err() != nil {
			bar.Finish()
			if t.step > lastSaved {
				path, err := t.save(job.Dir)
				if err != nil {
					return fmt.Errorf("interrupted at step %d, and the checkpoint failed: %w", t.step, err)
				}
				fmt.Fprintf(job.Stdout, "interrupted at step %d; saved %s\n", t.step, path)
			} else if rp == nil && t.step == 0 {
				fmt.Fprintf(job.Stdout, "interrupted before the first step: nothing to save\n")
				return interrupted{ctx.Err()}
			} else {
				fmt.Fprintf(job.Stdout, "interrupted at step %d, which the last checkpoint holds\n", t.step)
			}
			fmt.Fprintf(job.Stdout, "continue with: sdgan train --resume %s\n", job.Dir)
			return interrupted{ctx.Err()}
		}
		s, err := t.trainStep()
		if err != nil {
			bar.Finish()
			return fmt.Errorf("%w; the last good checkpoint is in %s (try a lower learning rate)", err, filepath.Join(job.Dir, model.CheckpointDir))
		}
		acc.add(s)
		if ev != nil && (t.step%o.EvalEvery == 0 || t.step == o.Steps) {
			if pending, err = t.runEvaluation(ctx, ev, job.Dir); err != nil {
				if ctx.Err() != nil {
					continue // stops at the top of the loop, saving a checkpoint
				}
				bar.Finish()
				return err
			}
			if err := writeMetricsPlot(job.Dir, o, append(hist, logLine{EvalStep: pending.step, Eval: pending.gen})); err != nil {
				return err
			}
		}
		if t.step%o.LogEvery == 0 || t.step == o.Steps {
			now := time.Now()
			lrG, lrD := o.learningRates(t.step - 1)
			m := acc.mean()
			acc = statsSum{}
			line := logLine{Step: t.step, Seconds: now.Sub(start).Seconds(),
				ImgPerSec: imagesPerStep * float64(t.step-lastLogStep) / now.Sub(lastLog).Seconds(),
				DLoss:     m.DLoss, GLoss: m.GLoss, LRG: lrG, LRD: lrD}
			switch o.Model.Arch {
			case model.BEGAN:
				line.BEGANLine = &BEGANLine{LReal: m.LReal, LFake: m.LFake, KT: m.KT, M: m.M}
			case model.ACGAN:
				line.ACGANLine = &ACGANLine{CEReal: m.AC.CEReal, CEFake: m.AC.CEFake, AccReal: m.AC.AccReal}
			}
			if o.Augment != "" {
				line.AugmentP = &m.AugmentP
			}
			if m.RTSet {
				line.RT = &m.RT
			}
			if m.Penalised {
				line.Penalty, line.GradNorm = &m.Penalty, &m.GradNorm
			}
			if o.Info > 0 {
				line.InfoD, line.InfoG = &m.InfoD, &m.InfoG
			}
			if o.IDTriplet > 0 {
				line.TripletD, line.TripletG = &m.TripletD, &m.TripletG
			}
			if pending != nil {
				line.EvalStep, line.Eval, line.EvalReal = pending.step, pending.gen, pending.real
				pending = nil
			}
			lastLog, lastLogStep = now, t.step
			hist = append(hist, line)
			b, _ := json.Marshal(line)
			if _, err := logFile.Write(append(b, '\n')); err != nil {
				return fmt.Errorf("write stats.jsonl: %w", err)
			}
			fields := fmt.Sprintf("%.1f img/s  D %.3f  G %.3f", line.ImgPerSec, m.DLoss, m.GLoss)
			switch o.Model.Arch {
			case model.BEGAN:
				fields += fmt.Sprintf("  k %.4f  M %.3f", m.KT, m.M)
			case model.ACGAN:
				fields += fmt.Sprintf("  class acc %.2f", m.AC.AccReal)
			}
			if o.AugmentTarget > 0 {
				fields += fmt.Sprintf("  p %.3f", m.AugmentP)
			}
			if m.Penalised {
				fields += fmt.Sprintf("  pen %.3g  |∇D| %.3g", m.Penalty, m.GradNorm)
			}
			if o.Info > 0 {
				fields += fmt.Sprintf("  info %.3f", m.InfoG)
			}
			if o.IDTriplet > 0 {
				fields += fmt.Sprintf("  triplet D %.3f G %.3f", m.TripletD, m.TripletG)
			}
			bar.Set(int(t.step), fields)
		}
		if t.step%o.PreviewEvery == 0 || t.step == o.Steps {
			if err := writePreview(job.Dir, o, t.previewGenerator(), t.step); err != nil {
				return err
			}
			if err := writePlot(job.Dir, o, hist); err != nil {
				return err
			}
		}
		if t.step%o.CheckpointEvery == 0 || t.step == o.Steps {
			if _, err := t.save(job.Dir); err != nil {
				return err
			}
			lastSaved = t.step
		}
	}
	bar.Finish()
	ran := fmt.Sprintf("%d steps", o.Steps)
	if first > 0 {
		ran = fmt.Sprintf("step %d (%d steps in this run, resumed at %d)", o.Steps, o.Steps-first, first)
	}
	fmt.Fprintf(job.Stdout, "done: %s in %s. Latest preview %s, losses %s, checkpoints in %s\n", ran,
		time.Since(start).Round(time.Second), filepath.Join(job.Dir, "preview.png"), filepath.Join(job.Dir, "losses.png"),
		filepath.Join(job.Dir, model.CheckpointDir))
	return nil
}

// openData loads the options' data set at the model's resolution, keeping identities with at least k images.
func openData(o Options, warn io.Writer) (*data.Dataset, error) {
	ds, err := data.Open(o.Data, data.Options{Res: o.Model.Res, Channels: o.Model.Channels, K: o.Model.K,
		Strict: o.Strict, FontDirs: o.FontDirs, MemoryBudget: o.MemoryMiB << 20, MaxPixels: o.MaxPixels, Warn: warn})
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	return ds, nil
}

// describe prints what is about to be trained and where the outputs go.
func describe(w io.Writer, job Job, t *trainer, ds *data.Dataset, rp *resumePoint) {
	o := t.opt
	c := o.Model
	if rp != nil {
		fmt.Fprintf(w, "resume    from %s (step %d)\n", rp.ckpt.Path, rp.ckpt.Step)
	}
	fmt.Fprintf(w, "data      %s: %d identities, %d images at %d×%d×%d (%s in memory)", ds.Name, len(ds.Identities),
		ds.NumImages(), ds.Res, ds.Res, ds.Channels, data.FormatBytes(ds.MemoryBytes()))
	if ds.Skipped > 0 {
		fmt.Fprintf(w, "; %d identities with fewer than k=%d images skipped", ds.Skipped, c.K)
	}
	fmt.Fprintln(w)
	if len(o.HoldOut) > 0 {
		fmt.Fprintf(w, "held out  %d identities, never trained on (%s); eval project measures projection on them\n", len(o.HoldOut), holdOutSource(o))
	}
	fmt.Fprintf(w, "model     %s %d×%d×%d, k=%d, d_I=%d, d_O=%d: G %s parameters, D %s parameters\n",
		model.ArchName(c.Arch), c.Res, c.Res, c.Channels, c.K, c.DI, c.DO,
		thousands(model.Count(t.g.Params())), thousands(model.Count(t.d.Params())))
	if c.Arch == model.ACGAN {
		fmt.Fprintf(w, "          %d identity labels (the data's identities): z_I is a learned row per label, and the\n"+
			"          discriminator judges single images, %d per step, with a real/fake and an identity output\n", c.Classes, o.Tuples*c.K)
	}
	lrG, lrD := o.learningRates(t.step)
	loss := o.Loss
	if o.GPLambda > 0 {
		loss += fmt.Sprintf(" (gradient penalty λ %g)", o.GPLambda)
	}
	if o.R1Gamma > 0 {
		loss += fmt.Sprintf(" + R1 γ %g every %d updates", o.R1Gamma, o.R1Every)
	}
	fmt.Fprintf(w, "training  loss %s, %d tuples (%d images) per batch, lr G %g D %g, seed %d, steps %d → %d\n",
		loss, o.Tuples, o.Tuples*c.K, lrG, lrD, o.Seed, t.step, o.Steps)
	fmt.Fprintf(w, "outputs   %s: preview.png and previews/ every %d steps, real.png, losses.png, stats.jsonl, checkpoints/ every %d steps\n",
		job.Dir, o.PreviewEvery, o.CheckpointEvery)
}

// thousands formats n with commas: 5,134,915.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// loadHistory reads stats.jsonl for the plot and drops lines that do not parse (a line cut short by a crash) and
// lines past step (written after the checkpoint that a resumed run continues from, so they will be written again),
// rewriting the file when it drops any. Lines may be of any length.
func loadHistory(dir string, step int64) ([]logLine, error) {
	path := filepath.Join(dir, StatsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var hist []logLine
	var kept bytes.Buffer
	dropped := len(b) > 0 && b[len(b)-1] != '\n' // a last line cut short, or one the next line would be appended to
	for rest := b; len(rest) > 0; {
		line, tail, _ := bytes.Cut(rest, []byte{'\n'})
		rest = tail
		var l logLine
		if json.Unmarshal(line, &l) != nil || l.Step > step {
			dropped = true
			continue
		}
		hist = append(hist, l)
		kept.Write(line)
		kept.WriteByte('\n')
	}
	if dropped {
		if err := atomicfile.WriteFile(path, kept.Bytes()); err != nil {
			return nil, err
		}
	}
	return hist, nil
}

// began returns the line's SD-BEGAN figures, zero where it has none (a line written by an older version).
func (l logLine) began() BEGANLine {
	if l.BEGANLine == nil {
		return BEGANLine{}
	}
	return *l.BEGANLine
}

// acgan returns the line's AC-DCGAN figures, zero where it has none.
func (l logLine) acgan() ACGANLine {
	if l.ACGANLine == nil {
		return ACGANLine{}
	}
	return *l.ACGANLine
}
