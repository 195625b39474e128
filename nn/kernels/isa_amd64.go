//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// What this CPU can run: the AVX-512 kernels need AVX-512F, the AVX2 ones
// AVX2 and FMA.
var (
	canAVX512 = cpu.X86.HasAVX512F
	canAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	// canBF16: the bf16 kernel (VDPBF16PS) and its rounding (VCVTNEPS2BF16) need AVX512_BF16.
	canBF16 = canAVX512 && cpu.X86.HasAVX512BF16
)

const canNEON = false

// bf16Kernel is the bf16 GEMM micro-kernel, nil where the CPU lacks AVX512_BF16.
var bf16Kernel = func() *microKernel {
	if canBF16 {
		return &avx512BF16Kernel
	}
	return nil
}()

func init() { tuneForCore(ThisCPU().Core, &avx512Kernel, bf16Kernel) }

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
