package eval

import (
	"fmt"
	"math"
	"slices"
)

// Verification scores. Every function here takes the scores of positive pairs (same identity) and negative
// pairs (different identities), higher score = more likely positive; a pair is accepted as positive when its
// score is at least the threshold. Negate distances before passing them. Scores must be finite and neither
// set may be empty.

// Curve is a receiver operating characteristic: point k accepts the pairs scoring at least Thresholds[k].
type Curve struct {
	// Thresholds are the distinct scores in descending order, preceded by +Inf (nothing accepted), so the
	// curve runs from (FPR 0, TPR 0) to (FPR 1, TPR 1). Tied scores share one point.
	Thresholds []float64
	// FPR[k] is the false positive rate at Thresholds[k]: the fraction of negatives scoring ≥ it.
	FPR []float64
	// TPR[k] is the true positive rate at Thresholds[k]: the fraction of positives scoring ≥ it.
	TPR []float64
}

// checkScores returns an error naming the set if pos or neg is empty or holds a non-finite score.
func checkScores(pos, neg []float64) error {
	for _, s := range []struct {
		name   string
		scores []float64
	}{{"positive", pos}, {"negative", neg}} {
		if len(s.scores) == 0 {
			return fmt.Errorf("%s scores: none given, want at least one", s.name)
		}
		for i, v := range s.scores {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%s scores: score %d is %v, want a finite number", s.name, i, v)
			}
		}
	}
	return nil
}

// ROC returns the receiver operating characteristic of the scores, one point per distinct score.
func ROC(pos, neg []float64) (Curve, error) {
	if err := checkScores(pos, neg); err != nil {
		return Curve{}, fmt.Errorf("roc: %w", err)
	}
	thresholds, tp, fp := rocCounts(pos, neg)
	c := Curve{Thresholds: thresholds, FPR: make([]float64, len(fp)), TPR: make([]float64, len(tp))}
	for k := range thresholds {
		c.TPR[k] = float64(tp[k]) / float64(len(pos))
		c.FPR[k] = float64(fp[k]) / float64(len(neg))
	}
	return c, nil
}

// rocCounts returns +Inf followed by the distinct scores in descending order, and for each of them the
// number of positives (tp) and negatives (fp) scoring at least it.
func rocCounts(pos, neg []float64) (thresholds []float64, tp, fp []int) {
	p := slices.Clone(pos)
	n := slices.Clone(neg)
	slices.Sort(p)
	slices.Sort(n)
	thresholds, tp, fp = []float64{math.Inf(1)}, []int{0}, []int{0}
	// Walk both sorted lists from the top, one distinct score at a time.
	i, j := len(p), len(n) // p[i:] and n[j:] score at least the current threshold
	for i > 0 || j > 0 {
		t := math.Inf(-1)
		if i > 0 {
			t = p[i-1]
		}
		if j > 0 {
			t = max(t, n[j-1])
		}
		for i > 0 && p[i-1] == t {
			i--
		}
		for j > 0 && n[j-1] == t {
			j--
		}
		thresholds = append(thresholds, t)
		tp = append(tp, len(p)-i)
		fp = append(fp, len(n)-j)
	}
	return thresholds, tp, fp
}

// AUC returns the area under the ROC curve in its Mann–Whitney form: the probability that a random positive
// outscores a random negative, ties counting one half,
//
//	AUC = (#{(p, n): p > n} + ½·#{(p, n): p = n}) / (|pos|·|neg|).
//
// It equals the trapezoidal area under ROC's curve. 1 means perfectly separated, 0.5 chance, 0 reversed.
func AUC(pos, neg []float64) (float64, error) {
	if err := checkScores(pos, neg); err != nil {
		return 0, fmt.Errorf("auc: %w", err)
	}
	p := slices.Clone(pos)
	n := slices.Clone(neg)
	slices.Sort(p)
	slices.Sort(n)
	var wins float64 // pairs won, ties counted ½, in units of ½ to stay exact
	below, equal := 0, 0
	for k, v := range p {
		if k > 0 && v == p[k-1] {
			wins += float64(2*below + equal)
			continue
		}
		below += equal
		for below < len(n) && n[below] < v {
			below++
		}
		equal = 0
		for below+equal < len(n) && n[below+equal] == v {
			equal++
		}
		wins += float64(2*below + equal)
	}
	return wins / 2 / (float64(len(p)) * float64(len(n))), nil
}

// EER returns the equal error rate, where the false positive rate equals the false negative rate
// (1 - TPR), and the threshold where that happens. The crossing is found on ROC's curve: between the last
// point with FNR > FPR and the first with FNR ≤ FPR, both the rate and the threshold are interpolated linearly
// (where the first of the two points is the +Inf start, the threshold is the second point's score). Perfectly
// separated scores give rate 0 at the lowest positive score; identical ones give 0.5.
func EER(pos, neg []float64) (rate, threshold float64, err error) {
	c, err := ROC(pos, neg)
	if err != nil {
		return 0, 0, fmt.Errorf("eer: %w", err)
	}
	// d[k] = FNR - FPR falls from 1 at k = 0 to -1 at the last point: find where it reaches 0.
	d := func(k int) float64 { return 1 - c.TPR[k] - c.FPR[k] }
	k := 1
	for d(k) > 0 {
		k++
	}
	alpha := d(k-1) / (d(k-1) - d(k))
	rate = c.FPR[k-1] + alpha*(c.FPR[k]-c.FPR[k-1])
	threshold = c.Thresholds[k]
	if k > 1 {
		threshold = c.Thresholds[k-1] + alpha*(c.Thresholds[k]-c.Thresholds[k-1])
	}
	return rate, threshold, nil
}

// Accuracy returns the fraction of pairs classified correctly when pairs scoring at least threshold are
// called positive: (#{pos ≥ threshold} + #{neg < threshold}) / (|pos| + |neg|).
func Accuracy(pos, neg []float64, threshold float64) (float64, error) {
	if err := checkScores(pos, neg); err != nil {
		return 0, fmt.Errorf("accuracy: %w", err)
	}
	if math.IsNaN(threshold) {
		return 0, fmt.Errorf("accuracy: threshold is NaN, want a number")
	}
	correct := 0
	for _, v := range pos {
		if v >= threshold {
			correct++
		}
	}
	for _, v := range neg {
		if v < threshold {
			correct++
		}
	}
	return float64(correct) / float64(len(pos)+len(neg)), nil
}

// BestAccuracy returns the highest Accuracy over all thresholds and the threshold giving it: one of ROC's
// thresholds (the highest one on ties; +Inf when rejecting every pair is best). Chosen on the same scores it
// scores, it is optimistic; pick the threshold on held-out pairs for an unbiased figure.
func BestAccuracy(pos, neg []float64) (acc, threshold float64, err error) {
	if err := checkScores(pos, neg); err != nil {
		return 0, 0, fmt.Errorf("best accuracy: %w", err)
	}
	thresholds, tp, fp := rocCounts(pos, neg)
	best := -1
	for k, t := range thresholds {
		if correct := tp[k] + len(neg) - fp[k]; correct > best {
			best, threshold = correct, t
		}
	}
	return float64(best) / float64(len(pos)+len(neg)), threshold, nil
}
