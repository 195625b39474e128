package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"sdgan/data"
	"sdgan/internal/interrupt"
	"sdgan/internal/progress"
	"sdgan/model"
	"sdgan/nn"
)

// Job is one call of Train.
type Job struct {
	Options Options
	Dir     string    // the verifier folder: FileName, CheckpointName, report.json, roc.png
	Resume  bool      // continue from Dir's checkpoint (Options must be ResumeOptions' result, Steps may grow)
	Stdout  io.Writer // set-up facts and results
	Stderr  io.Writer // progress bar and warnings
}

// trainer holds a run's live state: everything a checkpoint saves.
type trainer struct {
	opt     Options
	net     *Net
	adam    *nn.Adam
	pcg     *rand.PCG // draws the batches
	rng     *rand.Rand
	tp      *nn.Tape // reused every step, so that its buffers are recycled
	step    int64
	train   *data.Dataset
	heldOut *data.Dataset
}

// Train trains a verifier on Options.Data minus Options.HeldOut identities, writes checkpoints while it runs,
// scores it on the held-out identities and writes the verifier (FileName), report.json and roc.png into Dir.
// It is deterministic for a seed: the same options give the same file.
//
// Cancelling ctx stops it within a step: a run that has trained since it started saves a checkpoint to resume
// from; one that has not (still loading its data, or at its first step) leaves no folder of its own behind, and
// neither does a run that fails before its first checkpoint.
func Train(ctx context.Context, job Job) (v *Verifier, err error) {
	o := job.Options
	if err := o.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	t, err := interrupt.Wait(ctx, func() (*trainer, error) { return newTrainer(o, job.Stderr) })
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(job.Stdout, "interrupted while loading %s; nothing written\n", o.Data)
		}
		return nil, err
	}
	if job.Resume {
		if err := t.restore(job.Dir); err != nil {
			return nil, err
		}
	}
	if _, statErr := os.Stat(job.Dir); errors.Is(statErr, fs.ErrNotExist) {
		defer func() {
			if err != nil {
				os.Remove(job.Dir) // only if still empty: nothing saved yet
			}
		}()
	}
	if err := os.MkdirAll(job.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(job.Stdout, "data      %s: %d identities at %d×%d×%d; training on %d, holding out %d\n", o.Data,
		len(t.train.Identities)+len(t.heldOut.Identities), o.Res, o.Res, t.net.cfg.Channels, len(t.train.Identities), len(t.heldOut.Identities))
	fmt.Fprintf(job.Stdout, "verifier  4 conv 3×3/2 %v + BN + LeakyReLU, dense → %d, L2-normalised: %d parameters\n",
		t.net.cfg.Widths, t.net.cfg.Embed, model.Count(t.net.Params()))
	fmt.Fprintf(job.Stdout, "training  %s triplet loss, margin %g, %d identities × %d images per batch, Adam lr %g, steps %d → %d, seed %d\n",
		o.Loss, o.Margin, t.batchIDs(), o.PerID, o.LR, t.step, o.Steps, o.Seed)

	bar := progress.New(job.Stderr, int(o.Steps), "verifier", progress.Unit("step"))
	var lossSum float64
	var lossN, activeSum, anchors int
	lastLoss := 0.0
	startStep := t.step
	for t.step < o.Steps {
		if ctx.Err() != nil {
			bar.Finish()
			if t.step == startStep {
				fmt.Fprintf(job.Stdout, "interrupted before the first step; nothing written\n")
				return nil, ctx.Err()
			}
			if err := t.save(job.Dir); err != nil {
				return nil, fmt.Errorf("interrupted at step %d, and the checkpoint failed: %w", t.step, err)
			}
			fmt.Fprintf(job.Stdout, "interrupted at step %d; continue with: sdgan verifier train --resume %s\n", t.step, job.Dir)
			return nil, ctx.Err()
		}
		loss, active, n, err := t.trainStep()
		if err != nil {
			return nil, err
		}
		lossSum += loss
		lossN++
		activeSum += active
		anchors += n
		if t.step%10 == 0 || t.step == o.Steps {
			lastLoss = lossSum / float64(lossN)
			bar.Set(int(t.step), fmt.Sprintf("loss %.4f  active %.0f%%", lastLoss, 100*float64(activeSum)/float64(anchors)))
			lossSum, lossN, activeSum, anchors = 0, 0, 0, 0
		}
		if t.step%o.CheckpointEvery == 0 && t.step < o.Steps {
			if err := t.save(job.Dir); err != nil {
				return nil, err
			}
			if m, err := Evaluate(ctx, t.net, t.heldOut, min(o.Pairs, 500), o.Seed); err == nil {
				bar.Printf("step %d: held-out AUC %.4f, EER %.4f (500 pairs)", t.step, m.AUC, m.EER)
			}
		}
	}
	bar.Finish()
	if err := t.save(job.Dir); err != nil {
		return nil, err
	}
	v, m, err := t.finish(ctx, lastLoss, time.Since(start))
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(job.Stdout, "interrupted while scoring, after the last step; score it with: sdgan verifier train --resume %s\n", job.Dir)
			return nil, ctx.Err()
		}
		return nil, err
	}
	path := filepath.Join(job.Dir, FileName)
	if err := Save(path, v); err != nil {
		return nil, err
	}
	if err := writeReport(job.Dir, v, m); err != nil {
		return nil, err
	}
	fmt.Fprintf(job.Stdout, "held-out  %d identities, %d same + %d different pairs: AUC %.4f, EER %.4f, accuracy %.4f at cosine ≥ %.4f (train identities: AUC %.4f)\n",
		v.Facts.HeldOutIDs, m.Pairs, m.Pairs, m.AUC, m.EER, m.Accuracy, m.Threshold, v.Facts.TrainAUC)
	fmt.Fprintf(job.Stdout, "done      %d steps in %s; verifier %s, report %s\n", o.Steps, time.Since(start).Round(time.Second),
		path, filepath.Join(job.Dir, "report.json"))
	return v, nil
}

