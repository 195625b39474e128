//go:build !amd64 || noasm

package kernels

// Without assembly the ELU kernels are their Go versions (elu.go).

func elu(y, x []float32) { eluGo(y, x) }

func eluGrad(dst, gy, y []float32, add bool) { eluGradGo(dst, gy, y, add) }
