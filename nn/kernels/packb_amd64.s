//go:build !noasm

#include "textflag.h"

// func packBRowsAVX512(dst, src *float32, ldb, kc, nc, stride int)
//
// Packs kc rows of a non-transposed B, nc columns each, into panels of 32
// columns, the panels stride values apart: for p < kc and j < ⌈nc/32⌉·32,
//	dst[(j/32)*stride + p*32 + j%32] = src[p*ldb+j] if j < nc, else 0.
// The last panel's columns past nc are loaded under a mask (which does not
// fault past the end of src) and stored as zeros.
TEXT ·packBRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), R8
	MOVQ kc+24(FP), BX
	MOVQ nc+32(FP), R10
	MOVQ stride+40(FP), R9
	SHLQ $2, R8          // a row of src, in bytes
	SHLQ $2, R9          // a panel, in bytes
row:
	TESTQ BX, BX
	JLE done
	MOVQ DI, R11         // this row in panel 0
	MOVQ SI, R12
	MOVQ R10, CX         // columns left
panel:
	CMPQ CX, $32
	JL tail
	VMOVUPS (R12), Z0
	VMOVUPS 64(R12), Z1
	VMOVUPS Z0, (R11)
	VMOVUPS Z1, 64(R11)
	ADDQ $128, R12
	ADDQ R9, R11
	SUBQ $32, CX
	JMP panel
tail:
	TESTQ CX, CX
	JLE next
	MOVQ $-1, AX         // the first 16 columns' mask
	CMPQ CX, $16
	JGE low
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
low:
	KMOVW AX, K1
	VMOVUPS.Z (R12), K1, Z0
	VMOVUPS Z0, (R11)
	SUBQ $16, CX         // the second 16 columns: CX < 16 left
	MOVQ $0, AX
	TESTQ CX, CX
	JLE high
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
high:
	KMOVW AX, K2
	VMOVUPS.Z 64(R12), K2, Z1
	VMOVUPS Z1, 64(R11)
next:
	ADDQ R8, SI
	ADDQ $128, DI
	DECQ BX
	JMP row
done:
	VZEROUPPER
	RET