// newTrainer loads the data, splits off the held-out identities and builds the network and optimiser.
func newTrainer(o Options, warn io.Writer) (*trainer, error) {
	ds, err := data.Open(o.Data, data.Options{Res: o.Res, Channels: o.Channels, K: o.PerID, MaxPixels: o.MaxPixels, Warn: warn})
	if err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	if len(ds.Identities) < o.HeldOut+2 {
		return nil, fmt.Errorf("--held-out %d: %s has %d identities with at least --per-id %d images; want at least %d (the held-out ones and 2 to train on)",
			o.HeldOut, o.Data, len(ds.Identities), o.PerID, o.HeldOut+2)
	}
	train, held, err := split(ds, o)
	if err != nil {
		return nil, err
	}
	net, err := NewNet(DefaultConfig(o.Res, ds.Channels), rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return nil, err
	}
	pcg := rand.NewPCG(o.Seed, 2)
	return &trainer{opt: o, net: net, adam: nn.NewAdam(net.Params(), float32(o.LR), 0.9, 0.999, 1e-8),
		pcg: pcg, rng: rand.New(pcg), tp: nn.NewTape(), train: train, heldOut: held}, nil
}

// batchIDs is P, the identities per batch: Options.IDs, or every training identity when there are fewer.
func (t *trainer) batchIDs() int { return min(t.opt.IDs, len(t.train.Identities)) }

// trainStep draws P distinct identities × K distinct images, takes one Adam step on the triplet loss and returns
// the loss, the active triplets (or anchors) and the valid ones.
func (t *trainer) trainStep() (loss float64, active, valid int, err error) {
	p, k, size := t.batchIDs(), t.opt.PerID, t.net.cfg.ImageSize()
	x := make([]float32, 0, p*k*size)
	labels := make([]int, 0, p*k)
	for _, id := range t.rng.Perm(len(t.train.Identities))[:p] {
		for _, j := range t.rng.Perm(len(t.train.Identities[id].Images))[:k] {
			img, err := t.train.Image(id, j) // decoded on the fly for data sets over the memory budget
			if err != nil {
				return 0, 0, 0, err
			}
			x = append(x, img...)
			labels = append(labels, id)
		}
	}
	tp := t.tp
	res := t.net.cfg.Res
	emb := t.net.Forward(tp.Input(x, p*k, res, res, t.net.cfg.Channels), true)
	lossFn := BatchAllTriplet
	if t.opt.Loss == LossBatchHard {
		lossFn = BatchHardTriplet
	}
	l, active, valid := lossFn(emb, labels, float32(t.opt.Margin))
	tp.Backward(l)
	t.adam.Step()
	t.step++
	loss = float64(l.Item())
	tp.Reset()
	return loss, active, valid, nil
}

// finish scores the trained network and assembles the Verifier with its threshold and facts.
func (t *trainer) finish(ctx context.Context, lastLoss float64, took time.Duration) (*Verifier, Metrics, error) {
	m, err := Evaluate(ctx, t.net, t.heldOut, t.opt.Pairs, t.opt.Seed)
	if err != nil {
		return nil, m, fmt.Errorf("score the held-out identities: %w", err)
	}
	tm, err := Evaluate(ctx, t.net, t.train, min(t.opt.Pairs, 1000), t.opt.Seed+1)
	if err != nil {
		return nil, m, fmt.Errorf("score the training identities: %w", err)
	}
	v := &Verifier{Net: t.net, Threshold: m.Threshold, Facts: Facts{Data: t.opt.Data, Seed: t.opt.Seed, Steps: t.step,
		TrainIDs: len(t.train.Identities), HeldOutIDs: len(t.heldOut.Identities), Seconds: took.Seconds(),
		HeldOutPairs: m.Pairs, AUC: m.AUC, EER: m.EER, Accuracy: m.Accuracy, TrainAUC: tm.AUC, FinalTripletLoss: lastLoss}}
	for _, id := range t.heldOut.Identities {
		v.HeldOut = append(v.HeldOut, id.Name)
	}
	return v, m, nil
}

// optionsJSON is o as JSON, for the checkpoint and the report.
func optionsJSON(o Options) string {
	js, _ := json.Marshal(o) // Options holds only numbers and strings: Marshal cannot fail
	return string(js)
}

// split returns ds's training and held-out identities: o.HeldOutNames when set (all of them must be in ds), else
// o.HeldOut identities drawn with o.Seed.
func split(ds *data.Dataset, o Options) (train, held *data.Dataset, err error) {
	if o.HeldOutNames == nil {
		train, held, err = ds.Split(o.HeldOut, o.Seed)
		if err != nil {
			return nil, nil, fmt.Errorf("--held-out: %w", err)
		}
		return train, held, nil
	}
	names := map[string]bool{}
	for _, n := range o.HeldOutNames {
		names[n] = true
	}
	held = ds.Subset(func(name string) bool { return names[name] })
	if len(held.Identities) != len(names) {
		found := map[string]bool{}
		for _, id := range held.Identities {
			found[id.Name] = true
		}
		for _, n := range o.HeldOutNames {
			if !found[n] {
				return nil, nil, fmt.Errorf("--hold-out-from: identity %q is not in %s (with at least --per-id %d images)", n, o.Data, o.PerID)
			}
		}
	}
	return ds.Subset(func(name string) bool { return !names[name] }), held, nil
}
