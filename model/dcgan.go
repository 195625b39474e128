package model

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"sdgan/nn"
)

// dcganGenerator is SPEC's SD-DCGAN generator: dense z → 4×4×ch[0], BN, ReLU; then 5×5 stride-2 "SAME"
// transposed convolutions doubling the size, each followed by BN and ReLU, the last by tanh.
// 64×64: channels 512, 256, 128, 64, C. 32×32 (our variant): 256, 128, 64, C.
type dcganGenerator struct {
	project *nn.Dense
	bn0     *nn.BN
	ch0     int
	ups     []*nn.ConvTranspose // the last has a bias and no batch norm
	bns     []*nn.BN
	// style (Config.GStyle) holds per batch norm (bn0, then bns) the dense layer from z_I to its channels'
	// scales and shifts; nil without.
	style []*nn.Dense
}

func dcganGenChannels(cfg Config) []int {
	w := max(cfg.GWidth, 1)
	if cfg.Res == 64 {
		return []int{512 * w, 256 * w, 128 * w, 64 * w, cfg.Channels}
	}
	return []int{256 * w, 128 * w, 64 * w, cfg.Channels}
}

func newDCGANGenerator(cfg Config, rng *rand.Rand) *dcganGenerator {
	ch := dcganGenChannels(cfg)
	g := &dcganGenerator{
		project: nn.NewDense("G/project", cfg.Z(), 4*4*ch[0], true),
		bn0:     nn.NewBN("G/project/bn", ch[0], cfg.BNMomentum, cfg.BNEps),
		ch0:     ch[0],
	}
	for i := 0; i+1 < len(ch); i++ {
		last := i+2 == len(ch)
		name := fmt.Sprintf("G/up%d", i)
		g.ups = append(g.ups, nn.NewConvTranspose(name, 5, ch[i], ch[i+1], 2, nn.Same, last))
		if !last {
			g.bns = append(g.bns, nn.NewBN(name+"/bn", ch[i+1], cfg.BNMomentum, cfg.BNEps))
		}
	}
	initWeights(rng, g.project.W)
	for _, u := range g.ups {
		initWeights(rng, u.W)
	}
	if cfg.GStyle { // drawn after the rest, so that the other weights are those of a generator without
		for i, c := range ch[:len(ch)-1] {
			d := nn.NewDense(fmt.Sprintf("G/style%d", i), cfg.DI, 2*c, false)
			initWeights(rng, d.W)
			g.style = append(g.style, d)
		}
	}
	return g
}

func (g *dcganGenerator) Forward(z *nn.Tensor, training bool) *nn.Tensor {
	n := z.Dim(0)
	var zi *nn.Tensor
	if g.style != nil {
		di := g.style[0].W.Dim(0) // the style layers read z_I
		zi = nn.Split(z, 1, di, z.Dim(1)-di)[0]
	}
	h := g.project.Forward(z)                 // [n, 4·4·ch0]
	h = nn.Reshape(h, n, 4, 4, g.ch0)         // [n, 4, 4, ch0]
	h = g.normReLU(0, g.bn0, h, zi, training) //
	for i, up := range g.ups {                // [n, 8, 8, ch1] … [n, res, res, C]
		if i < len(g.bns) {
			h = g.normReLU(i+1, g.bns[i], up.Forward(h), zi, training)
		} else {
			h = up.ForwardAct(h, nn.TanhAct)
		}
	}
	return h
}

// normReLU is batch norm i of the generator followed by a ReLU; with Config.GStyle the normalised features are
// modulated by z_I in between: x̂ + x̂·γ + β, γ and β [n, 1, 1, c] from style layer i.
func (g *dcganGenerator) normReLU(i int, bn *nn.BN, h, zi *nn.Tensor, training bool) *nn.Tensor {
	if g.style == nil {
		return bn.ForwardAct(h, training, nn.ReLUAct)
	}
	n, c := h.Dim(0), h.Dim(3)
	gb := nn.Split(g.style[i].Forward(zi), 1, c, c)
	h = bn.Forward(h, training)
	h = nn.Add(nn.Add(h, nn.Mul(h, nn.Reshape(gb[0], n, 1, 1, c))), nn.Reshape(gb[1], n, 1, 1, c))
	return nn.ReLU(h)
}

