// Package project finds the latent codes of real images in an SD-GAN generator: one identity code z_I shared by
// all the images of one identity and one observation code z_O per image, such that G([z_I; z_O,i]) looks like
// image i. Keeping z_I and drawing new z_O then shows that identity in observations it was never photographed in.
//
// The optimiser is StyleGAN2-ADA's projector (Karras et al. 2020, projector.py), adapted to SD-GAN's latent
// space: Adam on the codes (lr 0.1, β 0.9/0.999) with a learning rate that ramps up over the first 5% of the
// steps and down, as a cosine, over the last 25%; Gaussian noise on the codes, of standard deviation 0.05 × the
// prior's (1/√3 for U(−1, 1)) × (1 − t/0.75)², so gone after the first 75%; and, since SD-GAN's codes are
// U(−1, 1), the codes clamped to [−1, 1] after every step (the region the generator was trained on). Several
// random starts run side by side, in one batch, and the one with the lowest final loss is kept; the starts are
// the best of a larger set of random codes (and the prior's mean, 0) scored by one forward pass.
//
// The loss is a pixel distance (L1 or L2), a perceptual feature distance (features of the model's discriminator
// or of an identity verifier, each layer compared as LPIPS compares them: channel vectors normalised to unit
// length, squared distance averaged over positions), or a weighted sum of both, plus, optionally, an identity term
// that asks the model's Siamese discriminator whether new views of the projected identity (its z_I with random z_O)
// show the identity of the images; see Loss. Gradients reach the
// codes through package nn's tape: the codes enter as a tape input that requires a gradient, and the networks'
// parameters are frozen.
package project

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"sdgan/eval"
	"sdgan/model"
	"sdgan/nn"
)

// Pixel distances (Loss.Pixel).
const (
	PixelL1 = "l1" // mean |G(z) − x|
	PixelL2 = "l2" // mean (G(z) − x)²
)

// FeatureFunc maps a batch of images x [n, res, res, c] to feature tensors, each with n as its first axis and
// channels last ([n, h, w, c] or [n, c]), computed on x's tape so that gradients reach x.
type FeatureFunc func(x *nn.Tensor) ([]*nn.Tensor, error)

// Loss is what projection minimises for each image: PixelWeight × the pixel distance (none when Pixel is "") plus
// FeatureWeight × the perceptual distance of Features (none when Features is nil): per layer, the squared
// distance between the unit-length channel vectors of the two images' features, averaged over positions; then
// averaged over layers. Both distances are averaged over the images.
//
// Plus PairWeight × the identity term, when Pair is not nil: the pixel and feature terms alone pin z_I down only
// as far as the images need it, since each image's own z_O can draw it whatever z_I is; the identity term asks
// for a z_I whose other views show the same identity. At every step each start draws PairViews new observation
// codes, generates its z_I with them, and builds k-tuples of k − 1 of the images and one new view; Pair (the
// SD-DCGAN discriminator, trained to tell real tuples of one identity from tuples of different identities when
// trained with mismatch) gives each tuple a logit, and the term is the cross-entropy of calling them real, averaged
// over the start's tuples. Its gradient reaches z_I through the new views.
//
// Plus SpreadWeight × the spread term, with the identity term: the identity term alone is satisfied by a z_I whose
// new views all copy one of the images (the discriminator accepts a tuple of two copies). The spread term is
// max(0, 1 − d/τ), with d the mean L1 pixel distance between two of the start's new views (over every pair of
// them) and τ the same for the generator's random identities (the mean over SpreadIdentities of them, measured
// once per projection): it is 0 while the views vary as much as a random identity's do, and grows to 1 as they
// become one image.
type Loss struct {
	Name          string // how reports name it, e.g. "l2+verifier"
	Pixel         string
	PixelWeight   float64
	Features      FeatureFunc
	FeatureWeight float64
	Pair          func(tuples *nn.Tensor) *nn.Tensor // k-tuples [tuples·k, res, res, c] → logits [tuples, 1]
	PairWeight    float64
	SpreadWeight  float64 // needs the identity term (PairWeight > 0)
}

// PairViews is how many new views of each start's identity the identity term judges at each step.
const PairViews = 4

// SpreadIdentities is how many random identities (each with PairViews views) measure the spread term's τ.
const SpreadIdentities = 64

