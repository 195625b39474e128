package nn

import "fmt"

// BNStats holds a batch-norm layer's running averages and settings. Momentum follows TensorFlow's convention:
// running = Momentum·running + (1 − Momentum)·batch (SPEC: 0.99, with Eps 1e-3). The running variance uses the
// unbiased (Bessel-corrected) batch variance, as TensorFlow's fused batch norm and PyTorch do.
type BNStats struct {
	Mean, Var *Tensor // [c] each
	Momentum  float32
	Eps       float32
}

// NewBNStats returns running averages for c channels, mean 0 and variance 1, on the default backend.
func NewBNStats(name string, c int, momentum, eps float32) *BNStats {
	m, v := New(c), New(c)
	v.dev.Fill(v.data, 1)
	m.Name, v.Name = name+"/moving_mean", name+"/moving_variance"
	return &BNStats{Mean: m, Var: v, Momentum: momentum, Eps: eps}
}

// BatchNorm normalises x [..., c] per channel (the last axis) and applies the scale gamma [c] and shift beta [c].
// In training mode it uses the batch's statistics over all other axes and updates st's running averages; otherwise
// it uses st's running averages.
func BatchNorm(x, gamma, beta *Tensor, st *BNStats, training bool) *Tensor {
	return BatchNormAct(x, gamma, beta, st, training, Identity)
}

// BatchNormAct is act(BatchNorm(x, gamma, beta, st, training)) in one tensor and one pass over memory each way:
// the backward pass takes the activation's derivative from the output (see Activation) and recomputes the
// normalised values from x, so nothing else is kept. The batch statistics take one pass over x; the passes are
// split over two cores for large inputs, with a fixed split (partial sums added in a fixed order).
func BatchNormAct(x, gamma, beta *Tensor, st *BNStats, training bool, act Activation) *Tensor {
	return BatchNormGroups(x, gamma, beta, st, training, act, 1)
}

// BatchNormGroups is BatchNormAct applied separately to groups equal, consecutive blocks of x's first axis, as
// groups calls on the pieces of a Split followed by a Concat, without the copies: each block is normalised with
// its own batch statistics, and in training mode each block in turn updates the running averages.
func BatchNormGroups(x, gamma, beta *Tensor, st *BNStats, training bool, act Activation, groups int) *Tensor {
	c := x.Shape[len(x.Shape)-1]
	if gamma.Size() != c || beta.Size() != c || st.Mean.Size() != c || st.Var.Size() != c {
		panic(fmt.Sprintf("nn: batchnorm input %v with gamma %v beta %v stats %v", x.Shape, gamma.Shape, beta.Shape, st.Mean.Shape))
	}
	if groups < 1 || groups > 1 && (len(x.Shape) < 2 || x.Shape[0]%groups != 0) {
		panic(fmt.Sprintf("nn: batchnorm of input %v in %d groups", x.Shape, groups))
	}
	m := x.Size() / c / groups // rows per group
	if training && m < 2 {
		panic(fmt.Sprintf("nn: batchnorm in training mode needs at least 2 values per channel; input %v", x.Shape))
	}
	out, record := result("batchnorm", x.Shape, x, gamma, beta, st.Mean, st.Var)
	be := out.dev
	p := BatchNormParams{C: c, Groups: groups, Training: training, Momentum: st.Momentum, Eps: st.Eps}
	// The statistics the backward pass needs: each group's mean and 1/σ.
	mean, invStd := scratch(out, groups*c, false), scratch(out, groups*c, false)
	be.BatchNorm(out.data, mean, invStd, st.Mean.data, st.Var.data, x.data, gamma.data, beta.data, p, act)
	if record {
		out.backward = func() {
			dz := out.grad
			if act != Identity {
				be.ActivationGrad(dz, dz, out.data, act, false)
			}
			var gx, gg, gb Buffer // x's gradient: dz itself, overwritten group by group, when x takes it over
			inPlace := false
			if x.requiresGrad {
				inPlace = takeGrad(out, x)
				gx = x.gradBuf()
			}
			if gamma.requiresGrad {
				gg = gamma.gradBuf()
			}
			if beta.requiresGrad {
				gb = beta.gradBuf()
			}
			be.BatchNormGrad(gx, gg, gb, dz, x.data, gamma.data, mean, invStd, p, !inPlace)
		}
	}
	return out
}
