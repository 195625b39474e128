package project

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"sdgan/model"
	"sdgan/verify"
)

// Limits of Pick: candidates drawn per view kept, and in all (which bounds the images held at once: 2048 of
// 64×64×3 are 100 MB).
const (
	MaxPick       = 64
	MaxCandidates = 2048
)

// Pick draws pool·n observation codes from the prior with rng, generates identity zi with each, and keeps the n
// whose images a verifier scores as most like the images it was projected from: by the mean cosine similarity of
// their embeddings (embed is the verifier's) to those of images. It returns the kept codes and their images,
// best first (ties in draw order). With pool 1 it keeps every code drawn, in draw order, as plain sampling does.
//
// Picking trades the variety of the views for their likeness: a candidate that copies one of the images scores
// high. EvalRow.InputMSSSIM measures how close the kept views come to the images.
func Pick(g model.Generator, cfg model.Config, zi []float32, images [][]float32, embed func([][]float32) [][]float32,
	n, pool int, rng *rand.Rand) (zo, views [][]float32, err error) {
	if n < 1 || pool < 1 || pool > MaxPick || n*pool > MaxCandidates {
		return nil, nil, fmt.Errorf("pick %d of %d·%d candidates: want n ≥ 1, a pool of 1 to %d and at most %d candidates", n, pool, n, MaxPick, MaxCandidates)
	}
	zo = model.Uniform(rng, pool*n, cfg.DO)
	views = model.GenerateGrid(g, cfg, [][]float32{zi}, zo)
	if pool == 1 {
		return zo, views, nil
	}
	if len(images) == 0 {
		return nil, nil, errors.New("pick: no images to compare the candidates with")
	}
	ref := embed(images)
	score := make([]float64, len(views))
	for i, e := range embed(views) {
		for _, r := range ref {
			score[i] += verify.Cosine(e, r) / float64(len(ref))
		}
	}
	order := make([]int, len(views))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	keptZ, kept := make([][]float32, n), make([][]float32, n)
	for i, j := range order[:n] {
		keptZ[i], kept[i] = zo[j], views[j]
	}
	return keptZ, kept, nil
}
