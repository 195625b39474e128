//go:build (amd64 || arm64) && !noasm

package kernels

// asmKernel wraps an assembly micro-kernel so that it takes slices: it
// checks that the panels and the C tile lie within their slices (an
// out-of-range tile panics instead of writing outside C).
func asmKernel(f func(k int, a, b, c *float32, ldc, add int), mr, nr int) func(k int, a, b, c []float32, ldc int, add bool) {
	return func(k int, a, b, c []float32, ldc int, add bool) {
		if k < 1 {
			panic("kernels: micro-kernel called with k < 1")
		}
		_, _, _ = a[k*mr-1], b[k*nr-1], c[(mr-1)*ldc+nr-1]
		var flag int
		if add {
			flag = 1
		}
		f(k, &a[0], &b[0], &c[0], ldc, flag)
	}
}
