//go:build !noasm

#include "textflag.h"

// func pairRowsAVX512BF16(dst, lo, hi *float32, n int)
//
// For i < n: dst[i] = bf16(lo[i]) | bf16(hi[i]) << 16 (hi nil: zero), 16
// values at a time, the last group masked. VCVTNEPS2BF16 rounds to nearest
// even (inputs' denormals count as zero, as VDPBF16PS counts them anyway);
// Go's assembler does not know it, so it is written as bytes. dst may be lo.
TEXT ·pairRowsAVX512BF16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ lo+8(FP), SI
	MOVQ hi+16(FP), DX
	MOVQ n+24(FP), CX
	VPXORD Z3, Z3, Z3
loop:
	TESTQ CX, CX
	JLE done
	MOVQ $-1, AX
	CMPQ CX, $16
	JGE full
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
full:
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xc8 // VCVTNEPS2BF16 Z0, Y1
	VPMOVZXWD Y1, Z1
	TESTQ DX, DX
	JEQ store
	VMOVUPS.Z (DX), K1, Z2
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xda // VCVTNEPS2BF16 Z2, Y3
	VPMOVZXWD Y3, Z3
	VPSLLD $16, Z3, Z3
	VPORD Z3, Z1, Z1
	ADDQ $64, DX
store:
	VMOVUPS Z1, K1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop
done:
	VZEROUPPER
	RET
