package nn

import (
	"fmt"
	"math"

	"sdgan/nn/kernels"
)

// BNStats holds a batch-norm layer's running averages and settings. Momentum follows TensorFlow's convention:
// running = Momentum·running + (1 − Momentum)·batch (SPEC: 0.99, with Eps 1e-3). The running variance uses the
// unbiased (Bessel-corrected) batch variance, as TensorFlow's fused batch norm and PyTorch do.
type BNStats struct {
	Mean, Var *Tensor // [c] each
	Momentum  float32
	Eps       float32
}

// NewBNStats returns running averages for c channels, mean 0 and variance 1.
func NewBNStats(name string, c int, momentum, eps float32) *BNStats {
	v := New(c)
	for i := range v.Data {
		v.Data[i] = 1
	}
	m := New(c)
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
	m := len(x.Data) / c / groups // rows per group
	if training && m < 2 {
		panic(fmt.Sprintf("nn: batchnorm in training mode needs at least 2 values per channel; input %v", x.Shape))
	}
	mean := make([]float32, groups*c)
	invStd := make([]float32, groups*c)
	for gi := range groups {
		mu, s := mean[gi*c:(gi+1)*c], invStd[gi*c:(gi+1)*c]
		if !training {
			for j := range c {
				mu[j] = st.Mean.Data[j]
				s[j] = float32(1 / math.Sqrt(float64(st.Var.Data[j])+float64(st.Eps)))
			}
			continue
		}
		bm, bv := batchMoments(x.Data[gi*m*c:(gi+1)*m*c], c)
		mom := float64(st.Momentum)
		for j := range c {
			mu[j] = float32(bm[j])
			s[j] = float32(1 / math.Sqrt(bv[j]+float64(st.Eps)))
			st.Mean.Data[j] = float32(mom*float64(st.Mean.Data[j]) + (1-mom)*bm[j])
			st.Var.Data[j] = float32(mom*float64(st.Var.Data[j]) + (1-mom)*bv[j]*float64(m)/float64(m-1))
		}
	}
	out, record := result(x.Shape, x, gamma, beta)
	k := make([]float32, c) // γ·s
	for gi := range groups {
		mu, s := mean[gi*c:(gi+1)*c], invStd[gi*c:(gi+1)*c]
		for j := range c {
			k[j] = gamma.Data[j] * s[j]
		}
		xg, yg := x.Data[gi*m*c:(gi+1)*m*c], out.Data[gi*m*c:(gi+1)*m*c]
		parallelRows(m, c, func(_, r0, r1 int) {
			xs, ys := xg[r0*c:r1*c], yg[r0*c:r1*c]
			switch act.kind {
			case actIdentity:
				kernels.BatchNormRows(ys, xs, mu, k, beta.Data)
			case actLeaky: // the activation in the same pass
				kernels.BatchNormRowsLeaky(ys, xs, mu, k, beta.Data, act.alpha)
			default:
				kernels.BatchNormRows(ys, xs, mu, k, beta.Data)
				act.applyRange(ys, ys)
			}
		})
	}
	if record {
		out.backward = func() {
			dz := out.Grad
			act.gradInPlace(out.Data, dz)
			var gx []float32 // x's gradient: dz itself, overwritten group by group, when x takes it over
			inPlace := false
			if x.requiresGrad {
				inPlace = takeGrad(out, x)
				gx = x.gradBuf()
			}
			for gi := range groups {
				lo, hi := gi*m*c, (gi+1)*m*c
				var gxg []float32
				if gx != nil {
					gxg = gx[lo:hi]
				}
				batchNormBackward(x.Data[lo:hi], gamma, beta, dz[lo:hi], gxg, inPlace,
					mean[gi*c:(gi+1)*c], invStd[gi*c:(gi+1)*c], training)
			}
		}
	}
	return out
}

// batchMoments returns the mean and the biased variance of each of the c channels of x (rows of c values), in
// one pass: sums of x − K and (x − K)² in float64 with K the first row, which is close enough to the mean that
// the difference of the two terms loses nothing that matters.
func batchMoments(x []float32, c int) (mean, variance []float64) {
	m := len(x) / c
	shift := make([]float64, c)
	for j, v := range x[:c] {
		shift[j] = float64(v)
	}
	var s1, s2 [2][]float64
	parallelRows(m, c, func(part, r0, r1 int) {
		a, b := make([]float64, c), make([]float64, c)
		for i := r0 * c; i < r1*c; i += c {
			for j, v := range x[i : i+c] {
				d := float64(v) - shift[j]
				a[j] += d
				b[j] += d * d
			}
		}
		s1[part], s2[part] = a, b
	})
	mean, variance = make([]float64, c), make([]float64, c)
	for j := range c {
		var a, b float64
		for part := range s1 {
			if s1[part] != nil {
				a += s1[part][j]
				b += s2[part][j]
			}
		}
		d := a / float64(m)
		mean[j] = shift[j] + d
		variance[j] = max(b/float64(m)-d*d, 0)
	}
	return mean, variance
}

// batchNormBackward handles one group: x its rows, dz their gradient with respect to the pre-activation z, gx
// (nil: not wanted) where x's gradient goes, added to it, or written over dz when inPlace (gx is then dz).
// With x̂ = (x − μ)·s and z = γ·x̂ + β,
// dγ = Σ dz·x̂, dβ = Σ dz, and in training mode (μ, s depend on x)
// dx = γ·s/m · (m·dz − Σdz − x̂·Σ dz·x̂); in inference mode dx = γ·s·dz.
func batchNormBackward(x []float32, gamma, beta *Tensor, dz, gx []float32, inPlace bool, mean, invStd []float32, training bool) {
	c := len(mean)
	m := len(dz) / c
	var sg, sgx [2][]float64
	parallelRows(m, c, func(part, r0, r1 int) {
		a, b := make([]float64, c), make([]float64, c)
		for i := r0 * c; i < r1*c; i += c {
			xr, gr := x[i:i+c], dz[i:i+c]
			for j := range c {
				xh := (xr[j] - mean[j]) * invStd[j]
				a[j] += float64(gr[j])
				b[j] += float64(gr[j] * xh)
			}
		}
		sg[part], sgx[part] = a, b
	})
	sumG, sumGX := make([]float64, c), make([]float64, c)
	for part := range sg {
		if sg[part] != nil {
			for j := range c {
				sumG[j] += sg[part][j]
				sumGX[j] += sgx[part][j]
			}
		}
	}
	if gamma.requiresGrad {
		gg := gamma.gradBuf()
		for j := range c {
			gg[j] += float32(sumGX[j])
		}
	}
	if beta.requiresGrad {
		gb := beta.gradBuf()
		for j := range c {
			gb[j] += float32(sumG[j])
		}
	}
	if gx == nil {
		return
	}
	k := make([]float32, c)
	mg, mgx := make([]float32, c), make([]float32, c)
	for j := range c {
		k[j] = gamma.Data[j] * invStd[j]
		if training {
			mg[j] = float32(sumG[j] / float64(m))
			mgx[j] = float32(sumGX[j] / float64(m))
		}
	}
	parallelRows(m, c, func(_, r0, r1 int) {
		lo, hi := r0*c, r1*c // when inPlace, gx is dz
		kernels.BatchNormGradRows(gx[lo:hi], x[lo:hi], dz[lo:hi], mean, invStd, k, mg, mgx, !inPlace)
	})
}
