package kernels

// addToGo is the portable addTo:
//
//	for i, v := range src { dst[i] += v }
func addToGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}
