package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"sdgan/augment"
	"sdgan/data"
	"sdgan/model"
	"sdgan/nn"
)

// trainer holds a run's live state: the networks, their optimisers, the random streams and the step count.
// Everything in it is saved in a checkpoint, so that a resumed run continues bit for bit.
type trainer struct {
	opt     Options
	g       model.Generator
	d       model.Discriminator
	optG    nn.Optimizer
	optD    nn.Optimizer
	pcg     *rand.PCG // latent stream (its state is checkpointed)
	rng     *rand.Rand
	sampler *data.Sampler
	step    int64   // generator updates done
	kt      float64 // BEGAN's k_t
	ema     *ema    // nil without --ema-kimg
	aug     *augment.Augmenter

	tape    *nn.Tape
	real, z []float32 // batch buffers
	zi      []float32 // --info: each fake image's z_I
	// --id-triplet: the identity labels of the real images (their identities) and of the fakes (their tuples)
	realIDs, fakeIDs []int
	mismatch         []float32 // --mismatch's tuples
	// --mismatch-hard: the data set's identity looks, the batch's identities and each tuple's look-alike tuples
	looks      [][]float32
	batchIDs   []int
	partners   [][]int
	imageShape []int

	// AC-DCGAN: the identity names of the labels (the data set's identities, in order), the labels of the real
	// images and of the fakes, the fakes' one-hot labels and observation codes.
	identities           []string
	realLabels, fakeLabs []int
	onehot, zo           []float32
}

// stats are one step's figures.
type stats struct {
	DLoss, GLoss float64
	LReal, LFake float64 // BEGAN
	KT, M        float64 // BEGAN
	AC           acParts // AC-DCGAN: the identity cross-entropies (of the last discriminator update, and G's on fakes)
	AugmentP     float64 // the augmentation probability used by this step
	InfoD, InfoG float64 // --info: the identity loss (weighted) of the last discriminator update and of G's
	// --id-triplet: the triplet loss (weighted) of the last discriminator update's real images and of G's fakes
	TripletD, TripletG float64
	RT                 float64 // ADA's r_t when this step adjusted p (RTSet)
	RTSet              bool
	// A gradient penalty's value (WGAN-GP's, or R1's before lazy scaling) and the mean gradient norm of its
	// tuples, when one of this step's discriminator updates added one (Penalised; the last one's figures).
	Penalty, GradNorm float64
	Penalised         bool
}

// newTrainer builds freshly initialised networks and optimisers for o on ds.
func newTrainer(o Options, ds *data.Dataset) (*trainer, error) {
	init := rand.New(rand.NewPCG(o.Seed, 1))
	g, err := model.NewGenerator(o.Model, init)
	if err != nil {
		return nil, err
	}
	d, err := model.NewDiscriminator(o.Model, init)
	if err != nil {
		return nil, err
	}
	perDraw := o.Model.K // images per sampler draw: a k-tuple, or for AC-DCGAN one labelled image
	if o.Model.Arch == model.ACGAN {
		perDraw = 1
	}
	sampler, err := data.NewSampler(ds, perDraw, o.Seed^0x5eed_da7a)
	if err != nil {
		return nil, err
	}
	t := &trainer{opt: o, g: g, d: d, sampler: sampler, pcg: rand.NewPCG(o.Seed, 2), tape: nn.NewTape()}
	t.rng = rand.New(t.pcg)
	lrG, lrD := o.learningRates(0)
	spec := losses[o.Loss]
	if o.AdamBetas != nil {
		spec.beta1, spec.beta2 = float32(o.AdamBetas[0]), float32(o.AdamBetas[1])
	}
	t.optG, t.optD = spec.newOptimizer(g.Params(), lrG), spec.newOptimizer(d.Params(), lrD)
	if o.EMAKimg > 0 {
		if t.ema, err = newEMA(o.Model, g, o.EMAKimg, o.EMARampUp); err != nil {
			return nil, err
		}
	}
	policy, err := augment.ParsePolicy(o.Augment)
	if err != nil {
		return nil, err
	}
	t.aug = augment.New(policy, o.AugmentP, perDraw, o.AugmentPerTuple, o.Seed)
	if o.AugmentTarget > 0 {
		t.aug.Target, t.aug.SpeedImages, t.aug.AdjustEvery = o.AugmentTarget, o.AugmentKimg*1000, 4
	}
	n := o.Tuples * o.Model.K
	t.real = make([]float32, n*o.Model.ImageSize())
	t.z = make([]float32, n*o.Model.Z())
	if o.Info > 0 {
		t.zi = make([]float32, n*o.Model.DI)
	}
	t.imageShape = []int{n, o.Model.Res, o.Model.Res, o.Model.Channels}
	if o.MismatchHard {
		if t.looks, err = identityLooks(ds); err != nil {
			return nil, err
		}
		t.batchIDs, t.partners = make([]int, o.Tuples), make([][]int, o.Tuples)
	}
	if o.IDTriplet > 0 {
		if t.batchIDs == nil {
			t.batchIDs = make([]int, o.Tuples)
		}
		t.realIDs, t.fakeIDs = make([]int, n), make([]int, n)
		for i := range n {
			t.fakeIDs[i] = i / o.Model.K // every fake tuple has its own z_I
		}
	}
	if o.Model.Arch == model.ACGAN {
		if len(ds.Identities) != o.Model.Classes {
			return nil, fmt.Errorf("--data %s has %d identities but the model has %d identity labels", o.Data, len(ds.Identities), o.Model.Classes)
		}
		for _, id := range ds.Identities {
			t.identities = append(t.identities, id.Name)
		}
		t.realLabels, t.fakeLabs = make([]int, n), make([]int, n)
		t.onehot, t.zo = make([]float32, n*o.Model.Classes), make([]float32, n*o.Model.DO)
	}
	return t, nil
}

