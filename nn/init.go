package nn

import "math/rand/v2"

// InitNormal fills tensors with values drawn from N(0, std²) using rng (deterministic for a seeded rng).
func InitNormal(rng *rand.Rand, std float64, ts ...*Tensor) {
	for _, t := range ts {
		for i := range t.Data {
			t.Data[i] = float32(rng.NormFloat64() * std)
		}
	}
}

// InitUniform fills tensors with values drawn from U(lo, hi) using rng.
func InitUniform(rng *rand.Rand, lo, hi float64, ts ...*Tensor) {
	for _, t := range ts {
		for i := range t.Data {
			t.Data[i] = float32(lo + (hi-lo)*rng.Float64())
		}
	}
}

// Fill sets every value of the tensors to v (biases to 0, batch-norm scales to 1).
func Fill(v float32, ts ...*Tensor) {
	for _, t := range ts {
		for i := range t.Data {
			t.Data[i] = v
		}
	}
}
