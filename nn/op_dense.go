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
		out.vjp = func(g *Tensor, c *gradCtx) {
			if c.wants(b) {
				c.add(b, Sum(g, 0))
			}
			if c.wants(a) {
				c.add(a, matmulT(g, w, false, true))
			}
			if c.wants(w) {
				c.add(w, matmulT(a, g, true, false))
			}
		}
	}
	return out
}

// matmulT returns op(a)·op(b), op transposing its matrix when asked: a is [m, k] ([k, m] with transA) and b
// [k, n] ([n, k] with transB). It is the backward of a matrix product as an op (no transposed copy of the
// weights, which, off any tape, would not be recorded), and its own backward and vjp are products of the same
// kind.
func matmulT(a, b *Tensor, transA, transB bool) *Tensor {
	m, k, n := a.Shape[0], a.Shape[1], b.Shape[1]
	if transA {
		m, k = k, m
	}
	kb := b.Shape[0]
	if transB {
		n, kb = b.Shape[0], b.Shape[1]
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 || k != kb {
		panic(fmt.Sprintf("nn: matmul %v (transposed %v) x %v (transposed %v)", a.Shape, transA, b.Shape, transB))
	}
	lda, ldb := a.Shape[1], b.Shape[1]
	out, record := result("matmul", []int{m, n}, a, b)
	be := out.dev
	be.Gemm(out.data, n, transA, transB, m, n, k, 1, a.data, lda, b.data, ldb, 0)
	if record {
		out.backward = func() { // op(a)′ = g·op(b)ᵀ, op(b)′ = op(a)ᵀ·g, transposed back where op transposed
			g := out.grad
			if a.requiresGrad {
				if transA {
					be.Gemm(a.gradBuf(), m, transB, true, k, m, n, 1, b.data, ldb, g, n, 1)
				} else {
					be.Gemm(a.gradBuf(), k, false, !transB, m, k, n, 1, g, n, b.data, ldb, 1)
				}
			}
			if b.requiresGrad {
				if transB {
					be.Gemm(b.gradBuf(), k, true, transA, n, k, m, 1, g, n, a.data, lda, 1)
				} else {
					be.Gemm(b.gradBuf(), n, !transA, false, k, n, m, 1, a.data, lda, g, n, 1)
				}
			}
		}
		out.vjp = func(g *Tensor, c *gradCtx) {
			if c.wants(a) {
				if transA {
					c.add(a, matmulT(b, g, transB, true))
				} else {
					c.add(a, matmulT(g, b, false, !transB))
				}
			}
			if c.wants(b) {
				if transB {
					c.add(b, matmulT(g, a, true, transA))
				} else {
					c.add(b, matmulT(a, g, !transA, false))
				}
			}
		}
	}
	return out
}
