package train

import (
	"math"
	"math/rand/v2"
	"slices"
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
	for i, a := range e.avg {
		c := e.cur[i]
		if !strings.HasPrefix(a.Name, "G_ema/") || strings.TrimPrefix(a.Name, "G_ema/") != strings.TrimPrefix(c.Name, "G/") {
			t.Fatalf("average %q of %q: want G_ema/ and the same name", a.Name, c.Name)
		}
		if !slices.Equal(a.CPUData(), c.CPUData()) {
			t.Fatalf("%s does not start equal to the generator", a.Name)
		}
	}
	if b := e.beta(32, 1e6); math.Abs(b-math.Pow(0.5, 32.0/10000)) > 1e-15 {
		t.Errorf("β for 32 images, half-life 10 kimg: %g", b)
	}
	// Half-life in images: after half-life/batch updates towards a fixed target, half the gap is left.
	w, avg := e.cur[0].CPUData(), e.avg[0].CPUData()
	start := avg[0]
	target := start + 1
	for i := range w {
		w[i] = avg[i] + 1
	}
	for range 10000 / 50 {
		e.update(50, 1e9)
	}
	if got := float64(target - avg[0]); math.Abs(got-0.5) > 1e-3 {
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