func (g *dcganGenerator) Params() []*nn.Tensor {
	ps := slices.Concat(g.project.Params(), g.bn0.Params())
	for i, u := range g.ups {
		ps = append(ps, u.Params()...)
		if i < len(g.bns) {
			ps = append(ps, g.bns[i].Params()...)
		}
	}
	for _, s := range g.style {
		ps = append(ps, s.Params()...)
	}
	return ps
}

func (g *dcganGenerator) Buffers() []*nn.Tensor {
	bs := g.bn0.Buffers()
	for _, b := range g.bns {
		bs = append(bs, b.Buffers()...)
	}
	return bs
}

// Discriminator judges k-tuples of images x [tuples·k, res, res, channels], the k images of a tuple consecutive;
// AC-DCGAN's judges single images x [n, res, res, channels].
type Discriminator interface {
	// Forward returns, for SD-DCGAN, one logit per tuple [tuples, 1] (real > 0); for SD-BEGAN, the autoencoder's
	// reconstruction of x, same shape as x; for AC-DCGAN, per image the real/fake logit then one logit per identity
	// label [n, 1 + classes].
	Forward(x *nn.Tensor, training bool) *nn.Tensor
	Params() []*nn.Tensor
	Buffers() []*nn.Tensor
}

// NewDiscriminator builds the discriminator of cfg with weights initialised from rng.
func NewDiscriminator(cfg Config, rng *rand.Rand) (Discriminator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.Arch {
	case DCGAN, ACGAN:
		return newDCGANDiscriminator(cfg, rng), nil
	case BEGAN:
		return newBEGANDiscriminator(cfg, rng), nil
	}
	return nil, fmt.Errorf("arch %q: no discriminator", cfg.Arch)
}

// dcganDiscriminator is SPEC's SD-DCGAN discriminator. Siamese: every image of a tuple goes through the same
// tower (5×5 stride-2 convolutions to 64, 128, 256[, 512] channels, LeakyReLU 0.2, BN on all but the first); the k
// feature maps are concatenated on the channel axis, then conv 3×3/2 ("conv_1" merge), BN, LeakyReLU, flatten and
// a dense layer to one logit. Like the authors' code, which calls the tower once per position in the tuple, its
// batch-norm statistics are computed per position (over the images at that position; here one call with grouped
// batch norms), and separately for every batch the discriminator sees (real, fake). Non-Siamese: the k images
// are stacked on the channel axis into one tower.
//
// Options: Config.DNorm "none" drops the batch norms (the convolutions then have biases),
// Config.SpectralNorm normalises every weight (not the identity head's), Config.InfoHead adds a dense layer
// from each image's tower output to its z_I (ForwardInfo), and Config.Compare gives the merge one more feature map:
// how far the tuple's images are from their mean.
//
// AC-DCGAN's discriminator is the Siamese layout for one image (k = 1: the tower, then the merge convolution on
// its single feature map) whose dense layer has 1 + Classes outputs: the real/fake logit and the identity logits.
type dcganDiscriminator struct {
	cfg   Config
	k     int // images merged on the channel axis after the tower: cfg.K (Siamese), 1 (AC-DCGAN), 0 (stacked)
	outs  int // outputs per judged input
	tower []*nn.Conv
	bns   []*nn.BN // bns[i] follows tower[i+1]; nil without batch norm
	merge *nn.Conv
	mbn   *nn.BN
	out   *nn.Dense
	info  *nn.Dense // the identity head (Config.InfoHead); nil without
}