// trainStep runs one generator update (and its discriminator updates) and returns the step's figures.
func (t *trainer) trainStep() (stats, error) {
	lrG, lrD := t.opt.learningRates(t.step)
	t.optG.SetLR(float32(lrG))
	t.optD.SetLR(float32(lrD))
	var (
		s   stats
		err error
	)
	switch t.opt.Model.Arch {
	case model.BEGAN:
		s, err = t.beganStep()
	case model.ACGAN:
		s, err = t.acganStep()
	default:
		s, err = t.dcganStep()
	}
	if err != nil {
		return s, fmt.Errorf("step %d: %w", t.step+1, err)
	}
	t.step++
	if t.ema != nil {
		imgs := float64(t.opt.Tuples * t.opt.Model.K)
		t.ema.update(imgs, imgs*float64(t.step))
	}
	for _, l := range [...]struct {
		name string
		v    float64
	}{{"discriminator loss", s.DLoss}, {"generator loss", s.GLoss}, {"gradient penalty", s.Penalty}} {
		if math.IsNaN(l.v) || math.IsInf(l.v, 0) {
			return s, fmt.Errorf("step %d: the %s is %g: training diverged", t.step, l.name, l.v)
		}
	}
	return s, nil
}

// batch draws the next real tuples and fake latents onto the tape.
func (t *trainer) batch() (real, z *nn.Tensor, err error) {
	if t.batchIDs != nil { // the same draws, with the tuples' identities
		if err := t.sampler.SampleIdentities(t.opt.Tuples, t.real, t.batchIDs); err != nil {
			return nil, nil, err
		}
	} else if err := t.sampler.SampleErr(t.opt.Tuples, t.real); err != nil {
		return nil, nil, err
	}
	model.TupleZ(t.rng, t.opt.Model, t.opt.Tuples, t.z)
	return t.tape.Input(t.real, t.imageShape...), t.tape.Input(t.z, len(t.z)/t.opt.Model.Z(), t.opt.Model.Z()), nil
}

// dcganStep: DPerG discriminator updates on fresh real and fake tuples, then one generator update through the
// discriminator, reusing the last fakes (as the reference PyTorch step does). Everything the discriminator sees,
// real and fake, goes through the augmenter first (a no-op without --augment), the generator's gradient through
// it too. The discriminator's parameters are frozen during the generator's backward pass, which saves computing
// gradients that would be thrown away.
func (t *trainer) dcganStep() (stats, error) {
	spec := losses[t.opt.Loss]
	s := stats{AugmentP: t.aug.P}
	var fake *nn.Tensor
	for i := range t.opt.DPerG {
		if i > 0 {
			t.tape.Reset()
		}
		real, z, err := t.batch()
		if err != nil {
			return s, err
		}
		fake = t.g.Forward(z, true)
		mark := t.tape.Mark()
		r1 := t.r1Due(i)
		if r1 {
			real.SetRequiresGrad(true) // R1 differentiates the discriminator's outputs on them
		}
		dReal, triplet := t.judgeReal(real)
		dFake, info, _ := t.judgeFake(fake.Detach(), false)
		var ld *nn.Tensor
		if t.opt.Mismatch { // real images of different identities are fakes too
			ld = spec.dMismatch(dReal, dFake, t.d.Forward(t.aug.Apply(t.mismatched()), true), float32(t.opt.MismatchWeight))
		} else {
			ld = spec.d(dReal, dFake)
		}
		t.observeReal(dReal, spec.boundary)
		total, err := t.penalise(ld, real, fake, dReal, r1, &s) // the gradient penalties, if any
		if err != nil {
			return s, err
		}
		if info != nil {
			total = nn.Add(total, info)
			s.InfoD = float64(info.Item())
		}
		if triplet != nil {
			total = nn.Add(total, triplet)
			s.TripletD = float64(triplet.Item())
		}
		t.tape.Backward(total)
		t.optD.Step()
		if spec.clip {
			nn.ClipWeights(float32(t.opt.Clip), t.d.Params()...)
		}
		s.DLoss = float64(ld.Item())
		t.tape.Release(mark) // the discriminator passes are spent: the generator pass reuses their memory
	}
	setRequiresGrad(t.d.Params(), false)
	out, info, triplet := t.judgeFake(fake, true)
	lg := spec.g(out)
	total := lg
	if info != nil {
		total = nn.Add(total, info)
		s.InfoG = float64(info.Item())
	}
	if triplet != nil {
		total = nn.Add(total, triplet)
		s.TripletG = float64(triplet.Item())
	}
	t.tape.Backward(total)
	setRequiresGrad(t.d.Params(), true)
	t.optG.Step()
	s.GLoss = float64(lg.Item())
	s.RT, s.RTSet = t.aug.EndStep(t.opt.Tuples * t.opt.Model.K * t.opt.DPerG)
	t.tape.Reset()
	return s, nil
}

