//go:build !noasm

#include "textflag.h"

// AVX-512 versions of the elementwise kernels (elementwise_go.go holds the
// reference loops). Each handles 16 float32 values per vector and ends with
// one masked vector for the last n%16 values (masked loads do not fault on
// the masked-out elements). They do the same float32 operations in the same
// order as the Go loops, one rounding each and no fused multiply-adds, so
// the results are the same bits.

// TAILMASK sets k to the low CX bits (CX < 16); it clobbers AX.
#define TAILMASK(k) \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX; \
	KMOVW AX, k

// ONESIGN sets Z30 to 1.0 and Z31 to the sign bit in every lane; it
// clobbers AX.
#define ONESIGN \
	MOVL         $0x3f800000, AX; \
	VPBROADCASTD AX, Z30; \
	MOVL         $0x80000000, AX; \
	VPBROADCASTD AX, Z31

// LEAKY multiplies z by alpha (Z29) where its sign bit is set, else by 1
// (Z30; Z31 holds the sign bit); it clobbers f and k.
#define LEAKY(z, f, k) \
	VPTESTMD  Z31, z, k; \
	VBLENDMPS Z29, Z30, k, f; \
	VMULPS    f, z, z

// func leakyAVX512(y, x *float32, n int, alpha float32)
//
//	for i < n: y[i] = x[i] * (alpha if signbit(x[i]) else 1)
TEXT ·leakyAVX512(SB), NOSPLIT, $0-28
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS alpha+24(FP), Z29
	ONESIGN
	CMPQ         CX, $64
	JLT          loop16

loop64:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	LEAKY(Z0, Z4, K1)
	LEAKY(Z1, Z5, K2)
	LEAKY(Z2, Z6, K3)
	LEAKY(Z3, Z7, K4)
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	CMPQ    CX, $64
	JGE     loop64

loop16:
	CMPQ    CX, $16
	JLT     tail
	VMOVUPS (SI), Z0
	LEAKY(Z0, Z4, K1)
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
	LEAKY(Z0, Z4, K1)
	VMOVUPS   Z0, K7, (DI)

done:
	VZEROUPPER
	RET

// TANH sets Z5 to Tanh32 of the 16 values in Z0; it clobbers Z1-Z10, K1,
// K2. The coefficients are in Z20-Z30 (tanhCoeffs order), Z16 holds
// float32(tanhSmall), Z17 float32(tanhClamp), Z18 1.0 and Z31 the mask of
// all bits but the sign. The rational function is evaluated in float64,
// eight lanes per register (Z1, Z3, Z5, Z7 the low half, Z2, Z4, Z6, Z8 the
// high half), then the lanes outside its range are replaced: ±1 where
// |x| ≥ clamp, x itself where |x| < small or x is NaN.
#define TANH \
	VCVTPS2PD     Y0, Z1 /* z */; \
	VEXTRACTF64X4 $1, Z0, Y2; \
	VCVTPS2PD     Y2, Z2; \
	VMULPD        Z1, Z1, Z3 /* x2 = z·z */; \
	VMULPD        Z2, Z2, Z4; \
	VMULPD        Z20, Z3, Z5 /* p = x2·a13 + a11 */; \
	VMULPD        Z20, Z4, Z6; \
	VADDPD        Z21, Z5, Z5; \
	VADDPD        Z21, Z6, Z6; \
	VMULPD        Z3, Z5, Z5 /* p = p·x2 + a9 */; \
	VMULPD        Z4, Z6, Z6; \
	VADDPD        Z22, Z5, Z5; \
	VADDPD        Z22, Z6, Z6; \
	VMULPD        Z3, Z5, Z5 /* p = p·x2 + a7 */; \
	VMULPD        Z4, Z6, Z6; \
	VADDPD        Z23, Z5, Z5; \
	VADDPD        Z23, Z6, Z6; \
	VMULPD        Z3, Z5, Z5 /* p = p·x2 + a5 */; \
	VMULPD        Z4, Z6, Z6; \
	VADDPD        Z24, Z5, Z5; \
	VADDPD        Z24, Z6, Z6; \
	VMULPD        Z3, Z5, Z5 /* p = p·x2 + a3 */; \
	VMULPD        Z4, Z6, Z6; \
	VADDPD        Z25, Z5, Z5; \
	VADDPD        Z25, Z6, Z6; \
	VMULPD        Z3, Z5, Z5 /* p = p·x2 + a1 */; \
	VMULPD        Z4, Z6, Z6; \
	VADDPD        Z26, Z5, Z5; \
	VADDPD        Z26, Z6, Z6; \
	VMULPD        Z1, Z5, Z5 /* p = p·z */; \
	VMULPD        Z2, Z6, Z6; \
	VMULPD        Z27, Z3, Z7 /* q = x2·b6 + b4 */; \
	VMULPD        Z27, Z4, Z8; \
	VADDPD        Z28, Z7, Z7; \
	VADDPD        Z28, Z8, Z8; \
	VMULPD        Z3, Z7, Z7 /* q = q·x2 + b2 */; \
	VMULPD        Z4, Z8, Z8; \
	VADDPD        Z29, Z7, Z7; \
	VADDPD        Z29, Z8, Z8; \
	VMULPD        Z3, Z7, Z7 /* q = q·x2 + b0 */; \
	VMULPD        Z4, Z8, Z8; \
	VADDPD        Z30, Z7, Z7; \
	VADDPD        Z30, Z8, Z8; \
	VDIVPD        Z7, Z5, Z5 /* p/q */; \
	VDIVPD        Z8, Z6, Z6; \
	VCVTPD2PS     Z5, Y5; \
	VCVTPD2PS     Z6, Y6; \
	VINSERTF64X4  $1, Y6, Z5, Z5; \
	VPANDD        Z31, Z0, Z9 /* |x| */; \
	VPANDND       Z0, Z31, Z10 /* sign of x */; \
	VPORD         Z18, Z10, Z10 /* ±1 */; \
	VCMPPS        $0x1d, Z17, Z9, K1 /* |x| ≥ clamp (GE_OQ) */; \
	VCMPPS        $0x09, Z16, Z9, K2 /* not |x| ≥ small: small or NaN (NGE_US) */; \
	VMOVAPS       Z10, K1, Z5; \
	VMOVAPS       Z0, K2, Z5