// Options controls a projection. Defaults returns StyleGAN2-ADA's settings.
type Options struct {
	Steps  int     // optimiser steps (1000)
	Starts int     // random starts optimised side by side; the best is kept (4)
	Pool   int     // random codes scored to pick the starts from (4 × Starts); the prior's mean is one more
	LR     float64 // Adam's peak learning rate (0.1)
	// Noise is the initial standard deviation of the noise added to the codes, as a fraction of the prior's
	// (0.05); it decays as (1 − t/NoiseRamp)², t the fraction of steps done.
	Noise     float64
	NoiseRamp float64 // 0.75
	RampUp    float64 // fraction of the steps over which the learning rate ramps up (0.05)
	RampDown  float64 // fraction of the steps over which it ramps down, as a cosine (0.25)
	// Clamp keeps every code in the prior's support [−1, 1] after each step; without it codes go where the loss
	// takes them.
	Clamp bool
	Seed  uint64 // the starts and the noise
	// Progress, when not nil, is called after every step with the steps done and the best start's loss.
	Progress func(step, steps int, loss float64)
}

// Defaults returns StyleGAN2-ADA's projector settings, with 4 starts and clamping.
func Defaults() Options {
	return Options{Steps: 1000, Starts: 4, LR: 0.1, Noise: 0.05, NoiseRamp: 0.75, RampUp: 0.05, RampDown: 0.25, Clamp: true}
}

// Limits that keep one projection's memory and time bounded whatever the options.
const (
	MaxSteps  = 100000
	MaxStarts = 64
	MaxPool   = 4096
)

// Validate reports the first option out of range.
func (o Options) Validate() error {
	switch {
	case o.Steps < 1 || o.Steps > MaxSteps:
		return fmt.Errorf("steps %d: want 1 to %d", o.Steps, MaxSteps)
	case o.Starts < 1 || o.Starts > MaxStarts:
		return fmt.Errorf("starts %d: want 1 to %d", o.Starts, MaxStarts)
	case o.Pool < 0 || o.Pool > MaxPool:
		return fmt.Errorf("pool %d: want 0 (4 × starts) to %d", o.Pool, MaxPool)
	case !(o.LR > 0 && o.LR <= 10):
		return fmt.Errorf("learning rate %g: want a number in (0, 10]", o.LR)
	case !(o.Noise >= 0 && o.Noise <= 10):
		return fmt.Errorf("noise %g: want a number in [0, 10]", o.Noise)
	case !(o.NoiseRamp > 0 && o.NoiseRamp <= 1):
		return fmt.Errorf("noise ramp %g: want a fraction in (0, 1]", o.NoiseRamp)
	case !(o.RampUp >= 0 && o.RampDown > 0 && o.RampUp+o.RampDown <= 1):
		return fmt.Errorf("ramp up %g, ramp down %g: want fractions with 0 < ramp down and ramp up + ramp down ≤ 1", o.RampUp, o.RampDown)
	}
	return nil
}

// Result is a projection: the codes found and how well they do.
type Result struct {
	ZI []float32   // the identity code shared by the images
	ZO [][]float32 // one observation code per image
	// Images are the generator's images of the codes, G([ZI; ZO[i]]), one per target.
	Images [][]float32
	Loss   float64   // the kept start's final loss (on the codes without noise)
	Losses []float64 // every start's final loss, in start order
	Start  int       // the index of the kept start
}

// priorStd is the standard deviation of U(−1, 1), the prior of SD-GAN's codes.
var priorStd = 1 / math.Sqrt(3)