func newDCGANDiscriminator(cfg Config, rng *rand.Rand) *dcganDiscriminator {
	ch := cfg.dcganDiscChannels()
	d := &dcganDiscriminator{cfg: cfg}
	d.k, d.outs = cfg.dcganDiscriminatorShape()
	if d.k == 0 {
		ch[0] = cfg.K * cfg.Channels
	}
	batchNorm := cfg.DNorm != NormNone
	for i := 0; i+1 < len(ch); i++ {
		name := fmt.Sprintf("D/tower/conv%d", i)
		d.tower = append(d.tower, nn.NewConv(name, 5, ch[i], ch[i+1], 2, nn.Same, i == 0 || !batchNorm))
		if i > 0 && batchNorm {
			d.bns = append(d.bns, nn.NewBN(name+"/bn", ch[i+1], cfg.BNMomentum, cfg.BNEps))
		}
	}
	c := ch[len(ch)-1]
	in := c * max(d.k, 1)
	if cfg.Compare {
		in += c
	}
	d.merge = nn.NewConv("D/merge/conv", 3, in, c, 2, nn.Same, !batchNorm)
	if batchNorm {
		d.mbn = nn.NewBN("D/merge/bn", c, cfg.BNMomentum, cfg.BNEps)
	}
	d.out = nn.NewDense("D/out", 2*2*c, d.outs, true)
	for _, l := range d.tower {
		initWeights(rng, l.W)
	}
	initWeights(rng, d.merge.W, d.out.W)
	if cfg.SpectralNorm { // drawn after the weights, so that the weights do not depend on the option
		for _, l := range append(d.tower, d.merge) {
			l.SN = nn.NewSpectralNorm(l.W.Name[:len(l.W.Name)-len("/weights")], l.W, rng)
		}
		d.out.SN = nn.NewSpectralNorm("D/out", d.out.W, rng)
	}
	if cfg.InfoHead { // drawn last, so that the other weights do not depend on the option
		d.info = nn.NewDense("D/info", 16*c, cfg.DI, true)
		initWeights(rng, d.info.W)
	}
	return d
}

// towerForward runs the tower over x [groups·n, r, r, c]: its batch norms take statistics over each of the groups
// consecutive blocks of n images separately (one block per tuple position), as separate calls would.
func (d *dcganDiscriminator) towerForward(x *nn.Tensor, training bool, groups int) *nn.Tensor {
	h := x
	lrelu := nn.LeakyReLUAct(0.2)
	for i, l := range d.tower { // batch norm and activation fused into the op before them
		if i == 0 || d.bns == nil {
			h = l.ForwardAct(h, lrelu)
		} else {
			h = d.bns[i-1].ForwardGroups(l.Forward(h), training, lrelu, groups)
		}
	}
	return h // [groups·n, 4, 4, c]
}

func (d *dcganDiscriminator) Forward(x *nn.Tensor, training bool) *nn.Tensor {
	logits, _ := d.forward(x, training, false)
	return logits
}

// InfoDiscriminator is a discriminator with an identity head (Config.InfoHead).
type InfoDiscriminator interface {
	Discriminator
	// ForwardInfo is Forward that also returns, for every image of x in x's order, the identity head's output
	// [tuples·k, d_I] computed from that image's tower output alone: training reads it as an estimate of the z_I
	// the image was made from (--info) or as an identity embedding (--id-triplet).
	ForwardInfo(x *nn.Tensor, training bool) (logits, zi *nn.Tensor)
}

// ForwardInfo implements InfoDiscriminator; it panics without the head.
func (d *dcganDiscriminator) ForwardInfo(x *nn.Tensor, training bool) (logits, zi *nn.Tensor) {
	if d.info == nil {
		panic("model: ForwardInfo of a discriminator without an identity head (Config.InfoHead)")
	}
	return d.forward(x, training, true)
}