// func tanhAVX512(y, x *float32, n int, c *tanhCoeffs, small, clamp float32)
//
//	for i < n: y[i] = Tanh32(x[i])
TEXT ·tanhAVX512(SB), NOSPLIT, $0-40
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	MOVQ         c+24(FP), AX
	VBROADCASTSD 0(AX), Z20
	VBROADCASTSD 8(AX), Z21
	VBROADCASTSD 16(AX), Z22
	VBROADCASTSD 24(AX), Z23
	VBROADCASTSD 32(AX), Z24
	VBROADCASTSD 40(AX), Z25
	VBROADCASTSD 48(AX), Z26
	VBROADCASTSD 56(AX), Z27
	VBROADCASTSD 64(AX), Z28
	VBROADCASTSD 72(AX), Z29
	VBROADCASTSD 80(AX), Z30
	VBROADCASTSS small+32(FP), Z16
	VBROADCASTSS clamp+36(FP), Z17
	MOVL         $0x3f800000, AX
	VPBROADCASTD AX, Z18
	MOVL         $0x7fffffff, AX
	VPBROADCASTD AX, Z31

loop16:
	CMPQ    CX, $16
	JLT     tail
	VMOVUPS (SI), Z0
	TANH
	VMOVUPS Z5, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop16

tail:
	TESTQ     CX, CX
	JEQ       done
	TAILMASK(K7)
	VMOVUPS.Z (SI), K7, Z0
	TANH
	VMOVUPS   Z5, K7, (DI)

done:
	VZEROUPPER
	RET

// LEAKYGRAD sets Z2 to gy·(1 if y > 0 else alpha) for y in Z0 and gy in Z2,
// with alpha in Z29, 1.0 in Z30 and 0 in Z28; it clobbers Z1 and K1.
#define LEAKYGRAD \
	VCMPPS    $0x1e, Z28, Z0, K1 /* y > 0 (GT_OQ) */; \
	VBLENDMPS Z30, Z29, K1, Z1; \
	VMULPS    Z1, Z2, Z2

