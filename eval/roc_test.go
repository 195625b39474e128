package eval

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestROCKnownAnswers(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		name             string
		pos, neg         []float64
		curve            Curve
		auc, eer, eerThr float64
		bestAcc, bestThr float64
	}{
		{
			name: "perfectly separated",
			pos:  []float64{0.9, 0.7, 0.8}, neg: []float64{0.3, 0.1},
			curve: Curve{Thresholds: []float64{inf, 0.9, 0.8, 0.7, 0.3, 0.1}, TPR: []float64{0, 1. / 3, 2. / 3, 1, 1, 1}, FPR: []float64{0, 0, 0, 0, 0.5, 1}},
			auc:   1, eer: 0, eerThr: 0.7, bestAcc: 1, bestThr: 0.7,
		},
		{
			name: "identical distributions",
			pos:  []float64{1, 2, 3}, neg: []float64{3, 2, 1},
			curve: Curve{Thresholds: []float64{inf, 3, 2, 1}, TPR: []float64{0, 1. / 3, 2. / 3, 1}, FPR: []float64{0, 1. / 3, 2. / 3, 1}},
			auc:   0.5, eer: 0.5, eerThr: 2.5, bestAcc: 0.5, bestThr: inf,
		},
		{
			// By hand: 3 beats all 3 negatives; each 2 beats 1 and 0 and ties 2 (2.5 each); 1 beats 0 and ties 1
			// (1.5): AUC = 9.5/12. EER: FNR - FPR goes 0.75 at t=3 to -1/12 at t=2, crossing at α = 0.9:
			// rate 0.9·(1/3) = 0.3, threshold 3 - 0.9 = 2.1. Best accuracy: t=2 accepts 3 positives and
			// rejects 2 negatives, 5/7 (t=1 also gives 5/7; the higher threshold wins).
			name: "ties",
			pos:  []float64{3, 2, 2, 1}, neg: []float64{2, 1, 0},
			curve: Curve{Thresholds: []float64{inf, 3, 2, 1, 0}, TPR: []float64{0, 0.25, 0.75, 1, 1}, FPR: []float64{0, 0, 1. / 3, 2. / 3, 1}},
			auc:   9.5 / 12, eer: 0.3, eerThr: 2.1, bestAcc: 5. / 7, bestThr: 2,
		},
		{
			name: "reversed",
			pos:  []float64{0, 1}, neg: []float64{2, 3},
			curve: Curve{Thresholds: []float64{inf, 3, 2, 1, 0}, TPR: []float64{0, 0, 0, 0.5, 1}, FPR: []float64{0, 0.5, 1, 1, 1}},
			auc:   0, eer: 1, eerThr: 2, bestAcc: 0.5, bestThr: inf,
		},
		{
			name: "one of each, tied",
			pos:  []float64{5}, neg: []float64{5},
			curve: Curve{Thresholds: []float64{inf, 5}, TPR: []float64{0, 1}, FPR: []float64{0, 1}},
			auc:   0.5, eer: 0.5, eerThr: 5, bestAcc: 0.5, bestThr: inf,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ROC(tc.pos, tc.neg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Thresholds, tc.curve.Thresholds) || !approxEqual(c.TPR, tc.curve.TPR) || !approxEqual(c.FPR, tc.curve.FPR) {
				t.Errorf("ROC = %+v, want %+v", c, tc.curve)
			}
			if auc, err := AUC(tc.pos, tc.neg); err != nil || math.Abs(auc-tc.auc) > 1e-12 {
				t.Errorf("AUC = %v, %v; want %v", auc, err, tc.auc)
			}
			rate, thr, err := EER(tc.pos, tc.neg)
			if err != nil || math.Abs(rate-tc.eer) > 1e-12 || math.Abs(thr-tc.eerThr) > 1e-12 {
				t.Errorf("EER = %v at %v, %v; want %v at %v", rate, thr, err, tc.eer, tc.eerThr)
			}
			acc, thr, err := BestAccuracy(tc.pos, tc.neg)
			if err != nil || math.Abs(acc-tc.bestAcc) > 1e-12 || thr != tc.bestThr {
				t.Errorf("BestAccuracy = %v at %v, %v; want %v at %v", acc, thr, err, tc.bestAcc, tc.bestThr)
			}
			if got, err := Accuracy(tc.pos, tc.neg, tc.bestThr); err != nil || got != acc {
				t.Errorf("Accuracy at %v = %v, %v; want BestAccuracy's %v", tc.bestThr, got, err, acc)
			}
		})
	}
}

func approxEqual(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Abs(x-y) < 1e-12 })
}

