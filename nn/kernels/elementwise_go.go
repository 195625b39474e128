package kernels

import "math"

// The portable versions of the elementwise kernels: the definition of their
// results, used with the tag noasm, on CPUs without AVX-512 and by the tests
// as the oracle for the assembly. The slices have the lengths the exported
// functions checked.
//
// An explicit conversion such as float32(a*b) rounds the product, and the Go
// spec does not let the compiler fuse it with the following addition into a
// fused multiply-add (which it does at GOAMD64=v3 and above). The
// conversions below change nothing at GOAMD64=v1, where nothing is fused;
// they keep the results, and their match with the assembly (which does not
// fuse either), independent of GOAMD64.

// leakyGo is Leaky. Branch-free: the sign bit picks the factor (a branch on
// random signs mispredicts half the time).
func leakyGo(y, x []float32, alpha float32) {
	f := [2]float32{1, alpha}
	y = y[:len(x)]
	for i, v := range x {
		y[i] = v * f[math.Float32bits(v)>>31]
	}
}

// tanhGo is Tanh.
func tanhGo(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = Tanh32(v)
	}
}

// leakyGradGo sets dst[i] = gy[i]·f, or adds that to dst[i] if add, with
// f = 1 if y[i] > 0, else alpha. dst may be gy.
func leakyGradGo(dst, gy, y []float32, alpha float32, add bool) {
	f := [2]float32{alpha, 1}
	dst, y = dst[:len(gy)], y[:len(gy)]
	if add {
		for i, v := range y {
			p := 0
			if v > 0 { // compiled to a flag set, not a branch
				p = 1
			}
			dst[i] += float32(gy[i] * f[p])
		}
		return
	}
	for i, v := range y {
		p := 0
		if v > 0 {
			p = 1
		}
		dst[i] = gy[i] * f[p]
	}
}

// bnRowsGo is BatchNormRows, or BatchNormRowsLeaky if leaky.
func bnRowsGo(y, x, mu, k, beta []float32, alpha float32, leaky bool) {
	c := len(mu)
	k, beta = k[:c], beta[:c]
	f := [2]float32{1, alpha}
	for i := 0; i < len(x); i += c {
		xr, yr := x[i:i+c], y[i:i+c]
		for j, v := range xr {
			z := float32((v-mu[j])*k[j]) + beta[j]
			if leaky {
				z *= f[math.Float32bits(z)>>31]
			}
			yr[j] = z
		}
	}
}

// bnGradRowsGo is BatchNormGradRows.
func bnGradRowsGo(dx, x, dz, mu, invStd, k, mg, mgx []float32, add bool) {
	c := len(mu)
	invStd, k, mg, mgx = invStd[:c], k[:c], mg[:c], mgx[:c]
	for i := 0; i < len(dz); i += c {
		xr, gr, dr := x[i:i+c], dz[i:i+c], dx[i:i+c]
		for j := range c {
			xh := (xr[j] - mu[j]) * invStd[j]
			d := float32(k[j] * (gr[j] - mg[j] - float32(xh*mgx[j])))
			if add {
				dr[j] += d
			} else {
				dr[j] = d
			}
		}
	}
}

// adamStepGo is AdamStep.
func adamStepGo(p, g, m, v []float32, c AdamCoeffs) {
	b1, b2, eps, stepSize, sqrtC2 := c.Beta1, c.Beta2, c.Eps, c.StepSize, c.SqrtC2
	p, m, v = p[:len(g)], m[:len(g)], v[:len(g)]
	for j, gj := range g {
		m[j] = float32(b1*m[j]) + float32((1-b1)*gj)
		v[j] = float32(b2*v[j]) + float32((1-b2)*gj*gj)
		denom := float32(math.Sqrt(float64(v[j])))/sqrtC2 + eps
		p[j] -= stepSize * m[j] / denom
	}
}

// momentSumsGo adds, for each row of c values of x in order and each channel j, d = x[j] − shift[j] to a[j] and
// d·d to b[j], in float64: batchMoments' shifted sums over one part of the rows.
func momentSumsGo(x []float32, c int, shift, a, b []float64) {
	for i := 0; i+c <= len(x); i += c {
		for j, v := range x[i : i+c] {
			d := float64(v) - shift[j]
			a[j] += d
			b[j] += float64(d * d) // the conversion keeps the product rounded: no fused multiply-add, as in the assembly
		}
	}
}

// gradSumsGo adds, for each row of x and dz (c = len(mean) values each) in order and each channel j, dz[j] to
// a[j] and dz[j]·x̂[j] to b[j] in float64, x̂ = (x[j] − mean[j])·invStd[j] in float32: BatchNormGrad's sums over
// one part of the rows.
func gradSumsGo(x, dz, mean, invStd []float32, a, b []float64) {
	c := len(mean)
	for i := 0; i+c <= len(dz); i += c {
		xr, gr := x[i:i+c], dz[i:i+c]
		for j := range c {
			xh := (xr[j] - mean[j]) * invStd[j]
			a[j] += float64(gr[j])
			b[j] += float64(gr[j] * xh)
		}
	}
}