// forward is Forward, and with info the identity head's output in x's image order.
func (d *dcganDiscriminator) forward(x *nn.Tensor, training, info bool) (logits, zi *nn.Tensor) {
	k, r, c := d.cfg.K, d.cfg.Res, d.cfg.Channels
	if d.k == 1 {
		k = 1
	}
	if len(x.Shape) != 4 || x.Dim(0)%k != 0 || x.Dim(1) != r || x.Dim(2) != r || x.Dim(3) != c {
		panic(fmt.Sprintf("model: discriminator input %v; want [tuples·%d, %d, %d, %d]", x.Shape, k, r, r, c))
	}
	n := x.Dim(0) / k
	var h *nn.Tensor
	switch {
	case d.k == 1: // one image: its feature map is the merge's input
		h = d.towerForward(x, training, 1)
	case d.k > 1:
		// [n·k, …] → [k·n, …]: position j of every tuple together, then one tower call over all k blocks, its
		// batch norms grouped by block: the same maths as one call per position, without splitting the batch.
		byPos := nn.Transpose(nn.Reshape(x, n, k, r*r*c), 1, 0, 2)
		feats := d.towerForward(nn.Reshape(byPos, k*n, r, r, c), training, k) // [k·n, 4, 4, c']
		fh, fw, fc := feats.Dim(1), feats.Dim(2), feats.Dim(3)
		if info { // per image from its own features, then back from position-major to x's order
			zi = d.info.Forward(nn.Reshape(feats, k*n, fh*fw*fc))
			zi = nn.Reshape(nn.Transpose(nn.Reshape(zi, k, n, d.cfg.DI), 1, 0, 2), n*k, d.cfg.DI)
		}
		// Concatenate each tuple's k feature maps on the channel axis: [k, n, fh·fw, c'] → [n, fh·fw, k, c'].
		h = nn.Transpose(nn.Reshape(feats, k, n, fh*fw, fc), 1, 2, 0, 3)
		if d.cfg.Compare { // and the mean over the k of |f_i − mean_j f_j|, one more map: [n, fh·fw, k + 1, c']
			mean := nn.Reshape(nn.Mean(h, 2), n, fh*fw, 1, fc)
			spread := nn.Reshape(nn.Mean(nn.Abs(nn.Sub(h, mean)), 2), n, fh*fw, 1, fc)
			h = nn.Concat(2, h, spread)
		}
		h = nn.Reshape(h, n, fh, fw, h.Dim(2)*fc)
	default:
		stacked := nn.Transpose(nn.Reshape(x, n, k, r, r, c), 0, 2, 3, 1, 4) // [n, r, r, k, c]
		h = d.towerForward(nn.Reshape(stacked, n, r, r, k*c), training, 1)
	}
	if d.mbn != nil {
		h = d.mbn.ForwardAct(d.merge.Forward(h), training, nn.LeakyReLUAct(0.2)) // [n, 2, 2, c]
	} else {
		h = d.merge.ForwardAct(h, nn.LeakyReLUAct(0.2))
	}
	return d.out.Forward(nn.Reshape(h, n, -1)), zi // [n, outs]
}

func (d *dcganDiscriminator) Params() []*nn.Tensor {
	var ps []*nn.Tensor
	for i, l := range d.tower {
		ps = append(ps, l.Params()...)
		if i > 0 && d.bns != nil {
			ps = append(ps, d.bns[i-1].Params()...)
		}
	}
	ps = append(ps, d.merge.Params()...)
	if d.mbn != nil {
		ps = append(ps, d.mbn.Params()...)
	}
	ps = append(ps, d.out.Params()...)
	if d.info != nil {
		ps = append(ps, d.info.Params()...)
	}
	return ps
}

func (d *dcganDiscriminator) Buffers() []*nn.Tensor {
	var bs []*nn.Tensor
	for _, b := range d.bns {
		bs = append(bs, b.Buffers()...)
	}
	if d.mbn != nil {
		bs = append(bs, d.mbn.Buffers()...)
	}
	for _, l := range append(d.tower, d.merge) { // spectral norm's singular-vector estimates
		if l.SN != nil {
			bs = append(bs, l.SN.U)
		}
	}
	if d.out.SN != nil {
		bs = append(bs, d.out.SN.U)
	}
	return bs
}
