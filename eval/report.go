package eval

import (
	"context"
	"fmt"
)

// ReportInput is what BuildReport measures: pairs of generated images and, optionally, of real images, each
// image Res·Res·Channels values in [−1, 1] (NHWC), and optionally a verifier's embedding and threshold.
type ReportInput struct {
	Res, Channels int
	GenSame       [][2][]float32 // generated pairs sharing z_I (independent z_O)
	GenDiff       [][2][]float32 // generated pairs with independent z_I (and z_O)
	RealSame      [][2][]float32 // real same-identity pairs; nil when there is no real data
	RealDiff      [][2][]float32 // real different-identity pairs; nil when there is no real data
	// Embed maps images to unit embeddings; nil when there is no verifier. Pairs are accepted as one identity
	// when the cosine similarity of their embeddings is at least Threshold.
	Embed     func(images [][]float32) [][]float32
	Threshold float64
	NoReal    string // why there are no real pairs (shown in the report), when RealSame is nil
	NoEmbed   string // why there is no verifier, when Embed is nil
}

// Figure is one measured quantity, for generated images and for real ones (the reference). A nil value was not
// measured; Skipped says why.
type Figure struct {
	Key        string   `json:"key"`
	Definition string   `json:"definition"`
	Generated  *float64 `json:"generated"`
	Real       *float64 `json:"real"`
	Skipped    string   `json:"skipped,omitempty"`
}

// Report is the evaluation of a generator, as the SD-GAN paper measured it: identity coherence (a verifier's
// acceptance of same-z_I and different-z_I pairs, against real pairs) and diversity (MS-SSIM within and across
// identities), plus pixel-distance statistics and the Fréchet distance in the verifier's embedding space.
type Report struct {
	Figures []Figure `json:"figures"`
	Skipped []string `json:"skipped"` // every figure group that was not measured, and why
	// Warnings says, in words, when the figures mislead: signs of a collapsed generator (CollapseWarnings).
	Warnings []string `json:"warnings"`
	// ROC curves of same vs different pairs (nil when not measured), scored by ROCScore.
	GenROC   *Curve `json:"-"`
	RealROC  *Curve `json:"-"`
	ROCScore string `json:"roc_score"`
}

// Figure returns the figure with key, or nil.
func (r *Report) Figure(key string) *Figure {
	for i := range r.Figures {
		if r.Figures[i].Key == key {
			return &r.Figures[i]
		}
	}
	return nil
}

