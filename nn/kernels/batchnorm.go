package kernels

import (
	"fmt"
	"math"
)

// BatchNormParams describes a batch norm over x, rows of C channels (the
// last axis) in Groups equal blocks of consecutive rows, each block
// normalised with its own statistics.
type BatchNormParams struct {
	C, Groups int
	// Training: normalise with each block's batch statistics and update the
	// running averages; otherwise normalise with the running averages.
	Training bool
	// Momentum and Eps: running = Momentum·running + (1 − Momentum)·batch
	// (TensorFlow's convention; the running variance takes the unbiased batch
	// variance), and σ = √(variance + Eps).
	Momentum, Eps float32
}

// rows returns the rows per group, panicking unless x's n values fill the
// groups and each has at least 2 rows in training mode.
func (p BatchNormParams) rows(op string, n int) int {
	if p.C < 1 || p.Groups < 1 || n%(p.C*p.Groups) != 0 {
		panic(fmt.Sprintf("kernels: %s of %d values in %d groups of rows of %d channels", op, n, p.Groups, p.C))
	}
	m := n / p.C / p.Groups
	if p.Training && m < 2 {
		panic(fmt.Sprintf("kernels: %s in training mode with %d rows per group; want at least 2", op, m))
	}
	return m
}

// BatchNorm normalises x and applies act:
//
//	y[r,j] = act((x[r,j] − μ[j])·γ[j]·s[j] + β[j])   (BatchNormRows, then act; leaky ReLU in the same pass)
//
// with, per group, μ and s = 1/√(σ² + Eps) from the group's batch mean and
// biased variance (training: one pass of float64 sums of x − x[0], in two
// halves for large groups, added in a fixed order) or from the running
// averages runMean and runVar (inference). It writes μ and s of each group to
// mean and invStd (Groups·C values each, for BatchNormGrad), and in training
// mode updates runMean and runVar group after group, in float64:
//
//	runMean[j] = float32(Momentum·runMean[j] + (1 − Momentum)·mean)
//	runVar[j]  = float32(Momentum·runVar[j] + (1 − Momentum)·variance·m/(m − 1))
//
// for m rows per group. gamma, beta, runMean and runVar have C values; y as
// many as x.
func BatchNorm(y, mean, invStd, runMean, runVar, x, gamma, beta []float32, p BatchNormParams, act Act) {
	c := p.C
	m := p.rows("batch norm", len(x))
	checkSame("batch norm", "y", len(y), len(x))
	checkSame("batch norm", "gamma", len(gamma), c)
	checkSame("batch norm", "beta", len(beta), c)
	checkSame("batch norm", "running mean", len(runMean), c)
	checkSame("batch norm", "running variance", len(runVar), c)
	checkSame("batch norm", "mean", len(mean), p.Groups*c)
	checkSame("batch norm", "inverse deviation", len(invStd), p.Groups*c)
	for gi := range p.Groups {
		mu, s := mean[gi*c:(gi+1)*c], invStd[gi*c:(gi+1)*c]
		if !p.Training {
			for j := range c {
				mu[j] = runMean[j]
				s[j] = float32(1 / math.Sqrt(float64(runVar[j])+float64(p.Eps)))
			}
			continue
		}
		bm, bv := batchMoments(x[gi*m*c:(gi+1)*m*c], c)
		mom := float64(p.Momentum)
		for j := range c {
			mu[j] = float32(bm[j])
			s[j] = float32(1 / math.Sqrt(bv[j]+float64(p.Eps)))
			runMean[j] = float32(mom*float64(runMean[j]) + (1-mom)*bm[j])
			runVar[j] = float32(mom*float64(runVar[j]) + (1-mom)*bv[j]*float64(m)/float64(m-1))
		}
	}
	k := make([]float32, c) // γ·s
	for gi := range p.Groups {
		mu, s := mean[gi*c:(gi+1)*c], invStd[gi*c:(gi+1)*c]
		for j := range c {
			k[j] = gamma[j] * s[j]
		}
		xg, yg := x[gi*m*c:(gi+1)*m*c], y[gi*m*c:(gi+1)*m*c]
		parallelRows(m, c, func(_, r0, r1 int) {
			xs, ys := xg[r0*c:r1*c], yg[r0*c:r1*c]
			switch act.Kind {
			case ActIdentity:
				BatchNormRows(ys, xs, mu, k, beta)
			case ActLeaky: // the activation in the same pass
				BatchNormRowsLeaky(ys, xs, mu, k, beta, act.Alpha)
			default:
				BatchNormRows(ys, xs, mu, k, beta)
				activate(ys, ys, act)
			}
		})
	}
}

