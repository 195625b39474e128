//go:build !amd64 || noasm

package kernels

// addTo adds src to dst element by element; dst must be at least as long:
//
//	for i, v := range src { dst[i] += v }
func addTo(dst, src []float32) { addToGo(dst, src) }
