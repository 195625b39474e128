package verify

import (
	"context"
	"fmt"
	"math/rand/v2"

	"sdgan/data"
	"sdgan/eval"
)

// Metrics are a verifier's figures on a set of same-identity (positive) and different-identity (negative) pairs,
// scored by cosine similarity.
type Metrics struct {
	Pairs     int       // positive pairs, and as many negative ones
	AUC       float64   // area under the ROC curve: P(a positive pair outscores a negative one)
	EER       float64   // equal error rate
	Threshold float64   // the cosine similarity at the EER
	Accuracy  float64   // accuracy at Threshold on these pairs
	Pos, Neg  []float64 // the scores
}

// PairScores embeds the images that n sampled same-identity and n different-identity pairs of ds use (pairs drawn
// by eval.SamplePairs with a PCG seeded with seed) and returns their cosine similarities. It returns ctx's error
// soon after ctx is cancelled.
func PairScores(ctx context.Context, net *Net, ds *data.Dataset, n int, seed uint64) (pos, neg []float64, err error) {
	sizes := make([]int, len(ds.Identities))
	for i, id := range ds.Identities {
		sizes[i] = len(id.Images)
	}
	same, diff, err := eval.SamplePairs(rand.New(rand.NewPCG(seed, 0x5eed)), sizes, n)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", ds.Name, err)
	}
	// Embed each image used once.
	index := map[eval.ImageRef]int{}
	var images [][]float32
	for _, p := range append(same, diff...) {
		for _, r := range p {
			if _, ok := index[r]; !ok {
				if err := ctx.Err(); err != nil {
					return nil, nil, err
				}
				img, err := ds.Image(r.Group, r.Index)
				if err != nil {
					return nil, nil, err
				}
				index[r] = len(images)
				images = append(images, img)
			}
		}
	}
	emb := make([][]float32, 0, len(images))
	for start := 0; start < len(images); start += embedBatch {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		emb = append(emb, net.Embed(images[start:min(start+embedBatch, len(images))])...)
	}
	score := func(p [2]eval.ImageRef) float64 { return Cosine(emb[index[p[0]]], emb[index[p[1]]]) }
	for _, p := range same {
		pos = append(pos, score(p))
	}
	for _, p := range diff {
		neg = append(neg, score(p))
	}
	return pos, neg, nil
}

// Evaluate scores net on n positive and n negative pairs of ds (see PairScores) and returns its AUC, EER, the EER
// threshold and the accuracy there. The threshold is chosen on the same pairs, so the accuracy is slightly
// optimistic. It returns ctx's error soon after ctx is cancelled.
func Evaluate(ctx context.Context, net *Net, ds *data.Dataset, n int, seed uint64) (Metrics, error) {
	pos, neg, err := PairScores(ctx, net, ds, n, seed)
	if err != nil {
		return Metrics{}, err
	}
	m := Metrics{Pairs: n, Pos: pos, Neg: neg}
	if m.AUC, err = eval.AUC(pos, neg); err != nil {
		return m, fmt.Errorf("%s: %w", ds.Name, err)
	}
	if m.EER, m.Threshold, err = eval.EER(pos, neg); err != nil {
		return m, fmt.Errorf("%s: %w", ds.Name, err)
	}
	if m.Accuracy, err = eval.Accuracy(pos, neg, m.Threshold); err != nil {
		return m, fmt.Errorf("%s: %w", ds.Name, err)
	}
	return m, nil
}