// judgeReal runs the discriminator on real tuples (augmented as every input is) and, with --id-triplet, returns
// the triplet loss of the identity head's embeddings of them, their identities the labels (nil without).
func (t *trainer) judgeReal(real *nn.Tensor) (out, triplet *nn.Tensor) {
	x := t.aug.Apply(real)
	if t.opt.IDTriplet == 0 {
		return t.d.Forward(x, true), nil
	}
	out, emb := t.d.(model.InfoDiscriminator).ForwardInfo(x, true)
	for i := range t.realIDs {
		t.realIDs[i] = t.batchIDs[i/t.opt.Model.K]
	}
	return out, idTriplet(emb, t.realIDs, t.opt.IDTriplet)
}

// judgeFake runs the discriminator on fake tuples (augmented as every input is) and returns the losses on its
// identity head, each nil without its option: with --info the identity loss of its per-image z_I estimates against
// the codes of the last batch, and for the generator's update (forG) with --id-triplet the triplet loss of its
// embeddings, the fakes' tuples the labels (the discriminator learns the head on real images only). The two options
// exclude each other (Options.Validate), as they use the one head differently.
func (t *trainer) judgeFake(fake *nn.Tensor, forG bool) (out, info, triplet *nn.Tensor) {
	x := t.aug.Apply(fake)
	if t.opt.IDTriplet > 0 && forG {
		out, emb := t.d.(model.InfoDiscriminator).ForwardInfo(x, true)
		return out, nil, idTriplet(emb, t.fakeIDs, t.opt.IDTriplet)
	}
	if t.opt.Info == 0 {
		return t.d.Forward(x, true), nil, nil
	}
	out, est := t.d.(model.InfoDiscriminator).ForwardInfo(x, true)
	z, di := t.opt.Model.Z(), t.opt.Model.DI
	for i := range len(t.z) / z {
		copy(t.zi[i*di:(i+1)*di], t.z[i*z:i*z+di])
	}
	return out, infoLoss(est, t.tape.Input(t.zi, len(t.zi)/di, di), t.opt.Info), nil
}

// acganBatch draws the next real images with their identity labels, and the fakes' labels (uniform over the
// identities, as the real ones are drawn) and observation codes, onto the tape.
func (t *trainer) acganBatch() (real, onehot, zo *nn.Tensor, err error) {
	if err := t.sampler.SampleIdentities(len(t.realLabels), t.real, t.realLabels); err != nil {
		return nil, nil, nil, err
	}
	c := t.opt.Model
	for i := range t.fakeLabs {
		t.fakeLabs[i] = t.rng.IntN(c.Classes)
		for j := range c.DO {
			t.zo[i*c.DO+j] = float32(2*t.rng.Float64() - 1)
		}
	}
	model.OneHot(t.fakeLabs, c.Classes, t.onehot)
	n := len(t.fakeLabs)
	return t.tape.Input(t.real, t.imageShape...), t.tape.Input(t.onehot, n, c.Classes), t.tape.Input(t.zo, n, c.DO), nil
}

