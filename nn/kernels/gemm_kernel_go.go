package kernels

// goKernel is the portable micro-kernel: plain Go, a 2×4 register tile (the
// largest whose accumulators and operands fit the compiler's float
// registers; a 4×4 tile spills and runs slower).
var goKernel = microKernel{name: "go", mr: 2, nr: 4, mc: 128, kc: 256, nc: 1024, kern: kernGo2x4}

// kernGo2x4 computes, for i < 2 and j < 4,
//
//	c[i*ldc+j] = Σ_{p<k} a[p*2+i] · b[p*4+j]  (+ c[i*ldc+j] if add)
func kernGo2x4(k int, a, b, c []float32, ldc int, add bool) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	a, b = a[:2*k], b[:4*k]
	for p := range k {
		av := (*[2]float32)(a[2*p:])
		bv := (*[4]float32)(b[4*p:])
		a0, a1 := av[0], av[1]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	r0 := (*[4]float32)(c[:4])
	r1 := (*[4]float32)(c[ldc : ldc+4])
	if add {
		c00, c01, c02, c03 = c00+r0[0], c01+r0[1], c02+r0[2], c03+r0[3]
		c10, c11, c12, c13 = c10+r1[0], c11+r1[1], c12+r1[2], c13+r1[3]
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
}
