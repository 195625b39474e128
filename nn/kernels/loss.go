package kernels

import (
	"fmt"
	"math"
)

// The losses of package nn: each reduces its inputs to one value, a mean
// whose sum runs in float64, and its gradient scales the loss's gradient
// dloss[0] by 1/n.

// SigmoidBCE sets loss[0] to the mean binary cross-entropy between
// sigmoid(logits) and targets in [0, 1], computed stably from the logits, in
// float64:
//
//	loss[0] = float32(Σ (max(x, 0) − x·t + log(1 + exp(−|x|))) / n)
//
// logits and targets have n values each.
func SigmoidBCE(loss, logits, targets []float32) {
	checkSame("sigmoid cross-entropy", "targets", len(targets), len(logits))
	checkSame("sigmoid cross-entropy", "loss", len(loss), 1)
	var sum float64
	for i, x := range logits {
		x64, t := float64(x), float64(targets[i])
		sum += max(x64, 0) - x64*t + math.Log1p(math.Exp(-math.Abs(x64)))
	}
	loss[0] = float32(sum / float64(len(logits)))
}

// SigmoidBCEGrad adds to dlogits the gradient of SigmoidBCE's logits from
// dloss[0], the gradient of the loss: with s = dloss[0]/n,
// dlogits[i] += s·(Sigmoid32(x[i]) − t[i]).
func SigmoidBCEGrad(dlogits, dloss, logits, targets []float32) {
	checkSame("sigmoid cross-entropy gradient", "targets", len(targets), len(logits))
	checkSame("sigmoid cross-entropy gradient", "dlogits", len(dlogits), len(logits))
	checkSame("sigmoid cross-entropy gradient", "dloss", len(dloss), 1)
	s := dloss[0] / float32(len(logits))
	for i, x := range logits {
		dlogits[i] += float32(s * (Sigmoid32(x) - targets[i]))
	}
}

// LossOp names a loss between two tensors of one shape.
type LossOp int

// The pair losses: f(d) of the difference d = a − b, and f′.
const (
	LossL1  LossOp = iota // mean |a − b|; sign(d) (0 at 0)
	LossMSE               // mean (a − b)²; 2·d
)

// PairLoss sets loss[0] to mean f(a[i] − b[i]), the differences and the sum
// in float64: loss[0] = float32(Σ f(float64(a[i]) − float64(b[i])) / n).
// a and b have n values each.
func PairLoss(op LossOp, loss, a, b []float32) {
	checkSame("pair loss", "b", len(b), len(a))
	checkSame("pair loss", "loss", len(loss), 1)
	var sum float64
	switch op {
	case LossL1:
		for i, v := range a {
			sum += math.Abs(float64(v) - float64(b[i]))
		}
	case LossMSE:
		for i, v := range a {
			d := float64(v) - float64(b[i])
			sum += d * d
		}
	default:
		panic(fmt.Sprintf("kernels: loss %d", op))
	}
	loss[0] = float32(sum / float64(len(a)))
}

// PairLossGrad adds to da and subtracts from db (either may be nil: not
// wanted) the gradient of PairLoss from dloss[0]: with s = dloss[0]/n and
// the float32 difference d = a[i] − b[i], g = s·f′(d); da[i] += g; db[i] −= g.
func PairLossGrad(op LossOp, da, db, dloss, a, b []float32) {
	checkSame("pair loss gradient", "b", len(b), len(a))
	checkSame("pair loss gradient", "dloss", len(dloss), 1)
	if da != nil {
		checkSame("pair loss gradient", "da", len(da), len(a))
	}
	if db != nil {
		checkSame("pair loss gradient", "db", len(db), len(a))
	}
	s := dloss[0] / float32(len(a))
	for i, v := range a {
		d := v - b[i]
		var f float32
		switch op {
		case LossL1:
			switch {
			case d > 0:
				f = 1
			case d < 0:
				f = -1
			}
		case LossMSE:
			f = 2 * d
		default:
			panic(fmt.Sprintf("kernels: loss %d", op))
		}
		g := s * f
		if da != nil {
			da[i] += g
		}
		if db != nil {
			db[i] -= g
		}
	}
}
