package model

import (
	"fmt"
	"math/rand/v2"

	"sdgan/nn"
)

// Generator maps latent codes z [n, d_I + d_O] (identity part first) to images [n, res, res, channels] in about
// [−1, 1]. An AC-DCGAN's generator is also a Conditional: its z_I are the rows of its label table.
type Generator interface {
	// Forward runs the generator; training selects batch statistics over running averages where the network has
	// batch norm. Without a tape on z it records nothing (inference).
	Forward(z *nn.Tensor, training bool) *nn.Tensor
	// Params lists the trainable tensors, named; Buffers the other saved state (batch-norm running averages).
	Params() []*nn.Tensor
	Buffers() []*nn.Tensor
}

// NewGenerator builds the generator of cfg with weights initialised from rng as SPEC says.
func NewGenerator(cfg Config, rng *rand.Rand) (Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.Arch {
	case DCGAN:
		return newDCGANGenerator(cfg, rng), nil
	case ACGAN:
		return newACGANGenerator(cfg, rng), nil
	case BEGAN:
		return newBEGANGenerator(cfg, rng), nil
	}
	return nil, fmt.Errorf("arch %q: no generator", cfg.Arch)
}

// Count is the number of values in the tensors.
func Count(ts []*nn.Tensor) int {
	n := 0
	for _, t := range ts {
		n += t.Size()
	}
	return n
}

// initWeights draws every weight tensor from N(0, 0.02²) (SPEC; the original used U(±0.02·√3), the same
// standard deviation) and leaves biases at 0. Batch-norm scales start at 1, set by their constructor.
func initWeights(rng *rand.Rand, ws ...*nn.Tensor) { nn.InitNormal(rng, 0.02, ws...) }