// func leakyGradAVX512(dst, gy, y *float32, n int, alpha float32, add int)
//
//	for i < n: d := gy[i] * (1 if y[i] > 0 else alpha); dst[i] = d, or dst[i] += d if add
TEXT ·leakyGradAVX512(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         gy+8(FP), SI
	MOVQ         y+16(FP), R8
	MOVQ         n+24(FP), CX
	VBROADCASTSS alpha+32(FP), Z29
	MOVQ         add+40(FP), DX
	ONESIGN
	VPXORD       Z28, Z28, Z28

loop16:
	CMPQ    CX, $16
	JLT     tail
	VMOVUPS (R8), Z0
	VMOVUPS (SI), Z2
	LEAKYGRAD
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
	LEAKYGRAD
	TESTQ     DX, DX
	JEQ       storeTail
	VMOVUPS.Z (DI), K7, Z3
	VADDPS    Z3, Z2, Z2

storeTail:
	VMOVUPS Z2, K7, (DI)

done:
	VZEROUPPER
	RET

// func bnRowsAVX512(y, x, mu, k, beta *float32, rows, c int, alpha float32, leaky int)
//
//	for r < rows, j < c: i := r*c + j
//		z := (x[i] - mu[j]) * k[j] + beta[j]
//		y[i] = z * (alpha if leaky and signbit(z) else 1)
TEXT ·bnRowsAVX512(SB), NOSPLIT, $0-72
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         mu+16(FP), R8
	MOVQ         k+24(FP), R9
	MOVQ         beta+32(FP), R10
	VBROADCASTSS alpha+56(FP), Z29
	MOVQ         leaky+64(FP), R12
	ONESIGN
	MOVQ         c+48(FP), CX
	ANDL         $15, CX
	TAILMASK(K7)                    // the last c%16 channels
	MOVQ         c+48(FP), DX
	MOVQ         DX, R11
	ANDQ         $-16, R11
	SHLQ         $2, R11            // bytes in whole vectors of a row
	SHLQ         $2, DX             // bytes in a row
	MOVQ         rows+40(FP), CX

row:
	XORQ BX, BX
	CMPQ R11, $0
	JEQ  tail

col:
	VMOVUPS (SI)(BX*1), Z0
	VSUBPS  (R8)(BX*1), Z0, Z0
	VMULPS  (R9)(BX*1), Z0, Z0
	VADDPS  (R10)(BX*1), Z0, Z0
	TESTQ   R12, R12
	JEQ     storeCol
	LEAKY(Z0, Z1, K1)

storeCol:
	VMOVUPS Z0, (DI)(BX*1)
	ADDQ    $64, BX
	CMPQ    BX, R11
	JLT     col

tail:
	CMPQ      BX, DX
	JEQ       next
	VMOVUPS.Z (SI)(BX*1), K7, Z0
	VMOVUPS.Z (R8)(BX*1), K7, Z1
	VMOVUPS.Z (R9)(BX*1), K7, Z2
	VMOVUPS.Z (R10)(BX*1), K7, Z3
	VSUBPS    Z1, Z0, Z0
	VMULPS    Z2, Z0, Z0
	VADDPS    Z3, Z0, Z0
	TESTQ     R12, R12
	JEQ       storeTail
	LEAKY(Z0, Z1, K1)

storeTail:
	VMOVUPS Z0, K7, (DI)(BX*1)

next:
	ADDQ DX, SI
	ADDQ DX, DI
	DECQ CX
	JNZ  row
	VZEROUPPER
	RET

// BNGRAD sets Z1 to k·((dz − mg) − x̂·mgx), x̂ = (x − mu)·invStd, from x in
// Z0, dz in Z1, mu in Z2, invStd in Z3, k in Z4, mg in Z5 and mgx in Z6.
#define BNGRAD \
	VSUBPS Z2, Z0, Z0; \
	VMULPS Z3, Z0, Z0; \
	VMULPS Z6, Z0, Z0; \
	VSUBPS Z5, Z1, Z1; \
	VSUBPS Z0, Z1, Z1; \
	VMULPS Z1, Z4, Z1

// func bnGradRowsAVX512(dx, x, dz, mu, invStd, k, mg, mgx *float32, rows, c, add int)
//
//	for r < rows, j < c: i := r*c + j
//		d := k[j] * (dz[i] - mg[j] - (x[i]-mu[j])*invStd[j]*mgx[j])
//		dx[i] = d, or dx[i] += d if add
TEXT ·bnGradRowsAVX512(SB), NOSPLIT, $0-88
	MOVQ dx+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dz+16(FP), DX
	MOVQ mu+24(FP), R8
	MOVQ invStd+32(FP), R9
	MOVQ k+40(FP), R10
	MOVQ mg+48(FP), R11
	MOVQ mgx+56(FP), R12
	MOVQ c+72(FP), CX
	ANDL $15, CX
	TAILMASK(K7)          // the last c%16 channels
	MOVQ c+72(FP), AX
	MOVQ AX, R13
	ANDQ $-16, R13
	SHLQ $2, R13          // bytes in whole vectors of a row
	SHLQ $2, AX           // bytes in a row
	MOVQ rows+64(FP), CX

row:
	XORQ BX, BX
	CMPQ R13, $0
	JEQ  tail

col:
	VMOVUPS (SI)(BX*1), Z0
	VMOVUPS (DX)(BX*1), Z1
	VMOVUPS (R8)(BX*1), Z2
	VMOVUPS (R9)(BX*1), Z3
	VMOVUPS (R10)(BX*1), Z4
	VMOVUPS (R11)(BX*1), Z5
	VMOVUPS (R12)(BX*1), Z6
	BNGRAD
	CMPQ    add+80(FP), $0
	JEQ     storeCol
	VADDPS  (DI)(BX*1), Z1, Z1

storeCol:
	VMOVUPS Z1, (DI)(BX*1)
	ADDQ    $64, BX
	CMPQ    BX, R13
	JLT     col

tail:
	CMPQ      BX, AX
	JEQ       next
	VMOVUPS.Z (SI)(BX*1), K7, Z0
	VMOVUPS.Z (DX)(BX*1), K7, Z1
	VMOVUPS.Z (R8)(BX*1), K7, Z2
	VMOVUPS.Z (R9)(BX*1), K7, Z3
	VMOVUPS.Z (R10)(BX*1), K7, Z4
	VMOVUPS.Z (R11)(BX*1), K7, Z5
	VMOVUPS.Z (R12)(BX*1), K7, Z6
	BNGRAD
	CMPQ      add+80(FP), $0
	JEQ       storeTail
	VMOVUPS.Z (DI)(BX*1), K7, Z7
	VADDPS    Z7, Z1, Z1

storeTail:
	VMOVUPS Z1, K7, (DI)(BX*1)

next:
	ADDQ AX, SI
	ADDQ AX, DX
	ADDQ AX, DI
	DECQ CX
	JNZ  row
	VZEROUPPER
	RET

// ADAM updates m (Z1), v (Z3) and p (Z6) from g (Z0), with β1 in Z20,
// 1−β1 in Z21, β2 in Z22, 1−β2 in Z23, eps in Z24, stepSize in Z25 and
// sqrtC2 in Z26; it clobbers Z2, Z4, Z5.
#define ADAM \
	VMULPS  Z1, Z20, Z1 /* m = β1·m + (1−β1)·g */; \
	VMULPS  Z0, Z21, Z2; \
	VADDPS  Z2, Z1, Z1; \
	VMULPS  Z3, Z22, Z3 /* v = β2·v + ((1−β2)·g)·g */; \
	VMULPS  Z0, Z23, Z4; \
	VMULPS  Z0, Z4, Z4; \
	VADDPS  Z4, Z3, Z3; \
	VSQRTPS Z3, Z4 /* denom = √v/sqrtC2 + eps */; \
	VDIVPS  Z26, Z4, Z4; \
	VADDPS  Z24, Z4, Z4; \
	VMULPS  Z1, Z25, Z5 /* p −= (stepSize·m)/denom */; \
	VDIVPS  Z4, Z5, Z5; \
	VSUBPS  Z5, Z6, Z6

// func adamAVX512(p, grad, m, v *float32, n int, b1, c1, b2, c2, eps, stepSize, sqrtC2 float32)
//
//	for i < n: adamStepGo's update of p[i], m[i], v[i] (grad is only read)
TEXT ·adamAVX512(SB), NOSPLIT, $0-68
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), DX
	MOVQ         v+24(FP), R8
	MOVQ         n+32(FP), CX
	VBROADCASTSS b1+40(FP), Z20
	VBROADCASTSS c1+44(FP), Z21
	VBROADCASTSS b2+48(FP), Z22
	VBROADCASTSS c2+52(FP), Z23
	VBROADCASTSS eps+56(FP), Z24
	VBROADCASTSS stepSize+60(FP), Z25
	VBROADCASTSS sqrtC2+64(FP), Z26

