//go:build !amd64 || noasm

package kernels

// copyRuns copies n runs of run values, run i from src[i*srcStride:] to dst[i*dstStride:]: im2col's copy of one
// filter row's receptive fields across a band of positions.
func copyRuns(dst, src []float32, n, dstStride, srcStride, run int) {
	copyRunsGo(dst, src, n, dstStride, srcStride, run)
}

// addRuns adds n runs of run values in order, run i from src[i*srcStride:] to dst[i*dstStride:] (the runs may
// overlap in dst): col2im's adds of one filter row across a band of positions.
func addRuns(dst, src []float32, n, dstStride, srcStride, run int) {
	addRunsGo(dst, src, n, dstStride, srcStride, run)
}