// acganStep is dcganStep for AC-DCGAN: single labelled images (as many per step as SD-DCGAN's tuples hold), the
// generator given the fakes' labels through its label table, and the loss table's GAN objective plus the
// identity cross-entropy (lossSpec.acD, acG). Augmentation, when asked for, applies per image as for SD-DCGAN.
func (t *trainer) acganStep() (stats, error) {
	spec := losses[t.opt.Loss]
	s := stats{AugmentP: t.aug.P}
	g := t.g.(model.Conditional)
	var fake *nn.Tensor
	for i := range t.opt.DPerG {
		if i > 0 {
			t.tape.Reset()
		}
		real, onehot, zo, err := t.acganBatch()
		if err != nil {
			return s, err
		}
		fake = g.ForwardLabels(onehot, zo, true)
		mark := t.tape.Mark()
		dReal := t.d.Forward(t.aug.Apply(real), true)
		dFake := t.d.Forward(t.aug.Apply(fake.Detach()), true)
		ld, parts := spec.acD(dReal, dFake, t.realLabels, t.fakeLabs)
		if t.aug.Target > 0 { // ADA watches the real/fake logits
			src, _ := acSplit(dReal.Detach())
			t.observeReal(src, spec.boundary)
		}
		t.tape.Backward(ld)
		t.optD.Step()
		if spec.clip {
			nn.ClipWeights(float32(t.opt.Clip), t.d.Params()...)
		}
		s.DLoss, s.AC.CEReal, s.AC.AccReal = float64(ld.Item()), parts.CEReal, parts.AccReal
		t.tape.Release(mark)
	}
	setRequiresGrad(t.d.Params(), false)
	lg, parts := spec.acG(t.d.Forward(t.aug.Apply(fake), true), t.fakeLabs)
	t.tape.Backward(lg)
	setRequiresGrad(t.d.Params(), true)
	t.optG.Step()
	s.GLoss, s.AC.CEFake = float64(lg.Item()), parts.CEFake
	s.RT, s.RTSet = t.aug.EndStep(len(t.fakeLabs) * t.opt.DPerG)
	t.tape.Reset()
	return s, nil
}

// mismatched returns the real batch's images rearranged into tuples of different identities: image j of tuple i
// comes from tuple i + j (mod the batch), so that every tuple mixes k tuples of the batch (whose identities the
// sampler drew independently: they differ but for a chance coincidence). With --mismatch-hard image j ≥ 1 comes
// instead from the j-th most look-alike tuple of another identity (lookalikes), where the batch has that many.
func (t *trainer) mismatched() *nn.Tensor {
	k, size, tuples := t.opt.Model.K, t.opt.Model.ImageSize(), t.opt.Tuples
	if t.mismatch == nil {
		t.mismatch = make([]float32, len(t.real))
	}
	if t.looks != nil {
		lookalikes(t.batchIDs, t.looks, t.partners)
	}
	for i := range tuples {
		for j := range k {
			from := (i + j) % tuples
			if t.looks != nil && j > 0 && j <= len(t.partners[i]) {
				from = t.partners[i][j-1]
			}
			src := (from*k + j) * size
			copy(t.mismatch[(i*k+j)*size:(i*k+j+1)*size], t.real[src:src+size])
		}
	}
	return t.tape.Input(t.mismatch, t.imageShape...)
}

// observeReal gives the adaptive augmentation the discriminator's outputs on real tuples, relative to the loss's
// boundary between real and fake.
func (t *trainer) observeReal(out *nn.Tensor, boundary float32) {
	if t.aug.Target <= 0 {
		return
	}
	rel := out.ToHost()
	for i, v := range rel {
		rel[i] = v - boundary
	}
	t.aug.Observe(rel)
}

// beganStep: BEGAN's losses with L(v) = mean |AE(v) − v|: D minimises L(x) − k_t·L(G(z)), G minimises L(G(z)).
// Both gradients are taken at the same parameters, then both networks update (SPEC: "G and D update in the same
// step"), then k_t moves towards the equilibrium γ·L(x) = L(G(z)).
func (t *trainer) beganStep() (stats, error) {
	real, z, err := t.batch()
	if err != nil {
		return stats{}, err
	}
	fake := t.g.Forward(z, true)
	fd := fake.Detach()
	mark := t.tape.Mark()
	lReal := nn.L1(t.d.Forward(real, true), real)
	lFake := nn.L1(t.d.Forward(fd, true), fd)
	ld := nn.Sub(lReal, nn.Scale(lFake, float32(t.kt)))
	t.tape.Backward(ld)
	s := stats{DLoss: float64(ld.Item()), LReal: float64(lReal.Item()), LFake: float64(lFake.Item())}
	t.tape.Release(mark) // the discriminator's passes are spent: the generator's pass reuses their memory
	setRequiresGrad(t.d.Params(), false)
	lg := nn.L1(t.d.Forward(fake, true), fake)
	t.tape.Backward(lg)
	setRequiresGrad(t.d.Params(), true)
	t.optD.Step()
	t.optG.Step()
	s.GLoss = float64(lg.Item())
	s.KT = t.kt
	t.kt, s.M = beganUpdate(t.kt, t.opt.LambdaK, t.opt.Gamma, s.LReal, s.LFake)
	t.tape.Reset()
	return s, nil
}

func setRequiresGrad(ps []*nn.Tensor, on bool) {
	for _, p := range ps {
		p.SetRequiresGrad(on)
	}
}
