package nn

import (
	"fmt"
	"math"
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
	c := x.Shape[len(x.Shape)-1]
	if gamma.Size() != c || beta.Size() != c || st.Mean.Size() != c || st.Var.Size() != c {
		panic(fmt.Sprintf("nn: batchnorm input %v with gamma %v beta %v stats %v", x.Shape, gamma.Shape, beta.Shape, st.Mean.Shape))
	}
	m := len(x.Data) / c
	if training && m < 2 {
		panic(fmt.Sprintf("nn: batchnorm in training mode needs at least 2 values per channel; input %v", x.Shape))
	}
	mean := make([]float32, c)
	invStd := make([]float32, c)
	if training {
		sum, sq := make([]float64, c), make([]float64, c)
		for i := 0; i < len(x.Data); i += c {
			for j, v := range x.Data[i : i+c] {
				sum[j] += float64(v)
			}
		}
		for j := range sum {
			sum[j] /= float64(m)
		}
		for i := 0; i < len(x.Data); i += c {
			for j, v := range x.Data[i : i+c] {
				d := float64(v) - sum[j]
				sq[j] += d * d
			}
		}
		mom := float64(st.Momentum)
		for j := range c {
			v := sq[j] / float64(m)
			mean[j] = float32(sum[j])
			invStd[j] = float32(1 / math.Sqrt(v+float64(st.Eps)))
			st.Mean.Data[j] = float32(mom*float64(st.Mean.Data[j]) + (1-mom)*sum[j])
			st.Var.Data[j] = float32(mom*float64(st.Var.Data[j]) + (1-mom)*sq[j]/float64(m-1))
		}
	} else {
		for j := range c {
			mean[j] = st.Mean.Data[j]
			invStd[j] = float32(1 / math.Sqrt(float64(st.Var.Data[j])+float64(st.Eps)))
		}
	}
	out, record := result(x.Shape, x, gamma, beta)
	for i := 0; i < len(x.Data); i += c {
		xr, yr := x.Data[i:i+c], out.Data[i:i+c]
		for j := range c {
			yr[j] = (xr[j]-mean[j])*invStd[j]*gamma.Data[j] + beta.Data[j]
		}
	}
	if record {
		out.backward = func() { batchNormBackward(x, gamma, beta, out, mean, invStd, training) }
	}
	return out
}

// batchNormBackward: with x̂ = (x − μ)·s and y = γ·x̂ + β,
// dγ = Σ g·x̂, dβ = Σ g, and in training mode (μ, s depend on x)
// dx = γ·s/m · (m·g − Σg − x̂·Σ g·x̂); in inference mode dx = γ·s·g.
func batchNormBackward(x, gamma, beta, out *Tensor, mean, invStd []float32, training bool) {
	c := len(mean)
	m := len(x.Data) / c
	sumG, sumGX := make([]float64, c), make([]float64, c)
	g := out.Grad
	for i := 0; i < len(g); i += c {
		for j := range c {
			xh := (x.Data[i+j] - mean[j]) * invStd[j]
			sumG[j] += float64(g[i+j])
			sumGX[j] += float64(g[i+j] * xh)
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
	if !x.requiresGrad {
		return
	}
	gx := x.gradBuf()
	if !training {
		for i := 0; i < len(g); i += c {
			for j := range c {
				gx[i+j] += g[i+j] * gamma.Data[j] * invStd[j]
			}
		}
		return
	}
	k := make([]float32, c)
	mg, mgx := make([]float32, c), make([]float32, c)
	for j := range c {
		k[j] = gamma.Data[j] * invStd[j]
		mg[j] = float32(sumG[j] / float64(m))
		mgx[j] = float32(sumGX[j] / float64(m))
	}
	for i := 0; i < len(g); i += c {
		for j := range c {
			xh := (x.Data[i+j] - mean[j]) * invStd[j]
			gx[i+j] += k[j] * (g[i+j] - mg[j] - xh*mgx[j])
		}
	}
}
