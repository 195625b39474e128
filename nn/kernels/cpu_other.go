//go:build !amd64 || noasm

package kernels

// fmaLoop: no register-only FMA loop off amd64's assembly.
func fmaLoop(ISA) (func(n int), float64) { return nil, 0 }

// readCPU: the processor is not read off amd64 (ThisCPU names the architecture).
func readCPU() CPU { return CPU{} }
