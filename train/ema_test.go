package train

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"sdgan/model"
)

// The moving average starts as a copy of the generator under "G_ema/…" names, moves by β = ½^(batch/half-life)
// per update, and with a ramp-up uses the shorter half-life RampUp × images seen.
func TestEMA(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	e, err := newEMA(cfg, g, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range e.pairs {
		if !strings.HasPrefix(p[0].Name, "G_ema/") || strings.TrimPrefix(p[0].Name, "G_ema/") != strings.TrimPrefix(p[1].Name, "G/") {
			t.Fatalf("average %q of %q: want G_ema/ and the same name", p[0].Name, p[1].Name)
		}
		if p[0].Data[0] != p[1].Data[0] {
			t.Fatalf("%s does not start equal to the generator", p[0].Name)
		}
	}
	if b := e.beta(32, 1e6); math.Abs(b-math.Pow(0.5, 32.0/10000)) > 1e-15 {
		t.Errorf("β for 32 images, half-life 10 kimg: %g", b)
	}
	// Half-life in images: after half-life/batch updates towards a fixed target, half the gap is left.
	w := e.pairs[0][1]
	start := e.pairs[0][0].Data[0]
	target := start + 1
	for i := range w.Data {
		w.Data[i] = e.pairs[0][0].Data[i] + 1
	}
	for range 10000 / 50 {
		e.update(50, 1e9)
	}
	if got := float64(target - e.pairs[0][0].Data[0]); math.Abs(got-0.5) > 1e-3 {
		t.Errorf("after one half-life the gap is %.5f, want 0.5", got)
	}
	ramp, _ := newEMA(cfg, g, 10, 0.05)
	if b, want := ramp.beta(32, 3200), math.Pow(0.5, 32.0/160); math.Abs(b-want) > 1e-15 {
		t.Errorf("ramp-up at 3200 images: β %g, want %g (half-life 160 images)", b, want)
	}
	if b, want := ramp.beta(32, 1e7), math.Pow(0.5, 32.0/10000); math.Abs(b-want) > 1e-15 {
		t.Errorf("ramp-up past its end: β %g, want %g", b, want)
	}
}
