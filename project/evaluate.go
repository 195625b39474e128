package project

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"sdgan/data"
	"sdgan/eval"
	"sdgan/model"
	"sdgan/verify"
)

// EvalJob is one evaluation of projection (sdgan eval project): for every identity of Data, project K of its
// images for each K of Ks, draw Views new observations of the projected identity, and score them with Verifier
// against the identity's other real images (those never projected) and against the other identities' images.
type EvalJob struct {
	G        model.Generator
	Cfg      model.Config
	Loss     Loss
	Options  Options // per projection; its Seed is replaced by one derived from Seed, the identity and K
	Verifier *verify.Verifier
	// Data holds the identities to evaluate on (the ones the generator never saw); each needs more than max(Ks)
	// images, or it is skipped and listed in EvalReport.Skipped.
	Data *data.Dataset
	Ks   []int
	// Views is the new observations drawn per projection; Others the images of each other identity that every
	// view is compared with (different-identity pairs).
	Views, Others int
	Seed          uint64
	Examples      int // identities whose pictures EvalRow.Examples keeps (the first ones)
	// Picker, when not nil, picks every projection's new views (see Pick): PickPool·Views candidates drawn, the
	// Views that Picker scores as most like the projected images kept. The random-z_I row picks the same way,
	// against the identity's inputs, so that it shows what picking gives without projection. PickPool ≤ 1: none.
	Picker   *verify.Verifier
	PickPool int
	// Progress, when not nil, is called after every projection step with the steps done of all projections.
	Progress func(done, total int)
}

// EvalRow is the figures for one K.
type EvalRow struct {
	K          int     `json:"k"`
	Identities int     `json:"identities"`
	SamePairs  int     `json:"same_pairs"`       // (new view, other real image of the identity) pairs
	DiffPairs  int     `json:"different_pairs"`  // (new view, image of another identity) pairs
	SameAccept float64 `json:"accept_same"`      // fraction of same pairs the verifier accepts ↑
	DiffAccept float64 `json:"accept_different"` // fraction of different pairs it accepts ↓
	AUC        float64 `json:"auc"`              // same against different pairs' scores ↑
	// The reconstruction of the K inputs by their projections, averaged over inputs.
	MSSSIM float64 `json:"recon_msssim,omitempty"`
	PSNR   float64 `json:"recon_psnr_db,omitempty"`
	// ViewsMSSSIM is the mean MS-SSIM between two new views of one projected identity (for the real-inputs row:
	// between two real images of one identity). Far above the real row's, the views repeat one image (as when
	// they copy an input), which the verifier's acceptance rewards: new views should differ as real images do.
	ViewsMSSSIM float64 `json:"views_msssim"`
	// InputMSSSIM is the mean, over new views, of the highest MS-SSIM between a view and one of the K images
	// projected (for the real-inputs row: the identity's other real images against its inputs). Near the real
	// row's, the views are new observations; near 1, they copy the inputs.
	InputMSSSIM float64 `json:"input_msssim"`

	// PerIdentity breaks the acceptance rates down by identity (the reference rows have none).
	PerIdentity []IdentityRow `json:"per_identity,omitempty"`

	Examples []EvalExample `json:"-"`
}

// IdentityRow is one identity's acceptance rates for one K.
type IdentityRow struct {
	Identity   string  `json:"identity"`
	SameAccept float64 `json:"accept_same"`
	DiffAccept float64 `json:"accept_different"`
}

// EvalExample is one identity's pictures for one K.
type EvalExample struct {
	Identity                              string
	Inputs, Projections, NewViews, Others [][]float32
}

// EvalReport is an evaluation's figures: one row per K, and two reference rows measured the same way: the real
// inputs themselves in place of new views (what a perfect projection could reach), and new views of random
// identity codes (what no projection gives).
type EvalReport struct {
	Rows      []EvalRow `json:"rows"`
	Real      EvalRow   `json:"real_inputs"` // K = max(Ks): the real inputs scored as the new views are
	Random    EvalRow   `json:"random_z_i"`  // views of a random z_I per identity
	Skipped   []string  `json:"skipped"`     // identities with too few images
	Threshold float64   `json:"threshold"`   // the verifier's
	Evaluated []string  `json:"identities"`  // the identities evaluated, in order
}

// scores gathers a row's verifier scores.
type scores struct {
	same, diff   []float64
	msssim, psnr []float64
	within       []float64 // MS-SSIM between images of one identity (see EvalRow.ViewsMSSSIM)
	nearest      []float64 // each view's highest MS-SSIM to an input (see EvalRow.InputMSSSIM)
}

