//go:build !noasm

#include "textflag.h"

// RUNS_ARGS loads the arguments (dst, src, n, dstStride, srcStride, run) both functions below take: DI, SI, R10,
// the strides in bytes in R8 and R9, and the mask of run lanes in K1.
#define RUNS_ARGS MOVQ dst+0(FP), DI; MOVQ src+8(FP), SI; MOVQ n+16(FP), R10; MOVQ dstStride+24(FP), R8; MOVQ srcStride+32(FP), R9; MOVQ run+40(FP), CX; SHLQ $2, R8; SHLQ $2, R9; MOVQ $1, AX; SHLQ CX, AX; DECQ AX; KMOVW AX, K1

// func copyRunsAVX512(dst, src *float32, n, dstStride, srcStride, run int)
//
// For i < n and j < run (1 ≤ run ≤ 16): dst[i*dstStride+j] = src[i*srcStride+j], each run one masked load and
// one masked store.
TEXT ·copyRunsAVX512(SB), NOSPLIT, $0-48
	RUNS_ARGS
loop:
	TESTQ R10, R10
	JLE done
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ R10
	JMP loop
done:
	VZEROUPPER
	RET

// func addRunsAVX512(dst, src *float32, n, dstStride, srcStride, run int)
//
// For i < n in order and j < run (1 ≤ run ≤ 16): dst[i*dstStride+j] += src[i*srcStride+j], each run one masked
// load of each and one masked store. Runs may overlap in dst: each reads what the one before stored.
TEXT ·addRunsAVX512(SB), NOSPLIT, $0-48
	RUNS_ARGS
aloop:
	TESTQ R10, R10
	JLE adone
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ R10
	JMP aloop
adone:
	VZEROUPPER
	RET
