//go:build !noasm

package kernels

// addToAVX2 is, for i < n (add_amd64.s),
//
//	dst[i] += src[i]
//
//go:noescape
func addToAVX2(dst, src *float32, n int)

// addToAVX512 is addToAVX2 on 512-bit vectors, the last values under a mask (add_amd64.s).
//
//go:noescape
func addToAVX512(dst, src *float32, n int)

// addTo adds src to dst element by element; dst must be at least as long:
//
//	for i, v := range src { dst[i] += v }
func addTo(dst, src []float32) {
	if len(src) == 0 {
		return
	}
	_ = dst[len(src)-1]
	if useAVX512() {
		addToAVX512(&dst[0], &src[0], len(src))
		return
	}
	if useAVX2() {
		addToAVX2(&dst[0], &src[0], len(src))
		return
	}
	addToGo(dst, src)
}