loop16:
	CMPQ    CX, $16
	JLT     tail
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z1
	VMOVUPS (R8), Z3
	VMOVUPS (DI), Z6
	ADAM
	VMOVUPS Z1, (DX)
	VMOVUPS Z3, (R8)
	VMOVUPS Z6, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, R8
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop16

tail:
	TESTQ     CX, CX
	JEQ       done
	TAILMASK(K7)
	VMOVUPS.Z (SI), K7, Z0
	VMOVUPS.Z (DX), K7, Z1
	VMOVUPS.Z (R8), K7, Z3
	VMOVUPS.Z (DI), K7, Z6
	ADAM
	VMOVUPS   Z1, K7, (DX)
	VMOVUPS   Z3, K7, (R8)
	VMOVUPS   Z6, K7, (DI)

done:
	VZEROUPPER
	RET

// The float64 channel sums below (momentSumsAVX512, gradSumsAVX512) share these. CHANNEL_MASKS turns c ≤ 16 in CX
// into masks: K1 the row's c floats, K2 channels 0..7 and K3 channels 8..15 (8-lane operations read a mask's low 8
// bits). SUMS_LOAD and SUMS_STORE move the sums a (R10) and b (R11) to and from Z0/Z1 and Z2/Z3 (channels 0..7
// and 8..15).
#define CHANNEL_MASKS MOVQ $1, AX; SHLQ CX, AX; DECQ AX; KMOVW AX, K1; KMOVW AX, K2; SHRQ $8, AX; KMOVW AX, K3
#define SUMS_LOAD VMOVUPD.Z (R10), K2, Z0; VMOVUPD.Z 64(R10), K3, Z1; VMOVUPD.Z (R11), K2, Z2; VMOVUPD.Z 64(R11), K3, Z3
#define SUMS_STORE VMOVUPD Z0, K2, (R10); VMOVUPD Z1, K3, 64(R10); VMOVUPD Z2, K2, (R11); VMOVUPD Z3, K3, 64(R11)

