package verify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"sdgan/nn"
)

// Net is the embedding network: 4 × [conv 3×3 stride 2 → batch norm → LeakyReLU(0.2)], flatten, dense → Embed,
// L2-normalised rows.
type Net struct {
	cfg   Config
	convs []*nn.Conv
	bns   []*nn.BN
	dense *nn.Dense
}

// NewNet builds a network for cfg with convolution and dense weights drawn from He-scaled normals (std
// √(2/fan-in)) using rng, biases 0, batch-norm scales 1.
func NewNet(cfg Config, rng *rand.Rand) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Net{cfg: cfg}
	in := cfg.Channels
	for i, w := range cfg.Widths {
		name := fmt.Sprintf("V/conv%d", i)
		c := nn.NewConv(name, 3, in, w, 2, nn.Same, false)
		nn.InitNormal(rng, heStd(9*in), c.W)
		n.convs = append(n.convs, c)
		n.bns = append(n.bns, nn.NewBN(name+"/bn", w, cfg.BNMomentum, cfg.BNEps))
		in = w
	}
	side := cfg.Res / 16
	n.dense = nn.NewDense("V/embed", side*side*in, cfg.Embed, true)
	nn.InitNormal(rng, heStd(side*side*in), n.dense.W)
	return n, nil
}

// heStd is He et al.'s initial standard deviation √(2/fan-in) for layers followed by a (leaky) ReLU.
func heStd(fanIn int) float64 { return math.Sqrt(2 / float64(fanIn)) }

// Config returns the network's configuration.
func (n *Net) Config() Config { return n.cfg }

// Forward embeds x [n, Res, Res, Channels] as [n, Embed] rows of unit length. training selects batch statistics
// (and updates the running averages) over the running averages.
func (n *Net) Forward(x *nn.Tensor, training bool) *nn.Tensor {
	if len(x.Shape) != 4 || x.Shape[1] != n.cfg.Res || x.Shape[2] != n.cfg.Res || x.Shape[3] != n.cfg.Channels {
		panic(fmt.Sprintf("verify: input %v, want [n %d %d %d]", x.Shape, n.cfg.Res, n.cfg.Res, n.cfg.Channels))
	}
	h := x
	for i, c := range n.convs {
		h = nn.LeakyReLU(n.bns[i].Forward(c.Forward(h), training), 0.2)
	}
	return L2Normalize(n.dense.Forward(nn.Reshape(h, x.Dim(0), -1)))
}

// Features returns, for x [n, Res, Res, Channels] in inference mode (batch-norm running averages), the activation
// after each convolution block and, last, the unit embedding [n, Embed]: the verifier as a perceptual distance
// (sdgan project). Gradients flow to x when x is on a tape and needs them.
func (n *Net) Features(x *nn.Tensor) []*nn.Tensor {
	if len(x.Shape) != 4 || x.Shape[1] != n.cfg.Res || x.Shape[2] != n.cfg.Res || x.Shape[3] != n.cfg.Channels {
		panic(fmt.Sprintf("verify: input %v, want [n %d %d %d]", x.Shape, n.cfg.Res, n.cfg.Res, n.cfg.Channels))
	}
	var feats []*nn.Tensor
	h := x
	for i, c := range n.convs {
		h = nn.LeakyReLU(n.bns[i].Forward(c.Forward(h), false), 0.2)
		feats = append(feats, h)
	}
	return append(feats, L2Normalize(n.dense.Forward(nn.Reshape(h, x.Dim(0), -1))))
}

// Params lists the trainable tensors, named "V/…".
func (n *Net) Params() []*nn.Tensor {
	var ps []*nn.Tensor
	for i, c := range n.convs {
		ps = append(ps, c.Params()...)
		ps = append(ps, n.bns[i].Params()...)
	}
	return append(ps, n.dense.Params()...)
}

// Buffers lists the batch-norm running averages, which are saved with the parameters.
func (n *Net) Buffers() []*nn.Tensor {
	var bs []*nn.Tensor
	for _, b := range n.bns {
		bs = append(bs, b.Buffers()...)
	}
	return bs
}

// embedBatch bounds how many images one inference pass embeds.
const embedBatch = 128

// Embed returns the embedding of every image (each Res·Res·Channels values, NHWC, in [−1, 1]) in inference mode.
// It panics if an image has the wrong size.
func (n *Net) Embed(images [][]float32) [][]float32 {
	size := n.cfg.ImageSize()
	out := make([][]float32, 0, len(images))
	tp := nn.NewTape() // reset after each batch: the next batch reuses its buffers
	for start := 0; start < len(images); start += embedBatch {
		b := min(embedBatch, len(images)-start)
		x := make([]float32, 0, b*size)
		for i, img := range images[start : start+b] {
			if len(img) != size {
				panic(fmt.Sprintf("verify: image %d has %d values, want %d", start+i, len(img), size))
			}
			x = append(x, img...)
		}
		e := n.Forward(tp.Input(x, b, n.cfg.Res, n.cfg.Res, n.cfg.Channels), false).ToHost()
		tp.Reset()
		for i := range b {
			out = append(out, slices.Clone(e[i*n.cfg.Embed:(i+1)*n.cfg.Embed]))
		}
	}
	return out
}

// normEps keeps L2Normalize finite for an all-zero row.
const normEps = 1e-8

// L2Normalize divides every row of x [n, d] by its Euclidean norm: x·(Σx² + ε)^(−½), ε = 1e-8.
func L2Normalize(x *nn.Tensor) *nn.Tensor {
	sq := nn.Reshape(nn.Sum(nn.Mul(x, x), 1), x.Dim(0), 1)
	return nn.Mul(x, nn.Rsqrt(nn.Add(sq, nn.Scalar(normEps))))
}

// Cosine returns the cosine similarity of two embeddings (their dot product, as they have unit length).
func Cosine(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}
