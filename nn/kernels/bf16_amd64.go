//go:build !noasm

package kernels

// pairRowsAVX512BF16 rounds two rows to bfloat16 pairs (bf16_amd64.s): for i < n, dst[i] = bf16(lo[i]) |
// bf16(hi[i]) << 16, with hi nil meaning zeros.
//
//go:noescape
func pairRowsAVX512BF16(dst, lo, hi *float32, n int)

// pairRowsAsm is pairRows in assembly where the CPU has AVX512_BF16 (nil elsewhere).
var pairRowsAsm = func() func(dst, lo, hi []float32) {
	if !canBF16 {
		return nil
	}
	return func(dst, lo, hi []float32) {
		n := len(dst)
		if n == 0 {
			return
		}
		_, _ = lo[n-1], dst[n-1]
		var h *float32
		if hi != nil {
			_ = hi[n-1]
			h = &hi[0]
		}
		pairRowsAVX512BF16(&dst[0], &lo[0], h, n)
	}
}()
