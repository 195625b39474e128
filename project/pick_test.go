package project

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"sdgan/model"
	"sdgan/verify"
)

// Pick keeps the candidates that score highest against the images, best first, and with a pool of 1 draws
// exactly what plain sampling draws.
func TestPick(t *testing.T) {
	g, cfg := tinyBEGAN(t)
	rng := rand.New(rand.NewPCG(31, 32))
	zi := model.Uniform(rng, 1, cfg.DI)[0]
	images := model.GenerateGrid(g, cfg, [][]float32{model.Uniform(rng, 1, cfg.DI)[0]}, model.Uniform(rng, 2, cfg.DO))
	// The images themselves as embeddings: the score is their mean cosine similarity to the references.
	embed := func(x [][]float32) [][]float32 { return x }
	score := func(v []float32) float64 {
		s := 0.0
		for _, r := range images {
			s += verify.Cosine(v, r) / float64(len(images))
		}
		return s
	}

	const n, pool = 3, 5
	zo, views, err := Pick(g, cfg, zi, images, embed, n, pool, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	candZ := model.Uniform(rand.New(rand.NewPCG(7, 8)), n*pool, cfg.DO)
	cand := model.GenerateGrid(g, cfg, [][]float32{zi}, candZ)
	if len(zo) != n || len(views) != n {
		t.Fatalf("kept %d codes and %d views; want %d", len(zo), len(views), n)
	}
	var kept []int
	for i := range zo {
		j := slices.IndexFunc(candZ, func(c []float32) bool { return slices.Equal(c, zo[i]) })
		if j < 0 || !slices.Equal(cand[j], views[i]) {
			t.Fatalf("kept code %d is not one of the candidates, or its view is not the candidate's", i)
		}
		if i > 0 && score(views[i]) > score(views[i-1]) {
			t.Errorf("kept views not best first: %g after %g", score(views[i]), score(views[i-1]))
		}
		kept = append(kept, j)
	}
	for j := range cand {
		if !slices.Contains(kept, j) && score(cand[j]) > score(views[n-1]) {
			t.Errorf("candidate %d (score %g) dropped for a worse one (%g)", j, score(cand[j]), score(views[n-1]))
		}
	}

	// Pool 1: the draws of plain sampling, in order, and no embedding needed.
	zo, views, err = Pick(g, cfg, zi, nil, nil, n, 1, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	plainZ := model.Uniform(rand.New(rand.NewPCG(7, 8)), n, cfg.DO)
	plain := model.GenerateGrid(g, cfg, [][]float32{zi}, plainZ)
	for i := range n {
		if !slices.Equal(zo[i], plainZ[i]) || !slices.Equal(views[i], plain[i]) {
			t.Fatalf("pool 1, draw %d differs from plain sampling", i)
		}
	}

	for _, bad := range []struct{ n, pool int }{{0, 2}, {2, 0}, {2, MaxPick + 1}, {MaxCandidates/MaxPick + 1, MaxPick}} {
		if _, _, err := Pick(g, cfg, zi, images, embed, bad.n, bad.pool, rng); err == nil {
			t.Errorf("Pick n %d pool %d: no error", bad.n, bad.pool)
		}
	}
	if _, _, err := Pick(g, cfg, zi, nil, embed, 2, 2, rng); err == nil {
		t.Error("Pick with no images to compare with: no error")
	}
}

// addNearest keeps each view's highest MS-SSIM to an input: 1 for a copy.
func TestAddNearest(t *testing.T) {
	_, cfg := tinyBEGAN(t)
	rng := rand.New(rand.NewPCG(23, 24))
	noise := func() []float32 {
		x := make([]float32, cfg.ImageSize())
		for i := range x {
			x[i] = float32(2*rng.Float64() - 1)
		}
		return x
	}
	a, b, c := noise(), noise(), noise()
	var s scores
	if err := s.addNearest([][]float32{c, b}, [][]float32{a, b}, cfg); err != nil {
		t.Fatal(err)
	}
	ca, _, _ := Quality(c, a, cfg)
	cb, _, _ := Quality(c, b, cfg)
	if len(s.nearest) != 2 || s.nearest[0] != max(ca, cb) || math.Abs(s.nearest[1]-1) > 1e-9 || !(max(ca, cb) < 0.5) {
		t.Errorf("nearest %v; want [%g 1] (noise images far apart, a copy at 1)", s.nearest, max(ca, cb))
	}
}
