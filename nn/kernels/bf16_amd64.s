//go:build !noasm

#include "textflag.h"

// func pairPanelAVX512BF16(pan *float32, kc, w int)
//
// toBF16Pairs in one call: for each pair pp of the kc rows of w values, row pp of pan becomes
// bf16(row 2pp) | bf16(row 2pp+1) << 16 (row kc counts as zeros), 16 values at a time, the last group of a row
// read under a mask. Each write lands at or before the values still to be read (see toBF16Pairs). A row's last
// group is stored whole where its 16 values end before the next pair's rows and the panel's end (the values past
// the row are written again by the next pair, or lie past the pairs, which the kernel does not read), and under a
// mask only where they do not: AMD's cores run masked stores slowly, and A's panels have rows of 14 values.
// VCVTNEPS2BF16 rounds to nearest even (inputs' denormals count as zero, as VDPBF16PS counts them anyway); Go's
// assembler does not know it, so it is written as bytes.
TEXT ·pairPanelAVX512BF16(SB), NOSPLIT, $0-24
	MOVQ pan+0(FP), DI
	MOVQ kc+8(FP), BX
	MOVQ w+16(FP), R8
	MOVQ DI, SI
	MOVQ R8, R9
	SHLQ $2, R9          // R9: a row's bytes
	MOVQ BX, R12
	IMULQ R9, R12
	ADDQ DI, R12         // R12: the panel's end
pairs:
	CMPQ BX, $0
	JLE pdone
	MOVQ SI, R10
	LEAQ (SI)(R9*1), DX
	MOVQ DI, R11
	MOVQ R8, CX
	LEAQ (SI)(R9*2), R13 // R13: where a whole store may reach: the next pair's rows or the panel's end
	CMPQ R13, R12
	JLE chunk
	MOVQ R12, R13
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
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xc8 // VCVTNEPS2BF16 Z0, Y1
	VPMOVZXWD Y1, Z1
	CMPQ BX, $1
	JEQ pstore
	VMOVUPS.Z (DX), K1, Z2
	BYTE $0x62; BYTE $0xf2; BYTE $0x7e; BYTE $0x48; BYTE $0x72; BYTE $0xda // VCVTNEPS2BF16 Z2, Y3
	VPMOVZXWD Y3, Z3
	VPSLLD $16, Z3, Z3
	VPORD Z3, Z1, Z1
pstore:
	LEAQ 64(R11), AX
	CMPQ AX, R13
	JGT pmasked
	VMOVUPS Z1, (R11)
	JMP padvance
pmasked:
	VMOVUPS Z1, K1, (R11)
padvance:
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
