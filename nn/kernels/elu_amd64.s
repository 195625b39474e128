//go:build !noasm

#include "textflag.h"

// AVX-512 versions of the ELU kernels (elu.go holds the reference loops).
// Each handles 16 float32 values per vector and ends with one masked vector
// for the last n%16 values (masked loads do not fault on the masked-out
// elements). They do the same operations in the same order as the Go code,
// one rounding each and no fused multiply-adds, so the results are the same
// bits. TAILMASK is elementwise_amd64.s's (macros are per file).

// TAILMASK sets k to the low CX bits (CX < 16); it clobbers AX.
#define TAILMASK(k) \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX; \
	KMOVW AX, k

// ELU replaces the 16 values in Z0 by their ELU32; it clobbers Z1-Z9 and K1.
// Z16 holds float32(eluMin), Z17 1/ln2, Z18 ln2, Z19 1.0 (float64), Z20-Z28
// P's coefficients c10 down to c2 and Z29 zero. ELU32 is computed in float64,
// eight lanes per register (Z2, Z4, Z6, Z8 the low half, Z3, Z5, Z7, Z9 the
// high half), for every lane, and kept where x < 0: the lanes with x > 0,
// ±0 or NaN keep x.
#define ELU \
	VMAXPS        Z16, Z0, Z1 /* x clamped to min (NaN gives min) */; \
	VCVTPS2PD     Y1, Z2 /* z, low half */; \
	VEXTRACTF64X4 $1, Z1, Y3; \
	VCVTPS2PD     Y3, Z3 /* z, high half */; \
	VMULPD        Z17, Z2, Z4 /* n = round(z/ln2), to even */; \
	VMULPD        Z17, Z3, Z5; \
	VRNDSCALEPD   $0, Z4, Z4; \
	VRNDSCALEPD   $0, Z5, Z5; \
	VMULPD        Z18, Z4, Z6 /* r = z − n·ln2 */; \
	VMULPD        Z18, Z5, Z7; \
	VSUBPD        Z6, Z2, Z2; \
	VSUBPD        Z7, Z3, Z3; \
	VMULPD        Z20, Z2, Z6 /* p = r·c10 + c9 */; \
	VMULPD        Z20, Z3, Z7; \
	VADDPD        Z21, Z6, Z6; \
	VADDPD        Z21, Z7, Z7; \
	VMULPD        Z2, Z6, Z6 /* p = p·r + c8 */; \
	VMULPD        Z3, Z7, Z7; \
	VADDPD        Z22, Z6, Z6; \
	VADDPD        Z22, Z7, Z7; \
	VMULPD        Z2, Z6, Z6 /* p = p·r + c7 */; \
	VMULPD        Z3, Z7, Z7; \
	VADDPD        Z23, Z6, Z6; \
	VADDPD        Z23, Z7, Z7; \
	VMULPD        Z2, Z6, Z6 /* p = p·r + c6 */; \
	VMULPD        Z3, Z7, Z7; \
	VADDPD        Z24, Z6, Z6; \
	VADDPD        Z24, Z7, Z7; \
	VMULPD        Z2, Z6, Z6 /* p = p·r + c5 */; \
	VMULPD        Z3, Z7, Z7; \
	VADDPD        Z25, Z6, Z6; \
	VADDPD        Z25, Z7, Z7; \
	VMULPD        Z2, Z6, Z6 /* p = p·r + c4 */; \
	VMULPD        Z3, Z7, Z7; \
	VADDPD        Z26, Z6, Z6; \
	VADDPD        Z26, Z7, Z7; \
	VMULPD        Z2, Z6, Z6 /* p = p·r + c3 */; \
	VMULPD        Z3, Z7, Z7; \
	VADDPD        Z27, Z6, Z6; \
	VADDPD        Z27, Z7, Z7; \
	VMULPD        Z2, Z6, Z6 /* p = p·r + c2 */; \
	VMULPD        Z3, Z7, Z7; \
	VADDPD        Z28, Z6, Z6; \
	VADDPD        Z28, Z7, Z7; \
	VMULPD        Z2, Z2, Z8 /* q = r + r²·p */; \
	VMULPD        Z3, Z3, Z9; \
	VMULPD        Z6, Z8, Z8; \
	VMULPD        Z7, Z9, Z9; \
	VADDPD        Z8, Z2, Z8; \
	VADDPD        Z9, Z3, Z9; \
	VSCALEFPD     Z4, Z19, Z4 /* s = 2^n */; \
	VSCALEFPD     Z5, Z19, Z5; \
	VMULPD        Z4, Z8, Z8 /* q·s + (s − 1) */; \
	VMULPD        Z5, Z9, Z9; \
	VSUBPD        Z19, Z4, Z4; \
	VSUBPD        Z19, Z5, Z5; \
	VADDPD        Z4, Z8, Z8; \
	VADDPD        Z5, Z9, Z9; \
	VCVTPD2PS     Z8, Y8; \
	VCVTPD2PS     Z9, Y9; \
	VINSERTF64X4  $1, Y9, Z8, Z8; \
	VCMPPS        $0x01, Z29, Z0, K1 /* x < 0 (LT_OS) */; \
	VMOVAPS       Z8, K1, Z0

