package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"sdgan/nn"
)

// blocks is the number of convolution blocks of the BEGAN networks: 4 at 64×64 (8 → 16 → 32 → 64) and 3 in our
// 32×32 variant (one block fewer).
func (c Config) blocks() int {
	if c.Res == 64 {
		return 4
	}
	return 3
}

// beganDecoder is the BEGAN generator network (also the discriminator's decoder): dense → 8×8×n, then blocks of
// [conv3×3 n + ELU, conv3×3 n + ELU] with nearest-neighbour 2× upsampling between blocks, and a final conv3×3 to
// the image channels with no activation. No normalisation anywhere.
//
// The dense layer's outputs are read channels-first ([n, 8, 8] per example), as in the authors' TensorFlow code
// (NCHW), and transposed to NHWC: the authors' pretrained weights are only right that way
// (../shared/official-sdbegan/README.md). Convolutions are named like TensorFlow-slim's: prefix/Conv,
// prefix/Conv_1, …, so the authors' generator loads by name.
type beganDecoder struct {
	dense *nn.Dense
	convs []*nn.Conv // 2 per block, then the output convolution
	n     int
}

func slimConvName(prefix string, i int) string {
	if i == 0 {
		return prefix + "/Conv"
	}
	return fmt.Sprintf("%s/Conv_%d", prefix, i)
}

func newBEGANDecoder(prefix string, cfg Config, in int) *beganDecoder {
	n := cfg.Filters
	d := &beganDecoder{dense: nn.NewDense(prefix+"/fully_connected", in, 8*8*n, true), n: n}
	for i := range 2 * cfg.blocks() {
		d.convs = append(d.convs, nn.NewConv(slimConvName(prefix, i), 3, n, n, 1, nn.Same, true))
	}
	d.convs = append(d.convs, nn.NewConv(slimConvName(prefix, 2*cfg.blocks()), 3, n, cfg.Channels, 1, nn.Same, true))
	return d
}

func (d *beganDecoder) forward(z *nn.Tensor) *nn.Tensor {
	b := z.Dim(0)
	h := d.dense.Forward(z)                                   // [b, n·8·8], channels first
	h = nn.Transpose(nn.Reshape(h, b, d.n, 8, 8), 0, 2, 3, 1) // [b, 8, 8, n]
	blocks := (len(d.convs) - 1) / 2
	for i := range blocks {
		h = nn.ELU(d.convs[2*i].Forward(h))
		h = nn.ELU(d.convs[2*i+1].Forward(h))
		if i+1 < blocks {
			h = nn.Upsample2x(h)
		}
	}
	return d.convs[len(d.convs)-1].Forward(h) // [b, res, res, C]
}

func (d *beganDecoder) params() []*nn.Tensor {
	ps := d.dense.Params()
	for _, c := range d.convs {
		ps = append(ps, c.Params()...)
	}
	return ps
}

// beganGenerator is the SD-BEGAN generator: the decoder applied to z = [z_I; z_O].
type beganGenerator struct{ dec *beganDecoder }

func newBEGANGenerator(cfg Config, rng *rand.Rand) *beganGenerator {
	g := &beganGenerator{dec: newBEGANDecoder("G", cfg, cfg.Z())}
	initGlorot(rng, weightsOf(g.dec.params())...)
	return g
}

func (g *beganGenerator) Forward(z *nn.Tensor, training bool) *nn.Tensor { return g.dec.forward(z) }
func (g *beganGenerator) Params() []*nn.Tensor                           { return g.dec.params() }
func (g *beganGenerator) Buffers() []*nn.Tensor                          { return nil }

// beganDiscriminator is SD-BEGAN's autoencoder over a k-tuple (SPEC):
//   - encoder, shared by the k images: conv3×3 n + ELU; then for each block i, two conv3×3 of n·(i+1) channels +
//     ELU, with a stride-2 conv3×3 (+ ELU) after every block but the last, ending at 8×8×(n·blocks); dense → Hidden;
//   - bottleneck: the k codes concatenated, dense → d_I + k·d_O: one identity part shared by the tuple and one
//     observation part per image;
//   - per image j, its own dense layer from [identity; observation j] to Hidden, then a decoder shared by the k
//     images with the generator's architecture.
//
// The authors hard-coded k = 2; this works for any k ≥ 2.
type beganDiscriminator struct {
	cfg     Config
	enc     []*nn.Conv
	encOut  *nn.Dense
	bottle  *nn.Dense
	perSlot []*nn.Dense
	dec     *beganDecoder
}

