package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"sdgan/nn"
)

// Generate runs its batches on a tape that it resets, reusing the memory: the images are, bit for bit, those of a
// plain inference forward pass without a tape, for every architecture with a generator of codes, across more than
// one batch and a second call.
func TestGenerateMatchesForwardWithoutTape(t *testing.T) {
	for _, arch := range []string{DCGAN, BEGAN} {
		cfg := DefaultConfig(arch, 32, 3)
		rng := rand.New(rand.NewPCG(4, 5))
		g, err := NewGenerator(cfg, rng)
		if err != nil {
			t.Fatal(err)
		}
		n := generateBatch + 3 // two batches, the second partial
		z := make([]float32, n*cfg.Z())
		for i := range z {
			z[i] = float32(2*rng.Float64() - 1)
		}
		for call := range 2 {
			imgs := Generate(g, cfg, z)
			if len(imgs) != n {
				t.Fatalf("%s: %d images for %d codes", arch, len(imgs), n)
			}
			for start := 0; start < n; start += generateBatch {
				b := min(generateBatch, n-start)
				want := g.Forward(nn.FromData(z[start*cfg.Z():(start+b)*cfg.Z()], b, cfg.Z()), false).ToHost()
				size := cfg.ImageSize()
				for i := range b {
					for j, v := range imgs[start+i] {
						if math.Float32bits(v) != math.Float32bits(want[i*size+j]) {
							t.Fatalf("%s call %d: image %d value %d = %v, forward without a tape gives %v", arch, call, start+i, j, v, want[i*size+j])
						}
					}
				}
			}
		}
	}
}