// Project finds one z_I and one z_O per target image (each cfg.ImageSize() values, NHWC in [−1, 1]) such that g
// draws the targets, minimising loss; see the package documentation. It freezes g: g's parameters stop requiring
// gradients (inference never needs them), so that the backward pass computes only the codes' gradients. It
// returns ctx's error soon after ctx is done (within one step). An AC-DCGAN (a model.Conditional) is refused: its
// identity codes are its training identities' learned rows, and a projected z_I between them is no identity it
// was trained to draw.
func Project(ctx context.Context, g model.Generator, cfg model.Config, targets [][]float32, loss Loss, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("project: %w", err)
	}
	if _, ok := g.(model.Conditional); ok {
		return nil, ErrConditional
	}
	if len(targets) == 0 {
		return nil, errors.New("project: no images")
	}
	for i, t := range targets {
		if len(t) != cfg.ImageSize() {
			return nil, fmt.Errorf("project: image %d has %d values; the model's images have %d×%d×%d = %d", i, len(t), cfg.Res, cfg.Res, cfg.Channels, cfg.ImageSize())
		}
	}
	if loss.Pixel != "" && loss.Pixel != PixelL1 && loss.Pixel != PixelL2 {
		return nil, fmt.Errorf("project: pixel distance %q: want %q, %q or none", loss.Pixel, PixelL1, PixelL2)
	}
	if (loss.Pixel == "" || loss.PixelWeight == 0) && (loss.Features == nil || loss.FeatureWeight == 0) {
		return nil, errors.New("project: the loss has neither a pixel nor a feature term (l1, l2, d or verifier); the identity term (pair) alone does not reconstruct the images")
	}
	if loss.PairWeight != 0 && (loss.Pair == nil || cfg.K < 2) {
		return nil, fmt.Errorf("project: an identity term needs a discriminator of k-tuples (k = %d)", cfg.K)
	}
	if loss.SpreadWeight != 0 && loss.PairWeight == 0 {
		return nil, errors.New("project: the spread term keeps the identity term's new views apart: it needs the identity term (pair)")
	}
	freeze(g.Params())
	p := &projector{g: g, cfg: cfg, loss: loss, o: o, n: len(targets), rng: rand.New(rand.NewPCG(o.Seed, 0x9e0c))}
	if err := p.setTargets(targets); err != nil {
		return nil, err
	}
	if loss.SpreadWeight != 0 {
		p.tau = typicalSpread(g, cfg, rand.New(rand.NewPCG(o.Seed, 0x5b7e)))
	}
	starts, err := p.pickStarts(ctx)
	if err != nil {
		return nil, err
	}
	return p.optimise(ctx, starts)
}

// ErrConditional is Project's error for an AC-DCGAN.
var ErrConditional = errors.New("project: the model is an AC-DCGAN, whose identities are the learned codes of its training " +
	"identities (a label table): it has no identity space to project a new identity into, only its labels; use an SD-GAN model " +
	"(sdgan train --arch dcgan or began)")

// projector holds one projection's state.
type projector struct {
	g    model.Generator
	cfg  model.Config
	loss Loss
	o    Options
	n    int // images
	rng  *rand.Rand
	tau  float64 // the spread term's τ: the mean spread of a random identity's views (see Loss)

	targets []float32 // the n targets, row-major
	// feats are the targets' features, normalised as the loss compares them, each [n·positions, c]
	// (host copies, tiled per batch as needed).
	feats      [][]float32
	featShapes [][]int
}

// codes is one start: its identity code and one observation code per image.
type codes struct {
	zi []float64
	zo [][]float64
}

// setTargets keeps the targets and computes their features once.
func (p *projector) setTargets(targets [][]float32) error {
	for _, t := range targets {
		p.targets = append(p.targets, t...)
	}
	if p.loss.Features == nil || p.loss.FeatureWeight == 0 {
		return nil
	}
	x := nn.FromData(p.targets, p.n, p.cfg.Res, p.cfg.Res, p.cfg.Channels)
	fs, err := p.loss.Features(x)
	if err != nil {
		return fmt.Errorf("project: features: %w", err)
	}
	for _, f := range fs {
		rows, c := f.Size()/f.Dim(-1), f.Dim(-1)
		p.feats = append(p.feats, unitRows(nn.Reshape(f, rows, c)).ToHost())
		p.featShapes = append(p.featShapes, []int{rows, c})
	}
	return nil
}

// unitRows divides every row of x [rows, c] by its Euclidean norm (plus a small ε).
func unitRows(x *nn.Tensor) *nn.Tensor {
	sq := nn.Reshape(nn.Sum(nn.Mul(x, x), 1), x.Dim(0), 1)
	return nn.Mul(x, nn.Rsqrt(nn.Add(sq, nn.Scalar(1e-10))))
}

