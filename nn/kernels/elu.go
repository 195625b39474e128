package kernels

import "math"

// ELU and its gradients. ELU32 defines the value: for x < 0 it computes
// expm1(x) in float64 (range reduction x = n·ln2 + r, |r| ≤ ln2/2, and
// expm1(r) = r + r²·P(r) with P the Taylor polynomial of degree 8, so
// that small |x| keep their relative accuracy), then rounds it to float32.
// Like the other elementwise kernels, the Go loops here define the results
// and the AVX-512 versions (elu_amd64.s) give the same bits: the same
// float64 (or float32) operations in the same order, one rounding each,
// never fused (see elementwise_go.go).

const (
	// eluMin is where the argument is clamped: expm1(x) rounds to −1 in
	// float32 for every x below about −17.33 (e^x < 2^−25), and 2^n stays
	// a normal float64 for n = round(eluMin/ln2) = −29.
	eluMin = -20

	eluInvLn2 = 1 / math.Ln2
	eluLn2    = math.Ln2

	// The coefficients of P: eluCk = 1/k!.
	eluC2  = 1.0 / 2
	eluC3  = 1.0 / 6
	eluC4  = 1.0 / 24
	eluC5  = 1.0 / 120
	eluC6  = 1.0 / 720
	eluC7  = 1.0 / 5040
	eluC8  = 1.0 / 40320
	eluC9  = 1.0 / 362880
	eluC10 = 1.0 / 3628800
)

// eluCoeffs are the float64 constants in the order the assembly reads them:
// 1/ln2, ln2, then P's coefficients from the highest degree.
type eluCoeffs [11]float64

// newELUCoeffs returns the constants for the assembly.
func newELUCoeffs() eluCoeffs {
	return eluCoeffs{eluInvLn2, eluLn2, eluC10, eluC9, eluC8, eluC7, eluC6, eluC5, eluC4, eluC3, eluC2}
}

// ELU32 is the ELU (α = 1) of one float32: x for x > 0, expm1(x) =
// e^x − 1 for x < 0. NaN and ±0 give x itself (the same bits), −Inf gives
// −1, and so does every x below −17.33. For x < 0 the result is
// float32(math.Expm1(float64(x))) at all but 11 of the negative float32s,
// which are one ulp off (TestELUExhaustive): the reduction and the
// polynomial, of degree 10 in all, are accurate to about 1e-12 relative in
// float64 before the final rounding. Each product
// is rounded before the following addition, as the assembly in ELU
// computes it.
func ELU32(x float32) float32 {
	if !(x < 0) { // x > 0, ±0 or NaN
		return x
	}
	if x < eluMin {
		x = eluMin
	}
	z := float64(x)
	n := math.RoundToEven(z * eluInvLn2)
	r := z - float64(n*eluLn2)
	p := float64(r*eluC10) + eluC9
	p = float64(p*r) + eluC8
	p = float64(p*r) + eluC7
	p = float64(p*r) + eluC6
	p = float64(p*r) + eluC5
	p = float64(p*r) + eluC4
	p = float64(p*r) + eluC3
	p = float64(p*r) + eluC2
	q := r + float64(float64(r*r)*p)                       // expm1(r)
	s := math.Float64frombits(uint64(1023+int64(n)) << 52) // 2^n, exactly: −29 ≤ n ≤ 0
	return float32(float64(q*s) + (s - 1))                 // 2^n·(1 + q) − 1
}

// ELU sets y[i] = ELU32(x[i]). y must be at least as long as x; it may be
// x itself.
func ELU(y, x []float32) {
	checkLen("elu", "y", len(y), len(x))
	elu(y[:len(x)], x)
}

// ELUGrad multiplies the gradient g by ELU's derivative at its output y:
// g[i] *= 1 if y[i] > 0, else y[i] + 1 (rounded to float32 before the
// product). y must be as long as g.
func ELUGrad(g, y []float32) {
	checkLen("elu gradient", "y", len(y), len(g))
	eluGrad(g, g, y[:len(g)], false)
}

// ELUGradAdd adds to gx the gradient gy times ELU's derivative at its
// output y: gx[i] += gy[i]·(1 if y[i] > 0, else y[i] + 1), the product
// rounded before the sum. gx and y must be at least as long as gy.
func ELUGradAdd(gx, gy, y []float32) {
	checkLen("elu gradient", "gx", len(gx), len(gy))
	checkLen("elu gradient", "y", len(y), len(gy))
	eluGrad(gx[:len(gy)], gy, y[:len(gy)], true)
}

// eluGo is ELU.
func eluGo(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = ELU32(v)
	}
}

// eluGradGo sets dst[i] = gy[i]·f, or adds that to dst[i] if add, with
// f = 1 if y[i] > 0, else y[i] + 1. dst may be gy.
func eluGradGo(dst, gy, y []float32, add bool) {
	dst, y = dst[:len(gy)], y[:len(gy)]
	if add {
		for i, v := range y {
			f := [2]float32{v + 1, 1}
			p := 0
			if v > 0 { // compiled to a flag set, not a branch
				p = 1
			}
			dst[i] += float32(gy[i] * f[p])
		}
		return
	}
	for i, v := range y {
		f := [2]float32{v + 1, 1}
		p := 0
		if v > 0 {
			p = 1
		}
		dst[i] = gy[i] * f[p]
	}
}
