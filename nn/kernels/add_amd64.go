//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// addToAVX2 is, for i < n (add_amd64.s),
//
//	dst[i] += src[i]
//
//go:noescape
func addToAVX2(dst, src *float32, n int)

// hasAVX2 reports whether addToAVX2 can run on this CPU.
var hasAVX2 = cpu.X86.HasAVX2

// addTo adds src to dst element by element; dst must be at least as long:
//
//	for i, v := range src { dst[i] += v }
func addTo(dst, src []float32) {
	if len(src) == 0 {
		return
	}
	_ = dst[len(src)-1]
	if hasAVX2 {
		addToAVX2(&dst[0], &src[0], len(src))
		return
	}
	addToGo(dst, src)
}