// batch lays out the codes of the starts as generator inputs [len(starts)·n, d_I + d_O], start-major, with noise
// of standard deviation sigma added to each code (once per code: z_I's noise is shared by its images).
func (p *projector) batch(starts []codes, sigma float64) []float32 {
	d := p.cfg.Z()
	z := make([]float32, 0, len(starts)*p.n*d)
	noisy := func(v []float64) []float32 {
		out := make([]float32, len(v))
		for i, x := range v {
			if sigma > 0 {
				x += sigma * p.rng.NormFloat64()
			}
			out[i] = float32(x)
		}
		return out
	}
	for _, s := range starts {
		zi := noisy(s.zi)
		for i := range p.n {
			z = append(append(z, zi...), noisy(s.zo[i])...)
		}
	}
	return z
}

// lossOf records, on the tape of images x [starts·n, res, res, c], each start's loss: a tensor [starts].
func (p *projector) lossOf(x *nn.Tensor, starts int) (*nn.Tensor, error) {
	var total *nn.Tensor
	add := func(t *nn.Tensor, w float64) {
		t = nn.Scale(t, float32(w))
		if total == nil {
			total = t
		} else {
			total = nn.Add(total, t)
		}
	}
	if p.loss.Pixel != "" && p.loss.PixelWeight != 0 {
		target := tile(p.targets, starts)
		diff := nn.Sub(nn.Reshape(x, starts, -1), nn.FromData(target, starts, len(p.targets)))
		var d *nn.Tensor
		if p.loss.Pixel == PixelL1 {
			d = nn.Abs(diff)
		} else {
			d = nn.Mul(diff, diff)
		}
		add(nn.Mean(d, 1), p.loss.PixelWeight)
	}
	if p.feats != nil {
		fs, err := p.loss.Features(x)
		if err != nil {
			return nil, fmt.Errorf("project: features: %w", err)
		}
		if len(fs) != len(p.feats) {
			return nil, fmt.Errorf("project: features: %d layers for the generated images, %d for the targets", len(fs), len(p.feats))
		}
		var sum *nn.Tensor
		for l, f := range fs {
			rows, c := p.featShapes[l][0], p.featShapes[l][1]
			if f.Size() != starts*rows*c {
				return nil, fmt.Errorf("project: features: layer %d has shape %v; want %d×%d values per start", l, f.Shape, rows, c)
			}
			u := unitRows(nn.Reshape(f, starts*rows, c))
			diff := nn.Sub(u, nn.FromData(tile(p.feats[l], starts), starts*rows, c))
			// Σ over a start's positions and channels / its positions: the mean squared distance of unit vectors.
			per := nn.Scale(nn.Sum(nn.Reshape(nn.Mul(diff, diff), starts, rows*c), 1), float32(1/float64(rows)))
			if sum == nil {
				sum = per
			} else {
				sum = nn.Add(sum, per)
			}
		}
		add(sum, p.loss.FeatureWeight/float64(len(fs)))
	}
	return total, nil
}

// tile repeats v n times.
func tile(v []float32, n int) []float32 {
	out := make([]float32, 0, n*len(v))
	for range n {
		out = append(out, v...)
	}
	return out
}

// evalLosses returns each start's loss on its codes as they are (no noise), without recording anything.
func (p *projector) evalLosses(starts []codes) ([]float64, error) {
	tp := nn.NewTape()
	defer tp.Reset()
	z := tp.Input(p.batch(starts, 0), len(starts)*p.n, p.cfg.Z())
	x := p.g.Forward(z, false)
	l, err := p.lossOf(x, len(starts))
	if err != nil {
		return nil, err
	}
	if p.loss.PairWeight != 0 {
		pl, _ := p.pairTerm(tp, starts, false)
		l = nn.Add(l, pl)
	}
	out := make([]float64, len(starts))
	for i, v := range l.ToHost() {
		out[i] = float64(v)
	}
	return out, nil
}

// pickStarts scores the prior's mean and Pool random codes (in batches that keep memory near a step's) and
// returns the best Starts of them.
func (p *projector) pickStarts(ctx context.Context) ([]codes, error) {
	pool := p.o.Pool
	if pool == 0 {
		pool = 4 * p.o.Starts
	}
	cands := []codes{p.zeroCodes()}
	for range pool {
		cands = append(cands, p.randomCodes())
	}
	if len(cands) <= p.o.Starts {
		return cands, nil
	}
	scores := make([]float64, 0, len(cands))
	for from := 0; from < len(cands); from += p.o.Starts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l, err := p.evalLosses(cands[from:min(from+p.o.Starts, len(cands))])
		if err != nil {
			return nil, err
		}
		scores = append(scores, l...)
	}
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	// Stable selection by score (ties keep the earlier candidate): the result depends only on the seed.
	for i := range p.o.Starts {
		best := i
		for j := i + 1; j < len(order); j++ {
			if scores[order[j]] < scores[order[best]] {
				best = j
			}
		}
		order[i], order[best] = order[best], order[i]
	}
	out := make([]codes, p.o.Starts)
	for i := range out {
		out[i] = cands[order[i]]
	}
	return out, nil
}

