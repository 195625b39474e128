package eval

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkMSSSIM(b *testing.B) {
	for _, s := range []struct {
		name    string
		h, w, c int
	}{{"32x32x3", 32, 32, 3}, {"64x64x3", 64, 64, 3}} {
		b.Run(s.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x, y := randImage(rng, s.h, s.w, s.c), randImage(rng, s.h, s.w, s.c)
			opt := MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 255}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := MSSSIM(x, y, s.h, s.w, s.c, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAUC(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	pos, neg := randVec(rng, 10000, 1), randVec(rng, 10000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AUC(pos, neg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFrechetDistance128(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	x, y := Gaussian{randVec(rng, 128, 1), randSPD(rng, 128)}, Gaussian{randVec(rng, 128, 1), randSPD(rng, 128)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FrechetDistance(x, y); err != nil {
			b.Fatal(err)
		}
	}
}
