package kernels

import "math"

// bfloat16 keeps the upper 16 bits of a float32: its sign, its 8 exponent bits and 7 of its 23 fraction bits. The
// bf16 GEMM rounds both operands to it and accumulates in fp32, as PyTorch's bf16 autocast does on the CPU.

// roundBF16 rounds x to the nearest bfloat16, ties to even, and returns its 16 bits. A NaN stays a (quiet) NaN.
func roundBF16(x float32) uint32 {
	u := math.Float32bits(x)
	if u&0x7fffffff > 0x7f800000 {
		return u>>16 | 0x40 // NaN: keep it a NaN whatever the rounding would carry into
	}
	return (u + 0x7fff + (u >> 16 & 1)) >> 16
}

// BF16 returns x rounded to the nearest bfloat16 (ties to even), as a float32: the value the bf16 GEMM multiplies.
func BF16(x float32) float32 { return math.Float32frombits(roundBF16(x) << 16) }

// toBF16Pairs rounds a packed panel of kc rows of w values (value (p, i) at pan[p*w+i]) to bfloat16 pairs in place:
// pair (pp, i) at pan[pp*w+i] holds rows 2pp (low half) and 2pp+1 (high half; zero past kc), for pp < ⌈kc/2⌉.
// Each write lands at or before the values still to be read, so the panel can be its own destination.
func toBF16Pairs(pan []float32, kc, w int) {
	if pairPanelAsm != nil {
		pairPanelAsm(pan, kc, w)
		return
	}
	toBF16PairsGo(pan, kc, w)
}

// toBF16PairsGo is toBF16Pairs in Go.
func toBF16PairsGo(pan []float32, kc, w int) {
	for pp := 0; 2*pp < kc; pp++ {
		var hi []float32
		if 2*pp+1 < kc {
			hi = pan[(2*pp+1)*w : (2*pp+1)*w+w]
		}
		pairRowsGo(pan[pp*w:pp*w+w], pan[2*pp*w:2*pp*w+w], hi)
	}
}

// pairRowsGo rounds two rows to bfloat16 pairs: for i < len(dst), dst[i] = bf16(lo[i]) | bf16(hi[i]) << 16 (hi nil: zero).
// dst may be lo. The assembly version (pairPanelAsm) differs only on denormal inputs, which it counts as zero, as
// the bf16 kernel's VDPBF16PS does anyway.
func pairRowsGo(dst, lo, hi []float32) {
	for i := range dst {
		pair := roundBF16(lo[i])
		if hi != nil {
			pair |= roundBF16(hi[i]) << 16
		}
		dst[i] = math.Float32frombits(pair)
	}
}

// pairKernel wraps a micro-kernel over bfloat16 pairs so that its k is the depth in values, as the blocked GEMM
// passes it: the panels hold ⌈k/2⌉ pairs.
func pairKernel(kern func(k int, a, b, c []float32, ldc int, add bool)) func(k int, a, b, c []float32, ldc int, add bool) {
	return func(k int, a, b, c []float32, ldc int, add bool) { kern((k+1)/2, a, b, c, ldc, add) }
}
