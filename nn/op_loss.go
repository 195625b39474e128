package nn

import (
	"fmt"
	"math"
	"slices"
)

// SigmoidBCE is the mean binary cross-entropy between sigmoid(logits) and targets in [0, 1] (same shape),
// computed stably from the logits: max(x, 0) − x·t + log(1 + exp(−|x|)). Targets get no gradient.
func SigmoidBCE(logits, targets *Tensor) *Tensor {
	if !slices.Equal(logits.Shape, targets.Shape) {
		panic(fmt.Sprintf("nn: sigmoid_bce logits %v targets %v", logits.Shape, targets.Shape))
	}
	n := len(logits.Data)
	out, record := result([]int{}, logits)
	var sum float64
	for i, x := range logits.Data {
		x64, t := float64(x), float64(targets.Data[i])
		sum += max(x64, 0) - x64*t + math.Log1p(math.Exp(-math.Abs(x64)))
	}
	out.Data[0] = float32(sum / float64(n))
	if record {
		out.backward = func() {
			gx := logits.gradBuf()
			s := out.Grad[0] / float32(n)
			for i, x := range logits.Data {
				gx[i] += s * (sigmoid(x) - targets.Data[i])
			}
		}
	}
	return out
}

// SigmoidBCEConst is SigmoidBCE against a constant target t for every logit (1 for "real", 0 for "fake").
func SigmoidBCEConst(logits *Tensor, t float32) *Tensor {
	targets := New(logits.Shape...)
	for i := range targets.Data {
		targets.Data[i] = t
	}
	return SigmoidBCE(logits, targets)
}

// L1 is the mean absolute difference mean(|a − b|) of two tensors of one shape.
func L1(a, b *Tensor) *Tensor {
	return pairLoss("l1", a, b,
		func(d float64) float64 { return math.Abs(d) },
		func(d float32) float32 {
			switch {
			case d > 0:
				return 1
			case d < 0:
				return -1
			}
			return 0
		})
}

// MSE is the mean squared difference mean((a − b)²) of two tensors of one shape.
func MSE(a, b *Tensor) *Tensor {
	return pairLoss("mse", a, b,
		func(d float64) float64 { return d * d },
		func(d float32) float32 { return 2 * d })
}

// pairLoss is mean(f(a − b)); df is f's derivative.
func pairLoss(op string, a, b *Tensor, f func(float64) float64, df func(float32) float32) *Tensor {
	if !slices.Equal(a.Shape, b.Shape) {
		panic(fmt.Sprintf("nn: %s %v and %v", op, a.Shape, b.Shape))
	}
	n := len(a.Data)
	out, record := result([]int{}, a, b)
	var sum float64
	for i, v := range a.Data {
		sum += f(float64(v) - float64(b.Data[i]))
	}
	out.Data[0] = float32(sum / float64(n))
	if record {
		out.backward = func() {
			s := out.Grad[0] / float32(n)
			var ga, gb []float32
			if a.requiresGrad {
				ga = a.gradBuf()
			}
			if b.requiresGrad {
				gb = b.gradBuf()
			}
			for i, v := range a.Data {
				d := s * df(v-b.Data[i])
				if ga != nil {
					ga[i] += d
				}
				if gb != nil {
					gb[i] -= d
				}
			}
		}
	}
	return out
}
