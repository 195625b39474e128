package kernels

import "fmt"

// The elementwise kernels of package nn: batch-norm apply with an optional
// leaky ReLU, leaky ReLU and tanh, their gradients, and the Adam update.
// Each has a portable Go version (elementwise_go.go), which defines the
// result, and on amd64 an AVX-512 version (elementwise_amd64.s) that gives
// the same bits: the same float32 (or, for tanh, float64) operations in the
// same order, one rounding each, never fused. Output slices may be the same
// slice as an input (same first element) but must not overlap one otherwise.
// The functions panic when the slice lengths do not fit together.

// Leaky sets y[i] = x[i]·(alpha if x[i]'s sign bit is set, else 1): leaky
// ReLU with slope alpha, ReLU for alpha 0 (where −x gives −0 and −Inf gives
// NaN). y must be at least as long as x.
func Leaky(y, x []float32, alpha float32) {
	checkLen("leaky", "y", len(y), len(x))
	leaky(y[:len(x)], x, alpha)
}

// Tanh sets y[i] = Tanh32(x[i]). y must be at least as long as x.
func Tanh(y, x []float32) {
	checkLen("tanh", "y", len(y), len(x))
	tanh(y[:len(x)], x)
}

// LeakyGrad multiplies the gradient g by leaky ReLU's derivative at its
// output y: g[i] *= 1 if y[i] > 0, else alpha. y must be as long as g.
func LeakyGrad(g, y []float32, alpha float32) {
	checkLen("leaky gradient", "y", len(y), len(g))
	leakyGrad(g, g, y[:len(g)], alpha, false)
}

// LeakyGradAdd adds to gx the gradient gy times leaky ReLU's derivative at
// its output y: gx[i] += gy[i]·(1 if y[i] > 0, else alpha). gx and y must be
// at least as long as gy.
func LeakyGradAdd(gx, gy, y []float32, alpha float32) {
	checkLen("leaky gradient", "gx", len(gx), len(gy))
	checkLen("leaky gradient", "y", len(y), len(gy))
	leakyGrad(gx[:len(gy)], gy, y[:len(gy)], alpha, true)
}

// BatchNormRows applies a batch norm to x, rows of c = len(mu) channels:
//
//	y[r*c+j] = (x[r*c+j] − mu[j])·k[j] + beta[j]
//
// with k = γ/σ. k and beta must have c values, len(x) must be a multiple of c
// and y at least as long as x.
func BatchNormRows(y, x, mu, k, beta []float32) {
	checkRows("batch norm", y, x, mu, k, beta)
	bnRows(y[:len(x)], x, mu, k, beta, 0, false)
}

// BatchNormRowsLeaky is BatchNormRows followed by Leaky(y, y, alpha), in one
// pass.
func BatchNormRowsLeaky(y, x, mu, k, beta []float32, alpha float32) {
	checkRows("batch norm", y, x, mu, k, beta)
	bnRows(y[:len(x)], x, mu, k, beta, alpha, true)
}

// BatchNormGradRows computes the gradient of a batch norm's input from the
// gradient dz of its output, rows of c = len(mu) channels, with
// x̂ = (x − mu)·invStd:
//
//	d = k[j]·(dz[i] − mg[j] − x̂·mgx[j]);  dx[i] = d, or dx[i] += d if add
//
// where i = r*c+j, k = γ·invStd and, in training mode, mg and mgx are the
// means of dz and dz·x̂ over the rows (zero in inference mode). invStd, k, mg
// and mgx must have c values, len(dz) must be a multiple of c, and x and dx
// must be at least as long as dz. dx may be dz (when add is false).
func BatchNormGradRows(dx, x, dz, mu, invStd, k, mg, mgx []float32, add bool) {
	c := len(mu)
	if c == 0 || len(invStd) != c || len(k) != c || len(mg) != c || len(mgx) != c {
		panic(fmt.Sprintf("kernels: batch norm gradient with %d means, %d inverse deviations, %d scales, %d and %d gradient means",
			c, len(invStd), len(k), len(mg), len(mgx)))
	}
	if len(dz)%c != 0 {
		panic(fmt.Sprintf("kernels: batch norm gradient of %d values in rows of %d channels", len(dz), c))
	}
	checkLen("batch norm gradient", "dx", len(dx), len(dz))
	checkLen("batch norm gradient", "x", len(x), len(dz))
	n := len(dz)
	bnGradRows(dx[:n], x[:n], dz, mu, invStd, k, mg, mgx, add)
}

// AdamCoeffs are the scalars of one Adam update (see AdamStep).
type AdamCoeffs struct {
	Beta1, Beta2 float32 // decay rates of the moment estimates
	Eps          float32 // added to the denominator
	StepSize     float32 // lr/(1 − β1^t), rounded to float32
	SqrtC2       float32 // √(1 − β2^t), rounded to float32
}

// AdamStep applies one Adam update to the parameters p from their gradient
// g, updating the moments m and v; for each i, in float32:
//
//	m[i] = β1·m[i] + (1−β1)·g[i]
//	v[i] = β2·v[i] + ((1−β2)·g[i])·g[i]
//	p[i] −= (StepSize·m[i]) / (√v[i]/SqrtC2 + Eps)
//
// g is only read: the optimiser gives it back to the backend afterwards
// (nn's dropGrad), so zeroing it here would be a wasted pass. p, m and v
// must be as long as g. Large slices are updated in two halves on
// two goroutines (each value on its own: the same bits).
func AdamStep(p, g, m, v []float32, c AdamCoeffs) {
	if len(p) != len(g) || len(m) != len(g) || len(v) != len(g) {
		panic(fmt.Sprintf("kernels: adam step of %d parameters with %d gradients and %d, %d moments", len(p), len(g), len(m), len(v)))
	}
	parallel(len(g), func(_, lo, hi int) { adamStep(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], c) })
}

// checkLen panics unless the slice called name, of length got, holds at
// least want values.
func checkLen(op, name string, got, want int) {
	if got < want {
		panic(fmt.Sprintf("kernels: %s of %d values into %s of length %d", op, want, name, got))
	}
}

// checkRows checks the arguments of the batch-norm row kernels.
func checkRows(op string, y, x, mu, k, beta []float32) {
	c := len(mu)
	if c == 0 || len(k) != c || len(beta) != c {
		panic(fmt.Sprintf("kernels: %s with %d means, %d scales and %d shifts", op, c, len(k), len(beta)))
	}
	if len(x)%c != 0 {
		panic(fmt.Sprintf("kernels: %s of %d values in rows of %d channels", op, len(x), c))
	}
	checkLen(op, "y", len(y), len(x))
}