func (p *projector) zeroCodes() codes {
	c := codes{zi: make([]float64, p.cfg.DI)}
	for range p.n {
		c.zo = append(c.zo, make([]float64, p.cfg.DO))
	}
	return c
}

func (p *projector) randomCodes() codes {
	draw := func(d int) []float64 {
		v := make([]float64, d)
		for i := range v {
			v[i] = 2*p.rng.Float64() - 1
		}
		return v
	}
	c := codes{zi: draw(p.cfg.DI)}
	for range p.n {
		c.zo = append(c.zo, draw(p.cfg.DO))
	}
	return c
}

// LearningRate is the projector's learning rate after the fraction t of the steps: lr ramped up linearly over
// rampUp and down as a half cosine over the last rampDown (StyleGAN2-ADA's schedule).
func LearningRate(lr, t, rampUp, rampDown float64) float64 {
	ramp := min(1, (1-t)/rampDown)
	ramp = 0.5 - 0.5*math.Cos(ramp*math.Pi)
	if rampUp > 0 {
		ramp *= min(1, t/rampUp)
	}
	return lr * ramp
}

// NoiseScale is the standard deviation of the noise on the codes after the fraction t of the steps: noise × the
// prior's standard deviation × max(0, 1 − t/ramp)².
func NoiseScale(noise, t, ramp float64) float64 {
	r := max(0, 1-t/ramp)
	return noise * priorStd * r * r
}

// adam is Adam over the host copies of the codes, in float64.
type adam struct {
	m, v []float64
	t    int
}

const (
	beta1 = 0.9
	beta2 = 0.999
	eps   = 1e-8
)

// step updates x by the gradient g at learning rate lr.
func (a *adam) step(x, g []float64, lr float64) {
	if a.m == nil {
		a.m, a.v = make([]float64, len(x)), make([]float64, len(x))
	}
	a.t++
	c1, c2 := 1-math.Pow(beta1, float64(a.t)), 1-math.Pow(beta2, float64(a.t))
	for i := range x {
		a.m[i] = beta1*a.m[i] + (1-beta1)*g[i]
		a.v[i] = beta2*a.v[i] + (1-beta2)*g[i]*g[i]
		x[i] -= lr * (a.m[i] / c1) / (math.Sqrt(a.v[i]/c2) + eps)
	}
}

// gradients returns each start's loss and its gradient with respect to the start's codes, laid out as
// [z_I; z_O,0; …; z_O,n−1], at the codes plus noise of standard deviation sigma. The codes enter tp as an input
// that requires a gradient; tp is reset before it returns.
func (p *projector) gradients(tp *nn.Tape, starts []codes, sigma float64) ([]float64, [][]float64, error) {
	defer tp.Reset()
	s, n, dI, dO := len(starts), p.n, p.cfg.DI, p.cfg.DO
	z := tp.Input(p.batch(starts, sigma), s*n, dI+dO)
	z.SetRequiresGrad(true)
	l, err := p.lossOf(p.g.Forward(z, false), s)
	if err != nil {
		return nil, nil, err
	}
	var views *nn.Tensor // the identity term's codes, when there is one
	if p.loss.PairWeight != 0 {
		var pl *nn.Tensor
		pl, views = p.pairTerm(tp, starts, true)
		l = nn.Add(l, pl)
	}
	losses := make([]float64, s)
	for k, v := range l.ToHost() {
		losses[k] = float64(v)
	}
	tp.Backward(nn.Sum(l))
	g := z.GradToHost() // [s·n, d_I + d_O]
	grads := make([][]float64, s)
	for k := range s {
		grads[k] = make([]float64, dI+n*dO)
		for i := range n {
			row := g[(k*n+i)*(dI+dO):]
			for j := range dI { // z_I is shared: its gradient is the sum over the images
				grads[k][j] += float64(row[j])
			}
			for j := range dO {
				grads[k][dI+i*dO+j] = float64(row[dI+j])
			}
		}
	}
	if views != nil { // the new views' z_I is the start's too
		gv := views.GradToHost() // [s·PairViews, d_I + d_O]
		for k := range s {
			for v := range PairViews {
				row := gv[(k*PairViews+v)*(dI+dO):]
				for j := range dI {
					grads[k][j] += float64(row[j])
				}
			}
		}
	}
	return losses, grads, nil
}

