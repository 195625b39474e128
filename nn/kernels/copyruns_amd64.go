//go:build !noasm

package kernels

// copyRunsAVX512 copies n runs of run ≤ 16 values, one masked load and store each (copyruns_amd64.s):
//
//	dst[i*dstStride+j] = src[i*srcStride+j] for i < n, j < run
//
//go:noescape
func copyRunsAVX512(dst, src *float32, n, dstStride, srcStride, run int)

// copyRuns copies n runs of run values, run i from src[i*srcStride:] to dst[i*dstStride:]: im2col's copy of one
// filter row's receptive fields across a band of positions. Runs of up to 16 values go through one masked
// load and store each where the CPU has AVX-512, instead of a call to copy each.
func copyRuns(dst, src []float32, n, dstStride, srcStride, run int) {
	if n <= 0 || run <= 0 {
		return
	}
	_, _ = dst[(n-1)*dstStride+run-1], src[(n-1)*srcStride+run-1]
	if run <= 16 && useAVX512() {
		copyRunsAVX512(&dst[0], &src[0], n, dstStride, srcStride, run)
		return
	}
	copyRunsGo(dst, src, n, dstStride, srcStride, run)
}

// addRunsAVX512 adds n runs of run ≤ 16 values in order, one masked load of each and one masked store a run
// (copyruns_amd64.s):
//
//	dst[i*dstStride+j] += src[i*srcStride+j] for i < n (in order), j < run
//
//go:noescape
func addRunsAVX512(dst, src *float32, n, dstStride, srcStride, run int)

// addRuns adds n runs of run values in order, run i from src[i*srcStride:] to dst[i*dstStride:] (the runs may
// overlap in dst): col2im's adds of one filter row across a band of positions. Runs of up to 16 values go
// through masked loads and a masked store where the CPU has AVX-512, instead of a call to addTo each.
func addRuns(dst, src []float32, n, dstStride, srcStride, run int) {
	if n <= 0 || run <= 0 {
		return
	}
	_, _ = dst[(n-1)*dstStride+run-1], src[(n-1)*srcStride+run-1]
	if run <= 16 && useAVX512() {
		addRunsAVX512(&dst[0], &src[0], n, dstStride, srcStride, run)
		return
	}
	addRunsGo(dst, src, n, dstStride, srcStride, run)
}
