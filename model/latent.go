package model

import (
	"fmt"
	"math/rand/v2"
)

// Uniform returns n vectors of d values drawn from U(−1, 1), SPEC's latent prior.
func Uniform(rng *rand.Rand, n, d int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, d)
		for j := range out[i] {
			out[i][j] = float32(2*rng.Float64() - 1)
		}
	}
	return out
}

// TupleZ fills z [tuples·k, d_I + d_O] for the fake side of a training batch: one z_I per tuple repeated for its
// k images, and an independent z_O for every image.
func TupleZ(rng *rand.Rand, cfg Config, tuples int, z []float32) {
	d := cfg.Z()
	if len(z) != tuples*cfg.K*d {
		panic(fmt.Sprintf("model: tuple latents: %d values for %d tuples of %d × %d", len(z), tuples, cfg.K, d))
	}
	for t := range tuples {
		row := z[t*cfg.K*d:]
		for i := range cfg.DI {
			row[i] = float32(2*rng.Float64() - 1)
		}
		for j := range cfg.K {
			img := row[j*d:]
			copy(img[:cfg.DI], row[:cfg.DI])
			for i := cfg.DI; i < d; i++ {
				img[i] = float32(2*rng.Float64() - 1)
			}
		}
	}
}

// GridZ returns the codes of an identity × observation grid: row-major cells, cell (i, o) = [zi[i]; zo[o]].
func GridZ(zi, zo [][]float32) []float32 {
	var z []float32
	for _, a := range zi {
		for _, b := range zo {
			z = append(append(z, a...), b...)
		}
	}
	return z
}

// Lerp returns a + (b − a)·t elementwise.
func Lerp(a, b []float32, t float32) []float32 {
	out := make([]float32, len(a))
	for i := range a {
		out[i] = a[i] + (b[i]-a[i])*t
	}
	return out
}

// PairCodes returns the codes of n pairs of images sharing z_I (independent z_O) followed by n pairs of independent
// codes: 4n codes of d_I + d_O values, row-major, from SD-GAN's prior U(−1, 1). The verifier figures of sdgan eval
// and of training's evaluation are measured on such pairs (eval.SplitPairs cuts the images back into pairs).
func PairCodes(rng *rand.Rand, cfg Config, n int) []float32 {
	z := make([]float32, 0, 4*n*cfg.Z())
	for range n { // same z_I
		zi := Uniform(rng, 1, cfg.DI)[0]
		zo := Uniform(rng, 2, cfg.DO)
		z = append(append(append(append(z, zi...), zo[0]...), zi...), zo[1]...)
	}
	for range n { // independent codes
		for _, c := range Uniform(rng, 2, cfg.Z()) {
			z = append(z, c...)
		}
	}
	return z
}
