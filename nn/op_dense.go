package nn

import "fmt"

// MatMul returns the matrix product a·b of a [m, k] and b [k, n].
func MatMul(a, b *Tensor) *Tensor {
	if len(a.Shape) != 2 || len(b.Shape) != 2 || a.Shape[1] != b.Shape[0] {
		panic(fmt.Sprintf("nn: matmul %v x %v", a.Shape, b.Shape))
	}
	return linear(a, b, nil)
}

// Linear returns x·w + b for x [n, in], w [in, out] and b [out] (b may be nil): a dense layer.
func Linear(x, w, b *Tensor) *Tensor {
	if len(x.Shape) != 2 || len(w.Shape) != 2 || x.Shape[1] != w.Shape[0] {
		panic(fmt.Sprintf("nn: matmul %v x %v", x.Shape, w.Shape))
	}
	if b != nil && (len(b.Shape) != 1 || b.Shape[0] != w.Shape[1]) {
		panic(fmt.Sprintf("nn: linear bias %v for weights %v", b.Shape, w.Shape))
	}
	return linear(x, w, b)
}

// linear is a·w (+ b), the bias added in place on the product: one tensor, not two.
func linear(a, w, b *Tensor) *Tensor {
	m, k, n := a.Shape[0], a.Shape[1], w.Shape[1]
	out, record := result("matmul", []int{m, n}, a, w, b)
	be := out.dev
	be.Gemm(out.data, n, false, false, m, n, k, 1, a.data, k, w.data, n, 0)
	biasAct(out, b, Identity)
	if record {
		out.backward = func() {
			g := biasActBackward(out, b, Identity)
			if a.requiresGrad { // da += g·wᵀ
				be.Gemm(a.gradBuf(), k, false, true, m, k, n, 1, g, n, w.data, n, 1)
			}
			if w.requiresGrad { // dw += aᵀ·g
				be.Gemm(w.gradBuf(), n, true, false, k, n, m, 1, a.data, k, g, n, 1)
			}
		}
	}
	return out
}
