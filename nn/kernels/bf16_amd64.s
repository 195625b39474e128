//go:build !noasm

#include "textflag.h"

// The rounding shared by the pairings below. VCVTNEPS2BF16 rounds 16 floats to nearest even (inputs' denormals
// count as zero, as VDPBF16PS counts them anyway); Go's assembler does not know it, so it is written as bytes.
// PAIR_LOW rounds Z0 into the low halves of Z1's 32-bit lanes (the high halves zero); PAIR_HIGH rounds Z2 into
// their high halves (Z3 is scratch).
#define PAIR_LOW BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xc8; VPMOVZXWD Y1, Z1
#define PAIR_HIGH BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xda; VPMOVZXWD Y3, Z3; VPSLLD $16, Z3, Z3; VPORD Z3, Z1, Z1

// func pairPanelAVX512BF16(pan *float32, kc, w int)
//
// toBF16Pairs in one call: for each pair pp of the kc rows of w values, row pp of pan becomes
// bf16(row 2pp) | bf16(row 2pp+1) << 16 (row kc counts as zeros), 16 values at a time, the last group of a row
// masked. Each write lands at or before the values still to be read (see toBF16Pairs).
TEXT ·pairPanelAVX512BF16(SB), NOSPLIT, $0-24
	MOVQ pan+0(FP), DI
	MOVQ kc+8(FP), BX
	MOVQ w+16(FP), R8
	MOVQ DI, SI
	MOVQ R8, R9
	SHLQ $2, R9
pairs:
	CMPQ BX, $0
	JLE pdone
	MOVQ SI, R10
	LEAQ (SI)(R9*1), DX
	MOVQ DI, R11
	MOVQ R8, CX
chunk:
	TESTQ CX, CX
	JLE next
	MOVQ $-1, AX
	CMPQ CX, $16
	JGE pfull
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
pfull:
	KMOVW AX, K1
	VMOVUPS.Z (R10), K1, Z0
	PAIR_LOW
	CMPQ BX, $1
	JEQ pstore
	VMOVUPS.Z (DX), K1, Z2
	PAIR_HIGH
pstore:
	VMOVUPS Z1, K1, (R11)
	ADDQ $64, R10
	ADDQ $64, DX
	ADDQ $64, R11
	SUBQ $16, CX
	JMP chunk
next:
	LEAQ (SI)(R9*2), SI
	ADDQ R9, DI
	SUBQ $2, BX
	JMP pairs
pdone:
	VZEROUPPER
	RET

// func pairRowsPanelsAVX512BF16(dst, lo, hi *float32, n, stride int)
//
// Packs two rows of a non-transposed B into their row of bfloat16 pairs in each 32-column panel: for q < ⌈n/32⌉
// and j < 32, dst[q*stride+j] = bf16(lo[q*32+j]) | bf16(hi[q*32+j]) << 16, with columns past n (and hi nil)
// counting as zeros; each panel's row is stored whole. The rounding is toBF16Pairs's.
TEXT ·pairRowsPanelsAVX512BF16(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ lo+8(FP), SI
	MOVQ hi+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ stride+32(FP), R8
	SHLQ $2, R8
	VPXORD Z3, Z3, Z3
rpanel:
	TESTQ CX, CX
	JLE rdone
	MOVQ DI, R11
	MOVQ $2, R9          // two groups of 16 a panel
rgroup:
	MOVQ $-1, AX
	CMPQ CX, $16
	JGE rfull
	MOVQ $0, AX
	TESTQ CX, CX
	JLE rfull
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
rfull:
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	PAIR_LOW
	TESTQ DX, DX
	JEQ rstore
	VMOVUPS.Z (DX), K1, Z2
	PAIR_HIGH
	ADDQ $64, DX
rstore:
	VMOVUPS Z1, (R11)
	ADDQ $64, SI
	ADDQ $64, R11
	SUBQ $16, CX
	DECQ R9
	JNZ rgroup
	ADDQ R8, DI
	JMP rpanel
rdone:
	VZEROUPPER
	RET

// func packA14TransPairsAVX512(dst, src *float32, lda, kc, panels int, alpha float32)
//
// packA14TransAVX512 and toBF16Pairs in one pass: packs panels of 14 columns of a stored-transposed A as bfloat16
// pairs, for q < panels, pp < ⌈kc/2⌉ and i < 14,
//	dst[q*kc*14+pp*14+i] = bf16(alpha · src[2pp*lda+q*14+i]) | bf16(alpha · src[(2pp+1)*lda+q*14+i]) << 16
// (row kc counts as zeros). The scaling and rounding are the two passes'.
TEXT ·packA14TransPairsAVX512(SB), NOSPLIT, $0-44
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ kc+24(FP), CX
	MOVQ panels+32(FP), BX
	VBROADCASTSS alpha+40(FP), Z31
	SHLQ $2, R8          // a row's bytes
	IMUL3Q $56, CX, R9   // a panel's bytes (kc rows of 14)
	MOVL $0x3fff, AX
	KMOVW AX, K1
	TESTQ BX, BX
	JEQ tpdone
tprow:                   // rows 2pp (SI) and 2pp+1 into row pp (DI) of every panel
	TESTQ CX, CX
	JLE tpdone
	MOVQ SI, R10
	LEAQ (SI)(R8*1), DX
	MOVQ DI, R11
	MOVQ BX, R12
tppanel:
	VMOVUPS.Z (R10), K1, Z0
	VMULPS Z31, Z0, Z0
	PAIR_LOW
	CMPQ CX, $1
	JEQ tpstore
	VMOVUPS.Z (DX), K1, Z2
	VMULPS Z31, Z2, Z2
	PAIR_HIGH
tpstore:
	VMOVUPS Z1, K1, (R11)
	ADDQ $56, R10
	ADDQ $56, DX
	ADDQ R9, R11
	DECQ R12
	JNZ tppanel
	LEAQ (SI)(R8*2), SI
	ADDQ $56, DI
	SUBQ $2, CX
	JMP tprow
tpdone:
	VZEROUPPER
	RET
