//go:build (!amd64 && !arm64) || noasm

package kernels

// Without assembly only the portable kernels exist.
const canAVX512, canAVX2, canNEON = false, false, false

// gemmKernel returns the GEMM micro-kernel of isa: the portable one.
func gemmKernel(ISA) *microKernel { return &goKernel }

// bf16Kernel: no bf16 GEMM without amd64 assembly.
var bf16Kernel *microKernel

// pairPanelAsm: none without amd64 assembly.
var pairPanelAsm func(pan []float32, kc, w int)
