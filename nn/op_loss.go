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
		out.vjp = func(g *Tensor, c *gradCtx) { // g·(sigmoid(x) − t)/n
			n := float32(logits.Size())
			c.add(logits, Mul(broadcastTo(g, logits.Shape, ones(len(logits.Shape)), 1/n), Sub(Sigmoid(logits), targets)))
		}
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
		out.vjp = func(g *Tensor, c *gradCtx) { // a's gradient g·f′(a − b)/n, b's its opposite
			n := float32(a.Size())
			var ga *Tensor
			if op == kernels.LossMSE { // f′ = 2(a − b)
				ga = Mul(broadcastTo(g, a.Shape, ones(len(a.Shape)), 2/n), Sub(a, b))
			} else { // L1: f′ = sign(a − b), a constant (0 where a = b, as the kernel)
				diff, sign, one := filled(out, a.Shape, 0), filled(out, a.Shape, 0), filled(out, a.Shape, 1)
				be.Binary(kernels.OpSub, diff.data, a.data, b.data, a.Shape, a.Shape, a.Shape)
				be.UnaryGrad(kernels.OpAbs, sign.data, one.data, diff.data, diff.data, 0)
				ga = Mul(broadcastTo(g, a.Shape, ones(len(a.Shape)), 1/n), sign)
			}
			c.add(a, ga)
			if c.wants(b) {
				c.add(b, Scale(ga, -1))
			}
		}
	}
	return out
}

// ones is a shape of rank n with every dimension 1: the keep shape of a full reduction.
func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}