// pairTerm records each start's identity term times PairWeight, plus its spread term times SpreadWeight when
// there is one (a tensor [starts]; see Loss), and returns it with the codes of the new views
// [starts·PairViews, d_I + d_O], which require a gradient when grad is set. The new views' z_O are
// drawn from the prior with the projector's generator of random numbers; tuple v of a start holds images v, v + 1,
// … (mod n) and new view v.
func (p *projector) pairTerm(tp *nn.Tape, starts []codes, grad bool) (term, zs *nn.Tensor) {
	s, d, k, size := len(starts), p.cfg.Z(), p.cfg.K, p.cfg.ImageSize()
	z := make([]float32, 0, s*PairViews*d)
	for _, st := range starts {
		for range PairViews {
			z = append(z, to32(st.zi)...)
			for range p.cfg.DO {
				z = append(z, float32(2*p.rng.Float64()-1))
			}
		}
	}
	zs = tp.Input(z, s*PairViews, d)
	if grad {
		zs.SetRequiresGrad(true)
	}
	views := nn.Reshape(p.g.Forward(zs, false), s*PairViews, 1, size)
	others := make([]float32, 0, s*PairViews*(k-1)*size)
	for range s {
		for v := range PairViews {
			for t := range k - 1 {
				i := (v + t) % p.n
				others = append(others, p.targets[i*size:(i+1)*size]...)
			}
		}
	}
	tuples := nn.Concat(1, nn.FromData(others, s*PairViews, k-1, size), views)
	logits := p.loss.Pair(nn.Reshape(tuples, s*PairViews*k, p.cfg.Res, p.cfg.Res, p.cfg.Channels))
	sizes := make([]int, s)
	for i := range sizes {
		sizes[i] = PairViews
	}
	per := make([]*nn.Tensor, s)
	for i, l := range nn.Split(logits, 0, sizes...) {
		per[i] = nn.Reshape(nn.SigmoidBCEConst(l, 1), 1)
	}
	term = nn.Scale(nn.Concat(0, per...), float32(p.loss.PairWeight))
	if p.loss.SpreadWeight != 0 {
		d := spreadOf(nn.Reshape(views, s, PairViews, size))
		hinge := nn.ReLU(nn.Scale(nn.Sub(nn.Scalar(float32(p.tau)), d), float32(1/p.tau))) // max(0, 1 − d/τ)
		term = nn.Add(term, nn.Scale(hinge, float32(p.loss.SpreadWeight)))
	}
	return term, zs
}

// spreadOf returns, for views [s, v, size] (v ≥ 2 images of each of s identities), each identity's mean L1
// distance between two of its views, over every pair: a tensor [s].
func spreadOf(views *nn.Tensor) *nn.Tensor {
	s, v, size := views.Dim(0), views.Dim(1), views.Dim(2)
	sizes := make([]int, v)
	for i := range sizes {
		sizes[i] = 1
	}
	each := nn.Split(views, 1, sizes...)
	var sum *nn.Tensor
	for a := range v {
		for b := a + 1; b < v; b++ {
			d := nn.Mean(nn.Reshape(nn.Abs(nn.Sub(each[a], each[b])), s, size), 1)
			if sum == nil {
				sum = d
			} else {
				sum = nn.Add(sum, d)
			}
		}
	}
	return nn.Scale(sum, float32(2/float64(v*(v-1))))
}

// typicalSpread returns the mean spread (spreadOf) of PairViews views of SpreadIdentities random identities of g,
// codes drawn from the prior with rng; never below 1e-6, so that it can divide.
func typicalSpread(g model.Generator, cfg model.Config, rng *rand.Rand) float64 {
	tp := nn.NewTape()
	defer tp.Reset()
	z := make([]float32, 0, SpreadIdentities*PairViews*cfg.Z())
	for range SpreadIdentities {
		zi := model.Uniform(rng, 1, cfg.DI)[0]
		for _, zo := range model.Uniform(rng, PairViews, cfg.DO) {
			z = append(append(z, zi...), zo...)
		}
	}
	x := g.Forward(tp.Input(z, SpreadIdentities*PairViews, cfg.Z()), false)
	var mean float64
	for _, d := range spreadOf(nn.Reshape(x, SpreadIdentities, PairViews, cfg.ImageSize())).ToHost() {
		mean += float64(d) / SpreadIdentities
	}
	return max(mean, 1e-6)
}

