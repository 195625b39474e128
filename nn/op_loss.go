package nn

import (
	"fmt"
	"slices"

	"sdgan/nn/kernels"
)

// SigmoidBCE is the mean binary cross-entropy between sigmoid(logits) and targets in [0, 1] (same shape),
// computed stably from the logits: max(x, 0) − x·t + log(1 + exp(−|x|)). Targets get no gradient.
func SigmoidBCE(logits, targets *Tensor) *Tensor {
	if !slices.Equal(logits.Shape, targets.Shape) {
		panic(fmt.Sprintf("nn: sigmoid_bce logits %v targets %v", logits.Shape, targets.Shape))
	}
	backendOf("sigmoid_bce", logits, targets)
	out, record := result("sigmoid_bce", []int{}, logits)
	be := out.dev
	be.SigmoidBCE(out.data, logits.data, targets.data)
	if record {
		out.backward = func() { be.SigmoidBCEGrad(logits.gradBuf(), out.grad, logits.data, targets.data) }
	}
	return out
}

// SigmoidBCEConst is SigmoidBCE against a constant target t for every logit (1 for "real", 0 for "fake").
func SigmoidBCEConst(logits *Tensor, t float32) *Tensor {
	targets := newOn(logits.dev, logits.Shape)
	targets.dev.Fill(targets.data, t)
	return SigmoidBCE(logits, targets)
}

// L1 is the mean absolute difference mean(|a − b|) of two tensors of one shape.
func L1(a, b *Tensor) *Tensor { return pairLoss("l1", kernels.LossL1, a, b) }

// MSE is the mean squared difference mean((a − b)²) of two tensors of one shape.
func MSE(a, b *Tensor) *Tensor { return pairLoss("mse", kernels.LossMSE, a, b) }

// pairLoss is mean(f(a − b)) for the loss op.
func pairLoss(name string, op LossOp, a, b *Tensor) *Tensor {
	if !slices.Equal(a.Shape, b.Shape) {
		panic(fmt.Sprintf("nn: %s %v and %v", name, a.Shape, b.Shape))
	}
	out, record := result(name, []int{}, a, b)
	be := out.dev
	be.PairLoss(op, out.data, a.data, b.data)
	if record {
		out.backward = func() {
			var ga, gb Buffer
			if a.requiresGrad {
				ga = a.gradBuf()
			}
			if b.requiresGrad {
				gb = b.gradBuf()
			}
			be.PairLossGrad(op, ga, gb, out.grad, a.data, b.data)
		}
	}
	return out
}
