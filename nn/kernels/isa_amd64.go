//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// What this CPU can run: the AVX-512 kernels need AVX-512F, the AVX2 ones
// AVX2 and FMA.
var (
	canAVX512 = cpu.X86.HasAVX512F
	canAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

const canNEON = false

// gemmKernel returns the GEMM micro-kernel of isa.
func gemmKernel(isa ISA) *microKernel {
	switch isa {
	case AVX512:
		return &avx512Kernel
	case AVX2:
		return &avx2Kernel
	}
	return &goKernel
}