// batchMoments returns the mean and the biased variance of each of the c
// channels of x (rows of c values), in one pass: sums of x − K and (x − K)²
// in float64 with K the first row, which is close enough to the mean that the
// difference of the two terms loses nothing that matters. The sums run in two
// halves for large x (parallelRows), added in a fixed order.
func batchMoments(x []float32, c int) (mean, variance []float64) {
	m := len(x) / c
	shift := make([]float64, c)
	for j, v := range x[:c] {
		shift[j] = float64(v)
	}
	var s1, s2 [2][]float64
	parallelRows(m, c, func(part, r0, r1 int) {
		a, b := make([]float64, c), make([]float64, c)
		momentSums(x[r0*c:r1*c], c, shift, a, b)
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

// BatchNormGrad computes, group by group, the gradients of BatchNorm's
// inputs from dz, the gradient with respect to the pre-activation output
// z = γ·x̂ + β (x̂ = (x − μ)·s, μ and s from mean and invStd): with sums over
// the group's rows in float64 (in two halves for large groups, added in a
// fixed order),
//
//	dgamma[j] += float32(Σ dz·x̂),  dbeta[j] += float32(Σ dz)
//	dx = γ·s·(dz − Σdz/m − x̂·Σ(dz·x̂)/m) in training mode, γ·s·dz in inference (BatchNormGradRows)
//
// dx is written (or added to, if add); it may be dz when add is false. Any
// of dx, dgamma and dbeta may be nil (not wanted).
func BatchNormGrad(dx, dgamma, dbeta, dz, x, gamma, mean, invStd []float32, p BatchNormParams, add bool) {
	c := p.C
	m := p.rows("batch norm gradient", len(dz))
	checkSame("batch norm gradient", "x", len(x), len(dz))
	if dx != nil {
		checkSame("batch norm gradient", "dx", len(dx), len(dz))
	}
	checkSame("batch norm gradient", "gamma", len(gamma), c)
	checkSame("batch norm gradient", "mean", len(mean), p.Groups*c)
	checkSame("batch norm gradient", "inverse deviation", len(invStd), p.Groups*c)
	for gi := range p.Groups {
		lo, hi := gi*m*c, (gi+1)*m*c
		var dxg []float32
		if dx != nil {
			dxg = dx[lo:hi]
		}
		batchNormGradGroup(dxg, dgamma, dbeta, dz[lo:hi], x[lo:hi], gamma, mean[gi*c:(gi+1)*c], invStd[gi*c:(gi+1)*c],
			p.Training, add)
	}
}

// batchNormGradGroup is BatchNormGrad on one group.
func batchNormGradGroup(dx, dgamma, dbeta, dz, x, gamma, mean, invStd []float32, training, add bool) {
	c := len(mean)
	m := len(dz) / c
	var sg, sgx [2][]float64
	parallelRows(m, c, func(part, r0, r1 int) {
		a, b := make([]float64, c), make([]float64, c)
		gradSums(x[r0*c:r1*c], dz[r0*c:r1*c], mean, invStd, a, b)
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
	if dgamma != nil {
		for j := range c {
			dgamma[j] += float32(sumGX[j])
		}
	}
	if dbeta != nil {
		for j := range c {
			dbeta[j] += float32(sumG[j])
		}
	}
	if dx == nil {
		return
	}
	k := make([]float32, c)
	mg, mgx := make([]float32, c), make([]float32, c)
	for j := range c {
		k[j] = gamma[j] * invStd[j]
		if training {
			mg[j] = float32(sumG[j] / float64(m))
			mgx[j] = float32(sumGX[j] / float64(m))
		}
	}
	parallelRows(m, c, func(_, r0, r1 int) {
		lo, hi := r0*c, r1*c // dx may be dz: each part overwrites only its own rows, after the sums
		BatchNormGradRows(dx[lo:hi], x[lo:hi], dz[lo:hi], mean, invStd, k, mg, mgx, add)
	})
}
