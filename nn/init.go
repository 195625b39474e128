package nn

import "math/rand/v2"

// InitNormal fills tensors with values drawn from N(0, std²) using rng (deterministic for a seeded rng), drawn
// on the host and copied to each tensor's backend.
func InitNormal(rng *rand.Rand, std float64, ts ...*Tensor) {
	for _, t := range ts {
		v := make([]float32, t.Size())
		for i := range v {
			v[i] = float32(rng.NormFloat64() * std)
		}
		t.CopyFromHost(v)
	}
}

// InitUniform fills tensors with values drawn from U(lo, hi) using rng, drawn on the host and copied to each
// tensor's backend.
func InitUniform(rng *rand.Rand, lo, hi float64, ts ...*Tensor) {
	for _, t := range ts {
		v := make([]float32, t.Size())
		for i := range v {
			v[i] = float32(lo + (hi-lo)*rng.Float64())
		}
		t.CopyFromHost(v)
	}
}

// Fill sets every value of the tensors to v (biases to 0, batch-norm scales to 1).
func Fill(v float32, ts ...*Tensor) {
	for _, t := range ts {
		t.dev.Fill(t.live("Fill"), v)
	}
}