// optimise runs the steps on every start at once and keeps the best.
func (p *projector) optimise(ctx context.Context, starts []codes) (*Result, error) {
	s, n, dI, dO := len(starts), p.n, p.cfg.DI, p.cfg.DO
	// flat views: for start k, x[k] = [zi; zo_0; …; zo_{n−1}], so that one Adam covers a start.
	flat := make([][]float64, s)
	for k, c := range starts {
		flat[k] = append([]float64(nil), c.zi...)
		for _, zo := range c.zo {
			flat[k] = append(flat[k], zo...)
		}
	}
	view := func(k int) codes {
		c := codes{zi: flat[k][:dI]}
		for i := range n {
			c.zo = append(c.zo, flat[k][dI+i*dO:dI+(i+1)*dO])
		}
		return c
	}
	opts := make([]adam, s)
	tp := nn.NewTape()
	defer tp.Reset()
	for step := range p.o.Steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := float64(step) / float64(p.o.Steps)
		lr := LearningRate(p.o.LR, t, p.o.RampUp, p.o.RampDown)
		views := make([]codes, s)
		for k := range views {
			views[k] = view(k)
		}
		losses, grads, err := p.gradients(tp, views, NoiseScale(p.o.Noise, t, p.o.NoiseRamp))
		if err != nil {
			return nil, err
		}
		best := math.Inf(1)
		for k := range s {
			opts[k].step(flat[k], grads[k], lr)
			if p.o.Clamp {
				for j, v := range flat[k] {
					flat[k][j] = min(max(v, -1), 1)
				}
			}
			best = min(best, losses[k])
		}
		if math.IsNaN(best) || math.IsInf(best, 0) {
			return nil, fmt.Errorf("project: the loss is %g at step %d", best, step+1)
		}
		if p.o.Progress != nil {
			p.o.Progress(step+1, p.o.Steps, best)
		}
	}
	final := make([]codes, s)
	for k := range final {
		final[k] = view(k)
	}
	losses, err := p.evalLosses(final)
	if err != nil {
		return nil, err
	}
	r := &Result{Losses: losses}
	for k, l := range losses {
		if l < losses[r.Start] {
			r.Start = k
		}
	}
	r.Loss = losses[r.Start]
	best := final[r.Start]
	r.ZI = to32(best.zi)
	for _, zo := range best.zo {
		r.ZO = append(r.ZO, to32(zo))
	}
	r.Images = generatePairs(p.g, p.cfg, r.ZI, r.ZO)
	return r, nil
}

// generatePairs returns G([zi; zo[i]]) for every i.
func generatePairs(g model.Generator, cfg model.Config, zi []float32, zo [][]float32) [][]float32 {
	return model.GenerateGrid(g, cfg, [][]float32{zi}, zo)
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// Quality measures how well image b reconstructs image a (both cfg-sized, in [−1, 1]; values beyond are
// clipped, as a picture shows them): their MS-SSIM (1 = identical) and their PSNR in dB for the range 2
// (at most MaxPSNR, which identical images get).
func Quality(a, b []float32, cfg model.Config) (msssim, psnr float64, err error) {
	ca, cb := clip(a), clip(b)
	msssim, err = eval.MSSSIM(ca, cb, cfg.Res, cfg.Res, cfg.Channels, eval.MSSSIMOptions{SSIMOptions: eval.SSIMOptions{DataRange: 2}})
	if err != nil {
		return 0, 0, err
	}
	return msssim, min(20*math.Log10(2/eval.RMSDistance(ca, cb)), MaxPSNR), nil
}

// MaxPSNR caps Quality's PSNR: float32 images that agree to rounding are identical for any purpose.
const MaxPSNR = 100.0

// clip returns a copy of x with every value in [−1, 1].
func clip(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = min(max(v, -1), 1)
	}
	return out
}
