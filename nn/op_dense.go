package nn

import (
	"fmt"

	"sdgan/nn/kernels"
)

// MatMul returns the matrix product a·b of a [m, k] and b [k, n].
func MatMul(a, b *Tensor) *Tensor {
	if len(a.Shape) != 2 || len(b.Shape) != 2 || a.Shape[1] != b.Shape[0] {
		panic(fmt.Sprintf("nn: matmul %v x %v", a.Shape, b.Shape))
	}
	m, k, n := a.Shape[0], a.Shape[1], b.Shape[1]
	out, record := result([]int{m, n}, a, b)
	kernels.Sgemm(false, false, m, n, k, 1, a.Data, k, b.Data, n, 0, out.Data, n)
	if record {
		out.backward = func() {
			if a.requiresGrad { // da += g·bᵀ
				kernels.Sgemm(false, true, m, k, n, 1, out.Grad, n, b.Data, n, 1, a.gradBuf(), k)
			}
			if b.requiresGrad { // db += aᵀ·g
				kernels.Sgemm(true, false, k, n, m, 1, a.Data, k, out.Grad, n, 1, b.gradBuf(), n)
			}
		}
	}
	return out
}

// Linear returns x·w + b for x [n, in], w [in, out] and b [out] (b may be nil): a dense layer.
func Linear(x, w, b *Tensor) *Tensor {
	y := MatMul(x, w)
	if b == nil {
		return y
	}
	if len(b.Shape) != 1 || b.Shape[0] != w.Shape[1] {
		panic(fmt.Sprintf("nn: linear bias %v for weights %v", b.Shape, w.Shape))
	}
	return addBias(y, b)
}
