//go:build !noasm

package kernels

// eluAVX512 is eluGo on n values; c holds the constants (newELUCoeffs) and
// min is float32(eluMin). It computes eight float64 lanes at a time.
//
//go:noescape
func eluAVX512(y, x *float32, n int, c *eluCoeffs, min float32)

// eluGradAVX512 is eluGradGo on n values (add is 0 or 1).
//
//go:noescape
func eluGradAVX512(dst, gy, y *float32, n int, add int)

func elu(y, x []float32) {
	if !useAVX512() || len(x) == 0 {
		eluGo(y, x)
		return
	}
	c := newELUCoeffs()
	eluAVX512(&y[0], &x[0], len(x), &c, eluMin)
}

func eluGrad(dst, gy, y []float32, add bool) {
	if !useAVX512() || len(gy) == 0 {
		eluGradGo(dst, gy, y, add)
		return
	}
	eluGradAVX512(&dst[0], &gy[0], &y[0], len(gy), boolInt(add))
}