// func momentSumsAVX512(x *float32, rows, ld, c int, shift, a, b *float64)
//
// momentSumsGo for c ≤ 16 channels of rows rows ld values apart: for each row in order and j < c,
//	d = float64(x[j]) − shift[j]; a[j] += d; b[j] += d·d
// with a separate multiply and add, as Go computes it. Channels 0..7 in Z0/Z2, 8..15 in Z1/Z3.
TEXT ·momentSumsAVX512(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ rows+8(FP), R12
	MOVQ ld+16(FP), R8
	MOVQ c+24(FP), CX
	MOVQ shift+32(FP), R9
	MOVQ a+40(FP), R10
	MOVQ b+48(FP), R11
	SHLQ $2, R8
	CHANNEL_MASKS
	VMOVUPD.Z (R9), K2, Z20
	VMOVUPD.Z 64(R9), K3, Z21
	SUMS_LOAD
mloop:
	TESTQ R12, R12
	JLE mdone
	VMOVUPS.Z (SI), K1, Z4
	VCVTPS2PD Y4, Z5
	VEXTRACTF64X4 $1, Z4, Y6
	VCVTPS2PD Y6, Z6
	VSUBPD Z20, Z5, Z5
	VSUBPD Z21, Z6, Z6
	VADDPD Z5, Z0, Z0
	VADDPD Z6, Z1, Z1
	VMULPD Z5, Z5, Z5
	VMULPD Z6, Z6, Z6
	VADDPD Z5, Z2, Z2
	VADDPD Z6, Z3, Z3
	ADDQ R8, SI
	DECQ R12
	JMP mloop
mdone:
	SUMS_STORE
	VZEROUPPER
	RET

// func gradSumsAVX512(x, dz *float32, rows, ld, c int, mean, invStd *float32, a, b *float64)
//
// gradSumsGo for c ≤ 16 channels of rows rows ld values apart: for each row in order and j < c,
//	x̂ = (x[j] − mean[j])·invStd[j] (float32); a[j] += float64(dz[j]); b[j] += float64(dz[j]·x̂)
TEXT ·gradSumsAVX512(SB), NOSPLIT, $0-72
	MOVQ x+0(FP), SI
	MOVQ dz+8(FP), DI
	MOVQ rows+16(FP), R12
	MOVQ ld+24(FP), R8
	MOVQ c+32(FP), CX
	MOVQ mean+40(FP), R9
	MOVQ invStd+48(FP), R13
	MOVQ a+56(FP), R10
	MOVQ b+64(FP), R11
	SHLQ $2, R8
	CHANNEL_MASKS
	VMOVUPS.Z (R9), K1, Z20
	VMOVUPS.Z (R13), K1, Z21
	SUMS_LOAD
gloop:
	TESTQ R12, R12
	JLE gdone
	VMOVUPS.Z (SI), K1, Z4
	VMOVUPS.Z (DI), K1, Z5
	VSUBPS Z20, Z4, Z4
	VMULPS Z21, Z4, Z4   // x̂
	VMULPS Z4, Z5, Z6    // dz·x̂
	VCVTPS2PD Y5, Z7
	VEXTRACTF64X4 $1, Z5, Y8
	VCVTPS2PD Y8, Z8
	VADDPD Z7, Z0, Z0
	VADDPD Z8, Z1, Z1
	VCVTPS2PD Y6, Z9
	VEXTRACTF64X4 $1, Z6, Y10
	VCVTPS2PD Y10, Z10
	VADDPD Z9, Z2, Z2
	VADDPD Z10, Z3, Z3
	ADDQ R8, SI
	ADDQ R8, DI
	DECQ R12
	JMP gloop
gdone:
	SUMS_STORE
	VZEROUPPER
	RET
