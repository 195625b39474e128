package model

import (
	"fmt"

	"sdgan/nn"
)

// generateBatch bounds how many images one forward pass makes, which bounds inference memory.
const generateBatch = 64

// Generate runs g in inference mode (batch-norm running averages) on the codes z, row-major [n, d_I + d_O], in
// batches of at most 64, and returns one image (Res·Res·Channels values, NHWC) per code. Each batch runs on a tape
// that is reset after it, so that its activations go back to the backend for the next batch or call to reuse (no
// gradient is ever taken).
func Generate(g Generator, cfg Config, z []float32) [][]float32 {
	d := cfg.Z()
	if len(z)%d != 0 {
		panic(fmt.Sprintf("model: generate: %d latent values is not a whole number of %d-value codes", len(z), d))
	}
	n, size := len(z)/d, cfg.ImageSize()
	imgs := make([][]float32, 0, n)
	tp := nn.NewTape()
	for start := 0; start < n; start += generateBatch {
		b := min(generateBatch, n-start)
		out := g.Forward(tp.Input(z[start*d:(start+b)*d], b, d), false).ToHost()
		tp.Reset()
		for i := range b {
			imgs = append(imgs, out[i*size:(i+1)*size])
		}
	}
	return imgs
}

// GenerateGrid returns the images of the identity × observation grid, row-major: cell (i, o) = G([zi[i]; zo[o]]).
func GenerateGrid(g Generator, cfg Config, zi, zo [][]float32) [][]float32 {
	return Generate(g, cfg, GridZ(zi, zo))
}

// Interpolation returns the codes of the paper demo's interpolation grid between full codes a and b (identity
// part first): rows interpolate z_I and columns z_O, so cell (r, c) has z_I = a_I + (b_I − a_I)·r/(rows−1) and
// z_O = a_O + (b_O − a_O)·c/(cols−1). Corners: a at (0, 0), b at (rows−1, cols−1), a's identity with b's
// observation at (0, cols−1), b's identity with a's observation at (rows−1, 0).
func Interpolation(cfg Config, a, b []float32, rows, cols int) (zi, zo [][]float32) {
	if len(a) != cfg.Z() || len(b) != cfg.Z() || rows < 2 || cols < 2 {
		panic(fmt.Sprintf("model: interpolation of codes of %d and %d values in a %d×%d grid", len(a), len(b), rows, cols))
	}
	for r := range rows {
		zi = append(zi, Lerp(a[:cfg.DI], b[:cfg.DI], float32(r)/float32(rows-1)))
	}
	for c := range cols {
		zo = append(zo, Lerp(a[cfg.DI:], b[cfg.DI:], float32(c)/float32(cols-1)))
	}
	return zi, zo
}
