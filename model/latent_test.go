package model

import (
	"math/rand/v2"
	"testing"
)

// Truncate scales each code's z_I part by ψ_I and its z_O part by ψ_O, and nothing else.
func TestTruncate(t *testing.T) {
	cfg := Config{DI: 3, DO: 2}
	for _, tc := range []struct {
		name       string
		psiI, psiO float32
	}{{"none", 1, 1}, {"observations", 1, 0.5}, {"identities", 0.25, 1}, {"both", 0.7, 0.3}} {
		t.Run(tc.name, func(t *testing.T) {
			codes := Uniform(rand.New(rand.NewPCG(1, 2)), 4, cfg.Z())
			var z []float32
			for _, c := range codes {
				z = append(z, c...)
			}
			Truncate(z, cfg, tc.psiI, tc.psiO)
			for n, c := range codes {
				for i, v := range c {
					want := v * tc.psiO
					if i < cfg.DI {
						want = v * tc.psiI
					}
					if got := z[n*cfg.Z()+i]; got != want {
						t.Errorf("code %d value %d: %g, want %g", n, i, got, want)
					}
				}
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("Truncate of 7 values as codes of 5 did not panic")
		}
	}()
	Truncate(make([]float32, 7), cfg, 0.5, 0.5)
}

// TruncateEach scales whole codes.
func TestTruncateEach(t *testing.T) {
	codes := [][]float32{{1, -0.5}, {0.25}}
	TruncateEach(codes, 0.5)
	if codes[0][0] != 0.5 || codes[0][1] != -0.25 || codes[1][0] != 0.125 {
		t.Errorf("got %v, want [[0.5 -0.25] [0.125]]", codes)
	}
}
