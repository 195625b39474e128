//go:build !noasm

package kernels

// pairPanelAVX512BF16 rounds a panel of kc rows of w values to bfloat16 pairs in place (bf16_amd64.s), as
// toBF16Pairs does.
//
//go:noescape
func pairPanelAVX512BF16(pan *float32, kc, w int)

// pairPanelAsm is toBF16Pairs in assembly where the CPU has AVX512_BF16 (nil elsewhere): one call a panel, so
// that a panel of narrow rows (the 14-value rows of A's panels) does not pay a call per row pair.
var pairPanelAsm = func() func(pan []float32, kc, w int) {
	if !canBF16 {
		return nil
	}
	return func(pan []float32, kc, w int) {
		if kc <= 0 || w <= 0 {
			return
		}
		_ = pan[kc*w-1]
		pairPanelAVX512BF16(&pan[0], kc, w)
	}
}()
