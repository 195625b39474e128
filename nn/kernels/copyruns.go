package kernels

// copyRunsGo is copyRuns in Go: a call to copy a run.
func copyRunsGo(dst, src []float32, n, dstStride, srcStride, run int) {
	for i := range n {
		copy(dst[i*dstStride:i*dstStride+run], src[i*srcStride:i*srcStride+run])
	}
}

// addRunsGo is addRuns in Go: a call to addTo a run.
func addRunsGo(dst, src []float32, n, dstStride, srcStride, run int) {
	for i := range n {
		addTo(dst[i*dstStride:i*dstStride+run], src[i*srcStride:i*srcStride+run])
	}
}
