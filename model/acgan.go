package model

import (
	"fmt"
	"math/rand/v2"

	"sdgan/nn"
)

// AC-DCGAN, the paper's conditional baseline (Odena et al. 2017's AC-GAN on SD-DCGAN's networks). Its generator is
// SD-DCGAN's, given z = [z_I ; z_O] as every generator here is, but z_I is not drawn from a prior: it is the row
// of a learned table "G/label_embedding" [Classes, d_I] for an identity label of the training data. So the
// identity codes of an AC-DCGAN are that table's rows, and generate, serve and eval draw rows of it where they
// would draw z_I ~ U(−1, 1)^d_I for SD-GAN (IdentityCodes): a row is one training identity, and there are no
// others — an AC-GAN cannot sample new identities. Its discriminator is SD-DCGAN's tower on one image with
// 1 + Classes outputs (see dcganDiscriminator).

// labelTableName is the generator's label table.
const labelTableName = "G/label_embedding"

// Conditional is a generator whose identity codes are the rows of a learned table, one per identity label:
// AC-DCGAN's. Training goes through ForwardLabels so that the table learns; inference (Forward) takes the rows as
// z_I like any generator.
type Conditional interface {
	Generator
	// LabelTable is the table [classes, d_I] whose row i is identity label i's code.
	LabelTable() *nn.Tensor
	// ForwardLabels runs the generator on the identities given as one-hot rows onehot [n, classes] and the
	// observation codes zo [n, d_O]: z_I = onehot·table, recorded on onehot's tape so that gradients reach the
	// table.
	ForwardLabels(onehot, zo *nn.Tensor, training bool) *nn.Tensor
}

// acganGenerator is SD-DCGAN's generator behind a label table.
type acganGenerator struct {
	*dcganGenerator
	table *nn.Tensor // [classes, d_I]
}

// newACGANGenerator builds SD-DCGAN's generator (weights drawn first, as for SD-DCGAN) and the label table, whose
// rows start from SD-GAN's prior U(−1, 1)^d_I, so that the untrained generator sees the inputs SD-DCGAN's does.
func newACGANGenerator(cfg Config, rng *rand.Rand) *acganGenerator {
	g := &acganGenerator{dcganGenerator: newDCGANGenerator(cfg, rng), table: nn.NewParam(labelTableName, cfg.Classes, cfg.DI)}
	nn.InitUniform(rng, -1, 1, g.table)
	return g
}

func (g *acganGenerator) LabelTable() *nn.Tensor { return g.table }

func (g *acganGenerator) ForwardLabels(onehot, zo *nn.Tensor, training bool) *nn.Tensor {
	classes := g.table.Dim(0)
	if len(onehot.Shape) != 2 || onehot.Dim(1) != classes || len(zo.Shape) != 2 || zo.Dim(0) != onehot.Dim(0) {
		panic(fmt.Sprintf("model: AC-DCGAN generator: labels %v and observation codes %v; want [n, %d] and [n, d_O]", onehot.Shape, zo.Shape, classes))
	}
	zi := nn.MatMul(onehot, g.table) // [n, d_I]: each one-hot row picks its label's row
	return g.dcganGenerator.Forward(nn.Concat(1, zi, zo), training)
}

func (g *acganGenerator) Params() []*nn.Tensor { return append(g.dcganGenerator.Params(), g.table) }

// OneHot fills dst [len(labels), classes] with the one-hot rows of labels. It panics on a label out of range or a
// dst of the wrong length.
func OneHot(labels []int, classes int, dst []float32) {
	if len(dst) != len(labels)*classes {
		panic(fmt.Sprintf("model: one-hot of %d labels of %d classes into %d values", len(labels), classes, len(dst)))
	}
	clear(dst)
	for i, l := range labels {
		if l < 0 || l >= classes {
			panic(fmt.Sprintf("model: label %d of %d classes", l, classes))
		}
		dst[i*classes+l] = 1
	}
}