// addNearest adds, for each view, its highest MS-SSIM to one of inputs.
func (s *scores) addNearest(views, inputs [][]float32, cfg model.Config) error {
	for _, v := range views {
		best := -1.0
		for _, in := range inputs {
			ms, _, err := Quality(v, in, cfg)
			if err != nil {
				return err
			}
			best = max(best, ms)
		}
		s.nearest = append(s.nearest, best)
	}
	return nil
}

// addWithin adds the MS-SSIM of every pair of imgs (images of one identity).
func (s *scores) addWithin(imgs [][]float32, cfg model.Config) error {
	for i := range imgs {
		for j := i + 1; j < len(imgs); j++ {
			ms, _, err := Quality(imgs[i], imgs[j], cfg)
			if err != nil {
				return err
			}
			s.within = append(s.within, ms)
		}
	}
	return nil
}

func (s *scores) row(k, ids int, threshold float64) (EvalRow, error) {
	r := EvalRow{K: k, Identities: ids, SamePairs: len(s.same), DiffPairs: len(s.diff)}
	if len(s.same) == 0 || len(s.diff) == 0 {
		return r, errors.New("no pairs to score")
	}
	r.SameAccept, r.DiffAccept = acceptRate(s.same, threshold), acceptRate(s.diff, threshold)
	var err error
	if r.AUC, err = eval.AUC(s.same, s.diff); err != nil {
		return r, err
	}
	if len(s.msssim) > 0 { // the reference rows reconstruct nothing
		r.MSSSIM, r.PSNR = eval.Mean(s.msssim), eval.Mean(s.psnr)
	}
	if len(s.within) > 0 {
		r.ViewsMSSSIM = eval.Mean(s.within)
	}
	if len(s.nearest) > 0 {
		r.InputMSSSIM = eval.Mean(s.nearest)
	}
	return r, nil
}

func acceptRate(scores []float64, threshold float64) float64 {
	n := 0
	for _, s := range scores {
		if s >= threshold {
			n++
		}
	}
	return float64(n) / float64(len(scores))
}

