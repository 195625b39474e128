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
		out.vjp = func(g *Tensor, c *gradCtx) { batchNormVJP(g, out, x, gamma, beta, mean, invStd, p, act, c) }
	}
	return out
}

// batchNormVJP is the backward of BatchNormGroups as ops. With gz the gradient before the activation and
// x̂ = (x − μ)·s the normalised values (s = 1/√(σ² + ε)), per group and channel over the group's m rows:
//
//	∂γ = Σ gz·x̂    ∂β = Σ gz    ∂x = γ·s·(gz − mean(gz) − x̂·mean(gz·x̂))   (training: μ, σ² the batch's)
//	                            ∂x = γ·s·gz                              (inference: the running averages)
//
// In training mode μ and σ² are functions of x, so they are recomputed here with ops from x: the second
// derivative then includes how the batch statistics move with every input. In inference mode they are the
// constants the forward pass used (the kernel left them in mean and invStd).
func batchNormVJP(g, out, x, gamma, beta *Tensor, mean, invStd Buffer, p BatchNormParams, act Activation, c *gradCtx) {
	groups, ch := p.Groups, p.C
	stat := []int{groups, 1, ch} // per group and channel, broadcasting over the rows
	gz := Reshape(actGrad(g, out, act), groups, -1, ch)
	x3 := Reshape(x, groups, -1, ch)
	var xhat, s *Tensor
	if p.Training {
		xc := Sub(x3, Reshape(Mean(x3, 1), stat...))
		s = Rsqrt(Add(Reshape(Mean(Mul(xc, xc), 1), stat...), filled(out, nil, p.Eps)))
		xhat = Mul(xc, s)
	} else {
		s = constant(out, invStd, stat)
		xhat = Mul(Sub(x3, constant(out, mean, stat)), s)
	}
	if c.wants(x) {
		d := gz
		if p.Training {
			d = Sub(Sub(gz, Reshape(Mean(gz, 1), stat...)), Mul(xhat, Reshape(Mean(Mul(gz, xhat), 1), stat...)))
		}
		c.add(x, Reshape(Mul(d, Mul(s, gamma)), x.Shape...))
	}
	if c.wants(gamma) {
		c.add(gamma, Sum(Mul(gz, xhat), 0, 1))
	}
	if c.wants(beta) {
		c.add(beta, Sum(gz, 0, 1))
	}
}
