//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// activeKernel is the micro-kernel Sgemm uses. It is chosen once at start-up
// from the CPU features and changed only by tests (see forcePath in
// export_test.go).
var activeKernel = kernelPaths()[0]

// The assembly micro-kernels (gemm_amd64.s). Each computes, for i < MR and
// j < NR, with MR×NR as in its name,
//
//	c[i*ldc+j] += Σ_{p<k} a[p*MR+i] · b[p*NR+j]
//
// from packed panels a (k×MR) and b (k×NR), for k ≥ 1.

//go:noescape
func kernAVX512x14x32(k int, a, b, c *float32, ldc int)

//go:noescape
func kernAVX512x12x32(k int, a, b, c *float32, ldc int)

//go:noescape
func kernAVX512x14x32bcst(k int, a, b, c *float32, ldc int)

//go:noescape
func kernAVX512x15x32bcst(k int, a, b, c *float32, ldc int)

//go:noescape
func kernAVX2x6x16(k int, a, b, c *float32, ldc int)

var (
	avx512Kernel = microKernel{name: "avx512", mr: 14, nr: 32, mc: 14 * 10, kc: 256, nc: 32 * 64,
		kern: asmKernel(kernAVX512x14x32, 14, 32)}
	avx512x12Kernel = microKernel{name: "avx512x12", mr: 12, nr: 32, mc: 12 * 12, kc: 256, nc: 32 * 64,
		kern: asmKernel(kernAVX512x12x32, 12, 32)}
	avx512bKernel = microKernel{name: "avx512b", mr: 14, nr: 32, mc: 14 * 10, kc: 256, nc: 32 * 64,
		kern: asmKernel(kernAVX512x14x32bcst, 14, 32)}
	avx512b15Kernel = microKernel{name: "avx512b15", mr: 15, nr: 32, mc: 15 * 10, kc: 256, nc: 32 * 64,
		kern: asmKernel(kernAVX512x15x32bcst, 15, 32)}
	avx2Kernel = microKernel{name: "avx2", mr: 6, nr: 16, mc: 6 * 24, kc: 256, nc: 16 * 128,
		kern: asmKernel(kernAVX2x6x16, 6, 16)}
)

// asmKernel wraps an assembly micro-kernel so that it takes slices: it
// checks that the panels and the C tile lie within their slices (an
// out-of-range tile panics instead of writing outside C).
func asmKernel(f func(k int, a, b, c *float32, ldc int), mr, nr int) func(k int, a, b, c []float32, ldc int) {
	return func(k int, a, b, c []float32, ldc int) {
		if k < 1 {
			return
		}
		_, _, _ = a[k*mr-1], b[k*nr-1], c[(mr-1)*ldc+nr-1]
		f(k, &a[0], &b[0], &c[0], ldc)
	}
}

// kernelPaths lists the micro-kernels this CPU can run, best first.
func kernelPaths() []*microKernel {
	var ks []*microKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, &avx512Kernel, &avx512x12Kernel, &avx512bKernel, &avx512b15Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &avx2Kernel)
	}
	return append(ks, &goKernel)
}
