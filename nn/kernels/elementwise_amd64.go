//go:build !noasm

package kernels

// The AVX-512 elementwise kernels (elementwise_amd64.s) run when the active
// instruction set is AVX512 (see ISA); otherwise the Go versions run.

// leakyAVX512 is leakyGo on n values.
//
//go:noescape
func leakyAVX512(y, x *float32, n int, alpha float32)

// tanhAVX512 is tanhGo on n values; c holds the coefficients
// (newTanhCoeffs), small and clamp are float32(tanhSmall) and
// float32(tanhClamp). It computes eight float64 lanes at a time.
//
//go:noescape
func tanhAVX512(y, x *float32, n int, c *tanhCoeffs, small, clamp float32)

// leakyGradAVX512 is leakyGradGo on n values (add is 0 or 1).
//
//go:noescape
func leakyGradAVX512(dst, gy, y *float32, n int, alpha float32, add int)

// bnRowsAVX512 is bnRowsGo on rows rows of c values (leaky is 0 or 1). Rows
// whose length is not a multiple of 16 end with a masked vector.
//
//go:noescape
func bnRowsAVX512(y, x, mu, k, beta *float32, rows, c int, alpha float32, leaky int)

// bnGradRowsAVX512 is bnGradRowsGo on rows rows of c values (add is 0 or 1).
//
//go:noescape
func bnGradRowsAVX512(dx, x, dz, mu, invStd, k, mg, mgx *float32, rows, c, add int)

// adamAVX512 is adamStepGo on n values, with c1 = 1−β1 and c2 = 1−β2.
//
//go:noescape
func adamAVX512(p, grad, m, v *float32, n int, b1, c1, b2, c2, eps, stepSize, sqrtC2 float32)

// boolInt is 1 for true and 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func leaky(y, x []float32, alpha float32) {
	if !useAVX512() || len(x) == 0 {
		leakyGo(y, x, alpha)
		return
	}
	leakyAVX512(&y[0], &x[0], len(x), alpha)
}

func tanh(y, x []float32) {
	if !useAVX512() || len(x) == 0 {
		tanhGo(y, x)
		return
	}
	c := newTanhCoeffs()
	tanhAVX512(&y[0], &x[0], len(x), &c, tanhSmall, tanhClamp)
}

func leakyGrad(dst, gy, y []float32, alpha float32, add bool) {
	if !useAVX512() || len(gy) == 0 {
		leakyGradGo(dst, gy, y, alpha, add)
		return
	}
	leakyGradAVX512(&dst[0], &gy[0], &y[0], len(gy), alpha, boolInt(add))
}

func bnRows(y, x, mu, k, beta []float32, alpha float32, leaky bool) {
	if !useAVX512() || len(x) == 0 {
		bnRowsGo(y, x, mu, k, beta, alpha, leaky)
		return
	}
	c := len(mu)
	bnRowsAVX512(&y[0], &x[0], &mu[0], &k[0], &beta[0], len(x)/c, c, alpha, boolInt(leaky))
}

func bnGradRows(dx, x, dz, mu, invStd, k, mg, mgx []float32, add bool) {
	if !useAVX512() || len(dz) == 0 {
		bnGradRowsGo(dx, x, dz, mu, invStd, k, mg, mgx, add)
		return
	}
	c := len(mu)
	bnGradRowsAVX512(&dx[0], &x[0], &dz[0], &mu[0], &invStd[0], &k[0], &mg[0], &mgx[0], len(dz)/c, c, boolInt(add))
}

// momentSumsAVX512 is momentSumsGo for c ≤ 16 channels of rows rows, ld values apart (elementwise_amd64.s).
//
//go:noescape
func momentSumsAVX512(x *float32, rows, ld, c int, shift, a, b *float64)

func momentSums(x []float32, c int, shift, a, b []float64) {
	rows := len(x) / c
	if !useAVX512() || rows == 0 {
		momentSumsGo(x, c, shift, a, b)
		return
	}
	for j := 0; j < c; j += 16 { // 16 channels a pass over the rows, each added in row order
		momentSumsAVX512(&x[j], rows, c, min(16, c-j), &shift[j], &a[j], &b[j])
	}
}

// gradSumsAVX512 is gradSumsGo for c ≤ 16 channels of rows rows, ld values apart (elementwise_amd64.s).
//
//go:noescape
func gradSumsAVX512(x, dz *float32, rows, ld, c int, mean, invStd *float32, a, b *float64)

func gradSums(x, dz, mean, invStd []float32, a, b []float64) {
	c := len(mean)
	rows := len(dz) / c
	if !useAVX512() || rows == 0 {
		gradSumsGo(x, dz, mean, invStd, a, b)
		return
	}
	_ = x[len(dz)-1]
	for j := 0; j < c; j += 16 { // 16 channels a pass over the rows, each added in row order
		gradSumsAVX512(&x[j], &dz[j], rows, c, min(16, c-j), &mean[j], &invStd[j], &a[j], &b[j])
	}
}

func adamStep(p, g, m, v []float32, c AdamCoeffs) {
	if !useAVX512() || len(g) == 0 {
		adamStepGo(p, g, m, v, c)
		return
	}
	adamAVX512(&p[0], &g[0], &m[0], &v[0], len(g), c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Eps, c.StepSize, c.SqrtC2)
}
