//go:build !noasm

package kernels

//go:generate go run gen_arm64.go

// Every arm64 CPU Go runs on has Advanced SIMD (it is part of ARMv8-A, and
// Go's own runtime uses it): the NEON kernel is always available.
const canAVX512, canAVX2, canNEON = false, false, true

// bf16Kernel: no bf16 GEMM on arm64 yet (BFMMLA would be its instruction).
var bf16Kernel *microKernel

// pairPanelAsm: none on arm64.
var pairPanelAsm func(pan []float32, kc, w int)

// gemmKernel returns the GEMM micro-kernel of isa.
func gemmKernel(isa ISA) *microKernel {
	if isa == NEON {
		return &neonKernel
	}
	return &goKernel
}

// kernNEON12x8 is the assembly micro-kernel (gemm_arm64.s): for i < 12 and
// j < 8,
//
//	c[i*ldc+j] = Σ_{p<k} a[p*12+i] · b[p*8+j]  (+ c[i*ldc+j] if add ≠ 0)
//
// from packed panels a (k×12) and b (k×8), for k ≥ 1.
//
//go:noescape
func kernNEON12x8(k int, a, b, c *float32, ldc, add int)

// neonKernel uses 24 of the 32 vector registers for the 12×8 tile of C
// (two per row), 3 for the column of A and 2 for the row of B. The blocks
// are sized for a 64 KB L1 (the 12×384 and 384×8 panels take 30 KB), a
// 512 KB L2 (the 192×384 block of A, 288 KB) and a few MB of L3; they are
// not tuned on a real arm64 machine (see BENCHMARKS.md). Packing is the Go
// code of gemm_blocked.go.
var neonKernel = microKernel{name: "neon", mr: 12, nr: 8, mc: 12 * 16, kc: 384, nc: 8 * 256,
	kern: asmKernel(kernNEON12x8, 12, 8)}