func newBEGANDiscriminator(cfg Config, rng *rand.Rand) *beganDiscriminator {
	n, nb := cfg.Filters, cfg.blocks()
	d := &beganDiscriminator{cfg: cfg}
	conv := func(in, out, stride int) {
		d.enc = append(d.enc, nn.NewConv(slimConvName("D/enc", len(d.enc)), 3, in, out, stride, nn.Same, true))
	}
	conv(cfg.Channels, n, 1)
	prev := n
	for i := range nb {
		c := n * (i + 1)
		conv(prev, c, 1)
		conv(c, c, 1)
		if i+1 < nb {
			conv(c, c, 2)
		}
		prev = c
	}
	d.encOut = nn.NewDense("D/enc/fully_connected", 8*8*prev, cfg.Hidden, true)
	d.bottle = nn.NewDense("D/bottleneck", cfg.K*cfg.Hidden, cfg.DI+cfg.K*cfg.DO, true)
	for j := range cfg.K {
		d.perSlot = append(d.perSlot, nn.NewDense(fmt.Sprintf("D/code%d", j), cfg.DI+cfg.DO, cfg.Hidden, true))
	}
	d.dec = newBEGANDecoder("D/dec", cfg, cfg.Hidden)
	initGlorot(rng, weightsOf(d.Params())...)
	return d
}

func (d *beganDiscriminator) Forward(x *nn.Tensor, training bool) *nn.Tensor {
	k, r, c := d.cfg.K, d.cfg.Res, d.cfg.Channels
	if len(x.Shape) != 4 || x.Dim(0)%k != 0 || x.Dim(1) != r || x.Dim(2) != r || x.Dim(3) != c {
		panic(fmt.Sprintf("model: discriminator input %v; want [tuples·%d, %d, %d, %d]", x.Shape, k, r, r, c))
	}
	n := x.Dim(0) / k
	h := x
	for _, l := range d.enc {
		h = nn.ELU(l.Forward(h))
	}
	codes := d.encOut.Forward(nn.Reshape(h, n*k, -1)) // [n·k, hidden]; a tuple's codes are consecutive
	z := d.bottle.Forward(nn.Reshape(codes, n, -1))   // [n, d_I + k·d_O]
	sizes := []int{d.cfg.DI}
	for range k {
		sizes = append(sizes, d.cfg.DO)
	}
	parts := nn.Split(z, 1, sizes...)
	hidden := make([]*nn.Tensor, k)
	for j := range k {
		hj := d.perSlot[j].Forward(nn.Concat(1, parts[0], parts[1+j])) // [n, hidden]
		hidden[j] = nn.Reshape(hj, n, 1, -1)
	}
	// [n, k, hidden] → [n·k, hidden]: back to the input's tuple-major order.
	return d.dec.forward(nn.Reshape(nn.Concat(1, hidden...), n*k, -1))
}

func (d *beganDiscriminator) Params() []*nn.Tensor {
	var ps []*nn.Tensor
	for _, l := range d.enc {
		ps = append(ps, l.Params()...)
	}
	ps = slices.Concat(ps, d.encOut.Params(), d.bottle.Params())
	for _, l := range d.perSlot {
		ps = append(ps, l.Params()...)
	}
	return append(ps, d.dec.params()...)
}

func (d *beganDiscriminator) Buffers() []*nn.Tensor { return nil }

// initGlorot draws each weight tensor from Glorot's uniform U(±√(6/(fan_in + fan_out))), the default initialiser
// of TensorFlow-slim layers that the BEGAN code used. SPEC's N(0, 0.02²) is the DCGAN initialisation: in these
// deep ELU networks without normalisation it shrinks the signal about threefold per layer, and a run stays black
// for thousands of steps. Biases stay 0.
func initGlorot(rng *rand.Rand, ws ...*nn.Tensor) {
	for _, w := range ws {
		fanIn, fanOut := w.Shape[0], w.Shape[1] // dense [in, out]
		if len(w.Shape) == 4 {                  // conv [kh, kw, in, out]
			fanIn, fanOut = w.Shape[0]*w.Shape[1]*w.Shape[2], w.Shape[0]*w.Shape[1]*w.Shape[3]
		}
		limit := math.Sqrt(6 / float64(fanIn+fanOut))
		nn.InitUniform(rng, -limit, limit, w)
	}
}

// weightsOf keeps the tensors that are weights (not biases), by TensorFlow's naming.
func weightsOf(ts []*nn.Tensor) []*nn.Tensor {
	var ws []*nn.Tensor
	for _, t := range ts {
		if len(t.Shape) > 1 {
			ws = append(ws, t)
		}
	}
	return ws
}