// Evaluate runs the job; see EvalJob. It stops with ctx's error soon after ctx is done.
func Evaluate(ctx context.Context, job EvalJob) (*EvalReport, error) {
	if len(job.Ks) == 0 || job.Views < 1 || job.Others < 1 {
		return nil, fmt.Errorf("eval project: Ks %v, %d views, %d other images per identity: want at least one of each", job.Ks, job.Views, job.Others)
	}
	if err := CheckVerifier(job.Verifier, job.Cfg); err != nil {
		return nil, err
	}
	maxK := slices.Max(job.Ks)
	rep := &EvalReport{Threshold: job.Verifier.Threshold}
	var ids []int
	for i, id := range job.Data.Identities {
		if len(id.Images) <= maxK {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %d images; projecting %d needs at least %d", id.Name, len(id.Images), maxK, maxK+1))
			continue
		}
		ids = append(ids, i)
		rep.Evaluated = append(rep.Evaluated, id.Name)
	}
	if len(ids) < 2 {
		return nil, fmt.Errorf("eval project: %d identities of %s with more than %d images; want at least 2 (the different-identity pairs need another)",
			len(ids), job.Data.Name, maxK)
	}
	embed := job.Verifier.Net.Embed
	pool := 1
	var pickEmbed func([][]float32) [][]float32
	if job.Picker != nil && job.PickPool > 1 {
		if err := CheckVerifier(job.Picker, job.Cfg); err != nil {
			return nil, fmt.Errorf("eval project: the picking verifier: %w", err)
		}
		pool, pickEmbed = job.PickPool, job.Picker.Net.Embed
	}
	img := func(id, k int) ([]float32, error) { return job.Data.Image(id, k) }

	// Per identity: a permutation of its images; the first max(Ks) are the inputs (the first K for each K), the
	// rest are its other images. Other identities contribute Others images each, drawn once.
	type ident struct {
		inputs, others [][]float32
		othersE        [][]float32 // embeddings of others
		sample         [][]float32 // the identity's images that other identities' views are compared with
		sampleE        [][]float32
	}
	idents := make([]ident, len(ids))
	for n, i := range ids {
		rng := rand.New(rand.NewPCG(job.Seed, uint64(i)))
		perm := rng.Perm(len(job.Data.Identities[i].Images))
		for j, p := range perm {
			x, err := img(i, p)
			if err != nil {
				return nil, err
			}
			if j < maxK {
				idents[n].inputs = append(idents[n].inputs, x)
			} else {
				idents[n].others = append(idents[n].others, x)
			}
		}
		idents[n].sample = idents[n].others[:min(job.Others, len(idents[n].others))]
		idents[n].othersE = embed(idents[n].others)
		idents[n].sampleE = embed(idents[n].sample)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	// score adds, for identity n, the scores of views against its others (same) and other identities' samples.
	score := func(s *scores, n int, views [][]float32) {
		ve := embed(views)
		for _, v := range ve {
			for _, o := range idents[n].othersE {
				s.same = append(s.same, verify.Cosine(v, o))
			}
			for m := range idents {
				if m == n {
					continue
				}
				for _, o := range idents[m].sampleE {
					s.diff = append(s.diff, verify.Cosine(v, o))
				}
			}
		}
	}
	var real, random scores
	for n := range idents {
		score(&real, n, idents[n].inputs)
		rng := rand.New(rand.NewPCG(job.Seed^0x7a4d, uint64(ids[n])))
		zi := model.Uniform(rng, 1, job.Cfg.DI)
		_, views, err := Pick(job.G, job.Cfg, zi[0], idents[n].inputs, pickEmbed, job.Views, pool, rng)
		if err != nil {
			return nil, err
		}
		score(&random, n, views)
		if err := real.addWithin(idents[n].inputs, job.Cfg); err != nil {
			return nil, err
		}
		if err := real.addNearest(idents[n].others[:min(job.Views, len(idents[n].others))], idents[n].inputs, job.Cfg); err != nil {
			return nil, err
		}
		if err := random.addWithin(views, job.Cfg); err != nil {
			return nil, err
		}
		if err := random.addNearest(views, idents[n].inputs, job.Cfg); err != nil {
			return nil, err
		}
	}
	var err error
	if rep.Real, err = real.row(maxK, len(ids), rep.Threshold); err != nil {
		return nil, err
	}
	if rep.Random, err = random.row(0, len(ids), rep.Threshold); err != nil {
		return nil, err
	}

	total := len(ids) * len(job.Ks) * job.Options.Steps
	done := 0
	for _, k := range job.Ks {
		var s scores
		var examples []EvalExample
		var per []IdentityRow
		for n := range idents {
			o := job.Options
			o.Seed = job.Seed ^ uint64(ids[n])<<16 ^ uint64(k)<<48
			base := done
			o.Progress = func(step, _ int, _ float64) {
				if job.Progress != nil {
					job.Progress(base+step, total)
				}
			}
			inputs := idents[n].inputs[:k]
			r, err := Project(ctx, job.G, job.Cfg, inputs, job.Loss, o)
			if err != nil {
				return nil, fmt.Errorf("eval project: %s, K = %d: %w", job.Data.Identities[ids[n]].Name, k, err)
			}
			done += job.Options.Steps
			for i := range inputs {
				ms, psnr, err := Quality(inputs[i], r.Images[i], job.Cfg)
				if err != nil {
					return nil, err
				}
				s.msssim, s.psnr = append(s.msssim, ms), append(s.psnr, psnr)
			}
			rng := rand.New(rand.NewPCG(job.Seed^0x9e0d, uint64(ids[n])<<8|uint64(k)))
			_, views, err := Pick(job.G, job.Cfg, r.ZI, inputs, pickEmbed, job.Views, pool, rng)
			if err != nil {
				return nil, err
			}
			if err := s.addWithin(views, job.Cfg); err != nil {
				return nil, err
			}
			if err := s.addNearest(views, inputs, job.Cfg); err != nil {
				return nil, err
			}
			var mine scores
			score(&mine, n, views)
			s.same, s.diff = append(s.same, mine.same...), append(s.diff, mine.diff...)
			per = append(per, IdentityRow{Identity: job.Data.Identities[ids[n]].Name,
				SameAccept: acceptRate(mine.same, rep.Threshold), DiffAccept: acceptRate(mine.diff, rep.Threshold)})
			if n < job.Examples {
				examples = append(examples, EvalExample{Identity: job.Data.Identities[ids[n]].Name, Inputs: inputs,
					Projections: r.Images, NewViews: views, Others: idents[n].others[:min(job.Views, len(idents[n].others))]})
			}
		}
		row, err := s.row(k, len(ids), rep.Threshold)
		if err != nil {
			return nil, err
		}
		row.Examples, row.PerIdentity = examples, per
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}