// BuildReport measures every figure that in's inputs allow and lists the others as skipped. It returns ctx's error
// soon after ctx is cancelled (it looks between figures, between pairs and between batches of images to embed).
func BuildReport(ctx context.Context, in ReportInput) (*Report, error) {
	if len(in.GenSame) == 0 || len(in.GenDiff) == 0 {
		return nil, fmt.Errorf("report: %d same-z_I and %d different-z_I generated pairs; want at least 1 of each", len(in.GenSame), len(in.GenDiff))
	}
	hasReal := len(in.RealSame) > 0 && len(in.RealDiff) > 0
	r := &Report{}
	if !hasReal {
		r.Skipped = append(r.Skipped, "real-image figures: "+orDefault(in.NoReal, "no real pairs given"))
	}
	if in.Embed == nil {
		r.Skipped = append(r.Skipped, "verifier figures (acceptance rates, verifier AUC and accuracy, Fréchet distance): "+orDefault(in.NoEmbed, "no verifier given"))
	} else if !hasReal {
		r.Skipped = append(r.Skipped, "Fréchet distance: it compares generated with real images, and there are none")
	}
	// both computes a figure on the generated pairs and, when there are real pairs, on them too.
	both := func(key, def string, f func(same, diff [][2][]float32) (float64, error)) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		fig := Figure{Key: key, Definition: def}
		g, err := f(in.GenSame, in.GenDiff)
		if err != nil {
			return fmt.Errorf("report: %s of generated pairs: %w", key, err)
		}
		fig.Generated = &g
		if hasReal {
			v, err := f(in.RealSame, in.RealDiff)
			if err != nil {
				return fmt.Errorf("report: %s of real pairs: %w", key, err)
			}
			fig.Real = &v
		} else {
			fig.Skipped = "real: " + orDefault(in.NoReal, "no real pairs")
		}
		r.Figures = append(r.Figures, fig)
		return nil
	}

	var gen, real *pairScores
	if in.Embed != nil {
		var err error
		if gen, err = scorePairs(ctx, in.Embed, in.GenSame, in.GenDiff); err != nil {
			return nil, err
		}
		if hasReal {
			if real, err = scorePairs(ctx, in.Embed, in.RealSame, in.RealDiff); err != nil {
				return nil, err
			}
		}
		verifierFigures := []struct {
			key, def string
			f        func(s *pairScores) (float64, error)
		}{
			{"verifier_accept_same", "fraction of same-identity pairs (same z_I, different z_O; real: same identity) that the verifier accepts as one identity (higher = more identity-coherent)",
				func(s *pairScores) (float64, error) { return fractionAtLeast(s.pos, in.Threshold), nil }},
			{"verifier_accept_different", "fraction of different-identity pairs (different z_I; real: different identities) that the verifier accepts as one identity (lower is better)",
				func(s *pairScores) (float64, error) { return fractionAtLeast(s.neg, in.Threshold), nil }},
			{"verifier_accuracy", "accuracy of the verifier at its threshold on same vs different pairs (equal numbers of each)",
				func(s *pairScores) (float64, error) { return Accuracy(s.pos, s.neg, in.Threshold) }},
			{"verifier_auc", "ROC AUC of the verifier's cosine similarity, same vs different pairs: probability that a same pair scores above a different one",
				func(s *pairScores) (float64, error) { return AUC(s.pos, s.neg) }},
		}
		for _, vf := range verifierFigures {
			fig := Figure{Key: vf.key, Definition: vf.def}
			g, err := vf.f(gen)
			if err != nil {
				return nil, fmt.Errorf("report: %s of generated pairs: %w", vf.key, err)
			}
			fig.Generated = &g
			if real != nil {
				v, err := vf.f(real)
				if err != nil {
					return nil, fmt.Errorf("report: %s of real pairs: %w", vf.key, err)
				}
				fig.Real = &v
			} else {
				fig.Skipped = "real: " + orDefault(in.NoReal, "no real pairs")
			}
			r.Figures = append(r.Figures, fig)
		}
		if hasReal {
			if err := r.addFrechet(gen, real); err != nil {
				return nil, err
			}
		}
	}

	pixelFigures := []struct {
		key, def string
		f        func(same, diff [][2][]float32) (float64, error)
	}{
		{"pixel_rms_same", "mean root-mean-square pixel difference (pixels in [−1, 1]) between the images of same-identity pairs",
			func(same, _ [][2][]float32) (float64, error) { return meanOver(same, RMSDistance), nil }},
		{"pixel_rms_different", "mean root-mean-square pixel difference between the images of different-identity pairs",
			func(_, diff [][2][]float32) (float64, error) { return meanOver(diff, RMSDistance), nil }},
		{"pixel_l1_same", "mean absolute pixel difference (pixels in [−1, 1]) between the images of same-identity pairs",
			func(same, _ [][2][]float32) (float64, error) { return meanOver(same, MeanAbsDistance), nil }},
		{"pixel_l1_different", "mean absolute pixel difference between the images of different-identity pairs",
			func(_, diff [][2][]float32) (float64, error) { return meanOver(diff, MeanAbsDistance), nil }},
		{"pixel_auc", "ROC AUC of −(RMS pixel difference), same vs different pairs: how well raw pixel distance alone tells them apart",
			func(same, diff [][2][]float32) (float64, error) {
				return AUC(negated(same, RMSDistance), negated(diff, RMSDistance))
			}},
		{"msssim_same", "mean MS-SSIM (pixels mapped to 0..255) between the images of same-identity pairs: within-identity diversity, lower = more diverse",
			func(same, _ [][2][]float32) (float64, error) { return meanMSSSIM(ctx, same, in.Res, in.Channels) }},
		{"msssim_different", "mean MS-SSIM between the images of different-identity pairs (independent samples): overall diversity, lower = more diverse",
			func(_, diff [][2][]float32) (float64, error) { return meanMSSSIM(ctx, diff, in.Res, in.Channels) }},
	}
	for _, pf := range pixelFigures {
		if err := both(pf.key, pf.def, pf.f); err != nil {
			return nil, err
		}
	}

	if gen == nil { // no verifier: the ROC of raw pixel distance
		r.ROCScore = "−(RMS pixel difference)"
		gen = &pairScores{pos: negated(in.GenSame, RMSDistance), neg: negated(in.GenDiff, RMSDistance)}
		if hasReal {
			real = &pairScores{pos: negated(in.RealSame, RMSDistance), neg: negated(in.RealDiff, RMSDistance)}
		}
	} else {
		r.ROCScore = "verifier cosine similarity"
	}
	var err error
	if r.GenROC, r.RealROC, err = rocOf(gen, real); err != nil {
		return nil, fmt.Errorf("report: ROC (%s): %w", r.ROCScore, err)
	}
	r.Warnings = CollapseWarnings(r.Figures)
	if r.Warnings == nil {
		r.Warnings = []string{} // "warnings": [] in report.json: looked for, none found
	}
	return r, nil
}