// func eluAVX512(y, x *float32, n int, c *eluCoeffs, min float32)
//
//	for i < n: y[i] = ELU32(x[i])
TEXT ·eluAVX512(SB), NOSPLIT, $0-36
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	MOVQ         c+24(FP), AX
	VBROADCASTSD 0(AX), Z17
	VBROADCASTSD 8(AX), Z18
	VBROADCASTSD 16(AX), Z20
	VBROADCASTSD 24(AX), Z21
	VBROADCASTSD 32(AX), Z22
	VBROADCASTSD 40(AX), Z23
	VBROADCASTSD 48(AX), Z24
	VBROADCASTSD 56(AX), Z25
	VBROADCASTSD 64(AX), Z26
	VBROADCASTSD 72(AX), Z27
	VBROADCASTSD 80(AX), Z28
	VBROADCASTSS min+32(FP), Z16
	MOVQ         $0x3ff0000000000000, AX
	VPBROADCASTQ AX, Z19
	VPXORD       Z29, Z29, Z29

loop16:
	CMPQ    CX, $16
	JLT     tail
	VMOVUPS (SI), Z0
	ELU
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop16

tail:
	TESTQ     CX, CX
	JEQ       done
	TAILMASK(K7)
	VMOVUPS.Z (SI), K7, Z0
	ELU
	VMOVUPS   Z0, K7, (DI)

done:
	VZEROUPPER
	RET

// ELUGRAD sets Z2 to gy·(1 if y > 0 else y + 1) for y in Z0 and gy in Z2,
// with 1.0 in Z30 and 0 in Z29; it clobbers Z1 and K1.
#define ELUGRAD \
	VCMPPS  $0x1e, Z29, Z0, K1 /* y > 0 (GT_OQ) */; \
	VADDPS  Z30, Z0, Z1 /* y + 1 */; \
	VMOVAPS Z30, K1, Z1 /* 1 where y > 0 */; \
	VMULPS  Z1, Z2, Z2

// func eluGradAVX512(dst, gy, y *float32, n int, add int)
//
//	for i < n: d := gy[i] * (1 if y[i] > 0 else y[i]+1); dst[i] = d, or dst[i] += d if add
TEXT ·eluGradAVX512(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         gy+8(FP), SI
	MOVQ         y+16(FP), R8
	MOVQ         n+24(FP), CX
	MOVQ         add+32(FP), DX
	MOVL         $0x3f800000, AX
	VPBROADCASTD AX, Z30
	VPXORD       Z29, Z29, Z29

loop16:
	CMPQ    CX, $16
	JLT     tail
	VMOVUPS (R8), Z0
	VMOVUPS (SI), Z2
	ELUGRAD
	TESTQ   DX, DX
	JEQ     store16
	VADDPS  (DI), Z2, Z2

store16:
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, R8
	SUBQ    $16, CX
	JMP     loop16

tail:
	TESTQ     CX, CX
	JEQ       done
	TAILMASK(K7)
	VMOVUPS.Z (R8), K7, Z0
	VMOVUPS.Z (SI), K7, Z2
	ELUGRAD
	TESTQ     DX, DX
	JEQ       storeTail
	VMOVUPS.Z (DI), K7, Z3
	VADDPS    Z3, Z2, Z2

storeTail:
	VMOVUPS Z2, K7, (DI)

done:
	VZEROUPPER
	RET