// TestROCAgainstBruteForce checks, on random tied scores of awkward sizes, that AUC equals the plain pair
// count, the trapezoidal area under ROC, and 1 - AUC with the roles swapped; that Accuracy equals a plain
// count; and that at the EER the interpolated FPR and FNR agree.
func TestROCAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sizes := range [][2]int{{1, 1}, {1, 7}, {13, 2}, {101, 37}, {500, 499}} {
		pos, neg := make([]float64, sizes[0]), make([]float64, sizes[1])
		for i := range pos {
			pos[i] = float64(rng.IntN(20)) + 3 // shifted up: positives tend to score higher, with many ties
		}
		for i := range neg {
			neg[i] = float64(rng.IntN(20))
		}
		var wins float64
		for _, p := range pos {
			for _, n := range neg {
				switch {
				case p > n:
					wins++
				case p == n:
					wins += 0.5
				}
			}
		}
		want := wins / float64(len(pos)*len(neg))
		auc, err := AUC(pos, neg)
		if err != nil || math.Abs(auc-want) > 1e-12 {
			t.Errorf("sizes %v: AUC = %v, %v; brute force %v", sizes, auc, err, want)
		}
		c, _ := ROC(pos, neg)
		var area float64
		for k := 1; k < len(c.FPR); k++ {
			area += (c.FPR[k] - c.FPR[k-1]) * (c.TPR[k] + c.TPR[k-1]) / 2
		}
		if math.Abs(area-want) > 1e-12 {
			t.Errorf("sizes %v: trapezoidal area under ROC = %v, brute force AUC %v", sizes, area, want)
		}
		if swapped, _ := AUC(neg, pos); math.Abs(swapped-(1-want)) > 1e-12 {
			t.Errorf("sizes %v: AUC(neg, pos) = %v, want 1 - %v", sizes, swapped, want)
		}
		thr := float64(rng.IntN(23)) + 0.5
		correct := 0
		for _, p := range pos {
			if p >= thr {
				correct++
			}
		}
		for _, n := range neg {
			if n < thr {
				correct++
			}
		}
		if acc, _ := Accuracy(pos, neg, thr); acc != float64(correct)/float64(len(pos)+len(neg)) {
			t.Errorf("sizes %v: Accuracy at %v = %v, want %d/%d", sizes, thr, acc, correct, len(pos)+len(neg))
		}
		rate, et, err := EER(pos, neg)
		if err != nil || rate < 0 || rate > 1 {
			t.Fatalf("sizes %v: EER = %v, %v", sizes, rate, err)
		}
		// The EER point lies on a ROC segment whose FNR - FPR changes sign.
		found := false
		for k := 1; k < len(c.FPR); k++ {
			d0, d1 := 1-c.TPR[k-1]-c.FPR[k-1], 1-c.TPR[k]-c.FPR[k]
			if d0 > 0 && d1 <= 0 {
				alpha := d0 / (d0 - d1)
				fpr := c.FPR[k-1] + alpha*(c.FPR[k]-c.FPR[k-1])
				fnr := 1 - (c.TPR[k-1] + alpha*(c.TPR[k]-c.TPR[k-1]))
				lo, hi := c.Thresholds[k], c.Thresholds[k-1]
				found = math.Abs(fpr-rate) < 1e-12 && math.Abs(fnr-rate) < 1e-12 && et >= lo && et <= hi
			}
		}
		if !found {
			t.Errorf("sizes %v: EER %v at %v is not where FPR = FNR on the ROC curve", sizes, rate, et)
		}
	}
}

func TestAUCSameDistributionNearHalf(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pos, neg := make([]float64, 3001), make([]float64, 2999)
	for i := range pos {
		pos[i] = rng.NormFloat64()
	}
	for i := range neg {
		neg[i] = rng.NormFloat64()
	}
	// Standard error of the AUC under the null: sqrt((P+N+1)/(12·P·N)) ≈ 0.0075; allow 4 of them.
	auc, err := AUC(pos, neg)
	if err != nil || math.Abs(auc-0.5) > 0.03 {
		t.Errorf("AUC of two samples of N(0,1) = %v, %v; want 0.5 ± 0.03", auc, err)
	}
	rate, _, err := EER(pos, neg)
	if err != nil || math.Abs(rate-0.5) > 0.03 {
		t.Errorf("EER of two samples of N(0,1) = %v, %v; want 0.5 ± 0.03", rate, err)
	}
}

func TestROCBadInput(t *testing.T) {
	ok := []float64{1, 2}
	for _, tc := range []struct {
		name     string
		pos, neg []float64
		want     string
	}{
		{"no positives", nil, ok, "positive scores: none given"},
		{"no negatives", ok, []float64{}, "negative scores: none given"},
		{"NaN", ok, []float64{0, math.NaN()}, "negative scores: score 1 is NaN"},
		{"Inf", []float64{math.Inf(1)}, ok, "positive scores: score 0 is +Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err1 := ROC(tc.pos, tc.neg)
			_, err2 := AUC(tc.pos, tc.neg)
			_, _, err3 := EER(tc.pos, tc.neg)
			_, err4 := Accuracy(tc.pos, tc.neg, 0)
			_, _, err5 := BestAccuracy(tc.pos, tc.neg)
			for i, err := range []error{err1, err2, err3, err4, err5} {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("function %d: error = %v, want one containing %q", i+1, err, tc.want)
				}
			}
		})
	}
	if _, err := Accuracy(ok, ok, math.NaN()); err == nil {
		t.Error("Accuracy with a NaN threshold: no error")
	}
}