// pairScores are the verifier scores of same (pos) and different (neg) pairs, with the embeddings of their
// images in pair order (a0, b0, a1, b1, …, same pairs first).
type pairScores struct {
	pos, neg []float64
	emb      [][]float32
}

// embedBatch is how many images scorePairs embeds between two looks at its context.
const embedBatch = 256

// scorePairs embeds every image of the pairs and scores each pair by cosine similarity.
func scorePairs(ctx context.Context, embed func([][]float32) [][]float32, same, diff [][2][]float32) (*pairScores, error) {
	var images [][]float32
	for _, p := range append(append([][2][]float32(nil), same...), diff...) {
		images = append(images, p[0], p[1])
	}
	emb := make([][]float32, 0, len(images))
	for start := 0; start < len(images); start += embedBatch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		emb = append(emb, embed(images[start:min(start+embedBatch, len(images))])...)
	}
	s := &pairScores{emb: emb}
	for i := range same {
		s.pos = append(s.pos, dot(emb[2*i], emb[2*i+1]))
	}
	for i := range diff {
		j := len(same) + i
		s.neg = append(s.neg, dot(emb[2*j], emb[2*j+1]))
	}
	return s, nil
}

// addFrechet adds the Fréchet distance between Gaussians fitted to the embeddings of generated and real images.
// For equal sample sizes, the generated figure uses the even-numbered generated images against the odd-numbered
// real ones, and the real reference the even-numbered real images against the same odd-numbered ones.
func (r *Report) addFrechet(gen, real *pairScores) error {
	half := func(emb [][]float32, parity int) [][]float64 {
		var out [][]float64
		for i := parity; i < len(emb); i += 2 {
			v := make([]float64, len(emb[i]))
			for j, x := range emb[i] {
				v[j] = float64(x)
			}
			out = append(out, v)
		}
		return out
	}
	fit := func(x [][]float64, what string) (Gaussian, error) {
		g, err := FitGaussian(x)
		if err != nil {
			return g, fmt.Errorf("report: Fréchet distance: %s embeddings: %w", what, err)
		}
		return g, nil
	}
	gEven, err := fit(half(gen.emb, 0), "generated")
	if err != nil {
		return err
	}
	rEven, err := fit(half(real.emb, 0), "real")
	if err != nil {
		return err
	}
	rOdd, err := fit(half(real.emb, 1), "real")
	if err != nil {
		return err
	}
	fg, err := FrechetDistance(gEven, rOdd)
	if err != nil {
		return fmt.Errorf("report: Fréchet distance: %w", err)
	}
	fr, err := FrechetDistance(rEven, rOdd)
	if err != nil {
		return fmt.Errorf("report: Fréchet distance: %w", err)
	}
	r.Figures = append(r.Figures, Figure{Key: "frechet_embedding",
		Definition: "Fréchet distance between Gaussians fitted to verifier embeddings: generated = generated vs real images, real = two disjoint halves of the real images (the sampling floor); lower = closer to the real data",
		Generated:  &fg, Real: &fr})
	return nil
}

// rocOf returns the ROC curves of gen's and (when not nil) real's scores.
func rocOf(gen, real *pairScores) (g, r *Curve, err error) {
	c, err := ROC(gen.pos, gen.neg)
	if err != nil {
		return nil, nil, fmt.Errorf("generated pairs: %w", err)
	}
	g = &c
	if real != nil {
		c, err := ROC(real.pos, real.neg)
		if err != nil {
			return nil, nil, fmt.Errorf("real pairs: %w", err)
		}
		r = &c
	}
	return g, r, nil
}

func dot(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

func fractionAtLeast(xs []float64, t float64) float64 {
	n := 0
	for _, v := range xs {
		if v >= t {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}

func meanOver(pairs [][2][]float32, f func(a, b []float32) float64) float64 {
	xs := make([]float64, len(pairs))
	for i, p := range pairs {
		xs[i] = f(p[0], p[1])
	}
	return Mean(xs)
}

func negated(pairs [][2][]float32, f func(a, b []float32) float64) []float64 {
	xs := make([]float64, len(pairs))
	for i, p := range pairs {
		xs[i] = -f(p[0], p[1])
	}
	return xs
}

// meanMSSSIM is the mean MS-SSIM of the pairs with pixels mapped from [−1, 1] to [0, 255] and DataRange 255. It
// returns ctx's error if ctx is cancelled before the last pair.
func meanMSSSIM(ctx context.Context, pairs [][2][]float32, res, channels int) (float64, error) {
	xs := make([]float64, len(pairs))
	opt := MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 255}}
	for i, p := range pairs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		v, err := MSSSIM(ToPixelRange(p[0]), ToPixelRange(p[1]), res, res, channels, opt)
		if err != nil {
			return 0, fmt.Errorf("pair %d: %w", i, err)
		}
		xs[i] = v
	}
	return Mean(xs), nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
