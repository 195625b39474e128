package verify

import (
	"fmt"

	"sdgan/nn"
)

// BatchHardTriplet is the batch-hard triplet loss (Hermans, Beyer, Leibe 2017) on unit embeddings emb [n, d]
// with identity labels: for every anchor a that has a positive in the batch,
//
//	loss_a = max(0, max_{p: same label} D(a, p) − min_{q: other label} D(a, q) + margin)
//
// where D is the squared Euclidean distance 2 − 2·cos (valid for unit rows). The result is the mean over those
// anchors. The hardest positive and negative are chosen on the values (as the subgradient of max and min does),
// so the loss is built from differentiable ops: D = 2 − 2·E·Eᵀ, masked sums, ReLU and a mean. active counts the
// anchors whose loss is above 0, valid those used. It panics if len(labels) differs from the batch size or no anchor has both a
// positive and a negative.
func BatchHardTriplet(emb *nn.Tensor, labels []int, margin float32) (loss *nn.Tensor, active, valid int) {
	n := emb.Dim(0)
	if len(labels) != n || len(emb.Shape) != 2 {
		panic(fmt.Sprintf("verify: triplet loss of embeddings %v with %d labels", emb.Shape, len(labels)))
	}
	sim := nn.MatMul(emb, nn.Transpose(emb, 1, 0))  // [n, n] cosines
	dist := nn.Add(nn.Scale(sim, -2), nn.Scalar(2)) // squared distances
	dh := dist.ToHost()                             // the mining reads them on the host
	pos, neg := make([]float32, n*n), make([]float32, n*n)
	var anchors []float32 // 1 for anchors with a positive and a negative
	count := 0
	for a := range n {
		hp, hn := -1, -1
		for b := range n {
			if b == a {
				continue
			}
			d := dh[a*n+b]
			if labels[b] == labels[a] {
				if hp < 0 || d > dh[a*n+hp] {
					hp = b
				}
			} else if hn < 0 || d < dh[a*n+hn] {
				hn = b
			}
		}
		use := float32(0)
		if hp >= 0 && hn >= 0 {
			pos[a*n+hp], neg[a*n+hn], use = 1, 1, 1
			count++
			if dh[a*n+hp]-dh[a*n+hn]+margin > 0 {
				active++
			}
		}
		anchors = append(anchors, use)
	}
	if count == 0 {
		panic("verify: triplet loss: no anchor has both a positive and a negative in the batch")
	}
	dp := nn.Sum(nn.Mul(dist, nn.FromData(pos, n, n)), 1) // [n] hardest-positive distance (0 for unused rows)
	dn := nn.Sum(nn.Mul(dist, nn.FromData(neg, n, n)), 1) // [n] hardest-negative distance
	hinge := nn.ReLU(nn.Add(nn.Sub(dp, dn), nn.Scalar(margin)))
	hinge = nn.Mul(hinge, nn.FromData(anchors, n)) // unused rows count 0
	return nn.Scale(nn.Sum(hinge), 1/float32(count)), active, count
}

// BatchAllTriplet is the triplet loss over every valid triplet of the batch, averaged over the active ones (those
// with a positive loss; Hermans, Beyer, Leibe 2017, "BA≠0"): with D the squared distance 2 − 2·cos of unit
// embeddings emb [n, d],
//
//	loss = Σ_{a, p ≠ a same label, q other label} max(0, D(a, p) − D(a, q) + margin) / #active
//
// Averaging over the active triplets only is a soft form of hard mining: as the easy triplets drop out, the hard
// ones weigh more. Unlike BatchHardTriplet it does not collapse the embedding early on data whose hardest pairs
// are very hard (same glyph in two typefaces). active is #active and valid the number of valid triplets; the loss is 0 when no triplet is active. It panics if
// len(labels) differs from the batch size.
func BatchAllTriplet(emb *nn.Tensor, labels []int, margin float32) (loss *nn.Tensor, active, valid int) {
	n := emb.Dim(0)
	if len(labels) != n || len(emb.Shape) != 2 {
		panic(fmt.Sprintf("verify: triplet loss of embeddings %v with %d labels", emb.Shape, len(labels)))
	}
	sim := nn.MatMul(emb, nn.Transpose(emb, 1, 0))
	dist := nn.Add(nn.Scale(sim, -2), nn.Scalar(2))
	// t[a, p, q] = D(a, p) − D(a, q) + margin
	t := nn.Add(nn.Sub(nn.Reshape(dist, n, n, 1), nn.Reshape(dist, n, 1, n)), nn.Scalar(margin))
	dh := dist.ToHost() // the counts read t on the host, from D (n² values, not t's n³): the same float32 sums
	mask := make([]float32, n*n*n)
	for a := range n {
		for p := range n {
			if p == a || labels[p] != labels[a] {
				continue
			}
			for q := range n {
				i := (a*n+p)*n + q
				if labels[q] != labels[a] {
					mask[i] = 1
					valid++
					if dh[a*n+p]-dh[a*n+q]+margin > 0 {
						active++
					}
				}
			}
		}
	}
	hinge := nn.Mul(nn.ReLU(t), nn.FromData(mask, n, n, n))
	return nn.Scale(nn.Sum(hinge), 1/float32(max(active, 1))), active, valid
}
