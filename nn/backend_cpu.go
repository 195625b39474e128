package nn

import (
	"fmt"
	"slices"
	"sync"

	"sdgan/nn/kernels"
)

// cpuBuffer is the CPU backend's Buffer: memory on the heap.
type cpuBuffer struct{ s []float32 }

// Len is the number of values.
func (b *cpuBuffer) Len() int { return len(b.s) }

// cpuBackend is the CPU backend: package kernels on the host's memory. It keeps the buffers given back by Free
// for Alloc to hand out again (a step of training then allocates nothing once warmed up). A request takes the
// smallest free buffer that holds it, if that wastes at most a fraction of it (see fits), so that memory freed by
// one kind of tensor (the generator's gradients) serves another of a different size (the discriminator's
// activations) instead of the backend growing a set of buffers for every length.
type cpuBackend struct {
	mu   sync.Mutex
	free []*cpuBuffer // by capacity, smallest first
}

var theCPU = newCPU()

func newCPU() *cpuBackend { return &cpuBackend{} }

// CPU returns the CPU backend: package kernels on the host's memory, with the instruction set kernels.Active
// picks (AVX-512, AVX2 or portable Go).
func CPU() Backend { return theCPU }

// cpuSlice returns the memory of b, which must be a CPU buffer (nil for nil).
func cpuSlice(b Buffer) []float32 {
	if b == nil {
		return nil
	}
	cb, ok := b.(*cpuBuffer)
	if !ok {
		panic(fmt.Sprintf("nn: a %T is not CPU memory: copy it to the host through its backend", b))
	}
	return cb.s
}

func (*cpuBackend) Name() string { return "cpu" }

// fits reports whether a free buffer of capacity c may serve a request for n values: it wastes at most
// wasteDiv-th of c.
func fits(c, n int) bool { return c-n <= c/wasteDiv }

const wasteDiv = 4

func (c *cpuBackend) Alloc(n int, zero bool) Buffer {
	c.mu.Lock()
	i, _ := slices.BinarySearchFunc(c.free, n, func(b *cpuBuffer, n int) int { return cap(b.s) - n })
	if i == len(c.free) || !fits(cap(c.free[i].s), n) {
		c.mu.Unlock()
		return &cpuBuffer{s: make([]float32, n)} // zeroed
	}
	b := c.free[i]
	c.free = slices.Delete(c.free, i, i+1)
	c.mu.Unlock()
	b.s = b.s[:n]
	if zero {
		clear(b.s)
	}
	return b
}

func (c *cpuBackend) Free(b Buffer) {
	cb := b.(*cpuBuffer)
	c.mu.Lock()
	i, _ := slices.BinarySearchFunc(c.free, cap(cb.s), func(b *cpuBuffer, n int) int { return cap(b.s) - n })
	c.free = slices.Insert(c.free, i, cb)
	c.mu.Unlock()
}

func (*cpuBackend) CopyFromHost(dst Buffer, src []float32) { copyExact(cpuSlice(dst), src) }
func (*cpuBackend) CopyToHost(dst []float32, src Buffer)   { copyExact(dst, cpuSlice(src)) }
func (*cpuBackend) Copy(dst, src Buffer)                   { copyExact(cpuSlice(dst), cpuSlice(src)) }
func (*cpuBackend) Fill(dst Buffer, v float32)             { kernels.Fill(cpuSlice(dst), v) }

// copyExact copies src to dst, which must have as many values.
func copyExact(dst, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("nn: copy of %d values into %d", len(src), len(dst)))
	}
	copy(dst, src)
}

func (*cpuBackend) Gemm(c Buffer, ldc int, transA, transB bool, m, n, k int, alpha float32, a Buffer, lda int,
	b Buffer, ldb int, beta float32) {
	kernels.Sgemm(transA, transB, m, n, k, alpha, cpuSlice(a), lda, cpuSlice(b), ldb, beta, cpuSlice(c), ldc)
}

func (*cpuBackend) Conv2D(y, x, w Buffer, p ConvParams, add bool) {
	kernels.Conv2D(p, cpuSlice(x), cpuSlice(w), cpuSlice(y), add)
}

func (*cpuBackend) Conv2DBackwardData(dx, dy, w Buffer, p ConvParams, add bool) {
	kernels.Conv2DBackwardData(p, cpuSlice(dy), cpuSlice(w), cpuSlice(dx), add)
}

func (*cpuBackend) Conv2DBackwardFilter(dw, x, dy Buffer, p ConvParams, add bool) {
	kernels.Conv2DBackwardFilter(p, cpuSlice(x), cpuSlice(dy), cpuSlice(dw), add)
}

func (*cpuBackend) Activate(y, x Buffer, act Activation) {
	kernels.Activate(cpuSlice(y), cpuSlice(x), act.Kernel())
}

func (*cpuBackend) ActivationGrad(dx, dy, y Buffer, act Activation, add bool) {
	kernels.ActivationGrad(cpuSlice(dx), cpuSlice(dy), cpuSlice(y), act.Kernel(), add)
}

func (*cpuBackend) BiasAct(y, b Buffer, act Activation) {
	kernels.BiasAct(cpuSlice(y), cpuSlice(b), act.Kernel())
}

func (*cpuBackend) BiasGrad(db, dy Buffer) { kernels.BiasGrad(cpuSlice(db), cpuSlice(dy)) }

func (*cpuBackend) Unary(op UnaryOp, y, x Buffer, alpha float32) {
	kernels.Unary(op, cpuSlice(y), cpuSlice(x), alpha)
}

func (*cpuBackend) UnaryGrad(op UnaryOp, dx, dy, x, y Buffer, alpha float32) {
	kernels.UnaryGrad(op, cpuSlice(dx), cpuSlice(dy), cpuSlice(x), cpuSlice(y), alpha)
}

func (*cpuBackend) Binary(op BinaryOp, y, a, b Buffer, ys, as, bs []int) {
	kernels.Binary(op, cpuSlice(y), cpuSlice(a), cpuSlice(b), ys, as, bs)
}

func (*cpuBackend) BinaryGrad(op BinaryOp, da, db, dy, a, b Buffer, ys, as, bs []int) {
	kernels.BinaryGrad(op, cpuSlice(da), cpuSlice(db), cpuSlice(dy), cpuSlice(a), cpuSlice(b), ys, as, bs)
}

func (*cpuBackend) Scale(y, x Buffer, c float32) { kernels.Scale(cpuSlice(y), cpuSlice(x), c) }

func (*cpuBackend) Axpy(y Buffer, alpha float32, x Buffer) {
	kernels.Axpy(cpuSlice(y), alpha, cpuSlice(x))
}

func (*cpuBackend) DivScalar(y, a, b Buffer) {
	kernels.DivScalar(cpuSlice(y), cpuSlice(a), cpuSlice(b))
}

func (*cpuBackend) DivScalarGrad(da, db, dy, a, b Buffer) {
	kernels.DivScalarGrad(cpuSlice(da), cpuSlice(db), cpuSlice(dy), cpuSlice(a), cpuSlice(b))
}

func (*cpuBackend) SumAxes(y, x Buffer, xs, keep []int, scale float64) {
	kernels.SumAxes(cpuSlice(y), cpuSlice(x), xs, keep, scale)
}

func (*cpuBackend) SumAxesGrad(dx, dy Buffer, xs, keep []int, scale float32) {
	kernels.SumAxesGrad(cpuSlice(dx), cpuSlice(dy), xs, keep, scale)
}

func (*cpuBackend) Copy2D(dst Buffer, dstOff, dstLd int, src Buffer, srcOff, srcLd, rows, cols int, add bool) {
	kernels.Copy2D(cpuSlice(dst), dstOff, dstLd, cpuSlice(src), srcOff, srcLd, rows, cols, add)
}

func (*cpuBackend) Transpose(y, x Buffer, xs, perm []int, add bool) {
	kernels.Transpose(cpuSlice(y), cpuSlice(x), xs, perm, add)
}

func (*cpuBackend) Upsample2x(y, x Buffer, n, h, w, c int) {
	kernels.Upsample2x(cpuSlice(y), cpuSlice(x), n, h, w, c)
}

func (*cpuBackend) Upsample2xGrad(dx, dy Buffer, n, h, w, c int) {
	kernels.Upsample2xGrad(cpuSlice(dx), cpuSlice(dy), n, h, w, c)
}

func (*cpuBackend) Shift(dst, src Buffer, n, h, w, c int, dy, dx []int, sign int) {
	kernels.Shift(cpuSlice(dst), cpuSlice(src), n, h, w, c, dy, dx, sign)
}

func (*cpuBackend) BatchNorm(y, mean, invStd, runMean, runVar, x, gamma, beta Buffer, p BatchNormParams, act Activation) {
	kernels.BatchNorm(cpuSlice(y), cpuSlice(mean), cpuSlice(invStd), cpuSlice(runMean), cpuSlice(runVar), cpuSlice(x),
		cpuSlice(gamma), cpuSlice(beta), p, act.Kernel())
}

func (*cpuBackend) BatchNormGrad(dx, dgamma, dbeta, dz, x, gamma, mean, invStd Buffer, p BatchNormParams, add bool) {
	kernels.BatchNormGrad(cpuSlice(dx), cpuSlice(dgamma), cpuSlice(dbeta), cpuSlice(dz), cpuSlice(x), cpuSlice(gamma),
		cpuSlice(mean), cpuSlice(invStd), p, add)
}

func (*cpuBackend) SigmoidBCE(loss, logits, targets Buffer) {
	kernels.SigmoidBCE(cpuSlice(loss), cpuSlice(logits), cpuSlice(targets))
}

func (*cpuBackend) SigmoidBCEGrad(dlogits, dloss, logits, targets Buffer) {
	kernels.SigmoidBCEGrad(cpuSlice(dlogits), cpuSlice(dloss), cpuSlice(logits), cpuSlice(targets))
}

func (*cpuBackend) PairLoss(op LossOp, loss, a, b Buffer) {
	kernels.PairLoss(op, cpuSlice(loss), cpuSlice(a), cpuSlice(b))
}

func (*cpuBackend) PairLossGrad(op LossOp, da, db, dloss, a, b Buffer) {
	kernels.PairLossGrad(op, cpuSlice(da), cpuSlice(db), cpuSlice(dloss), cpuSlice(a), cpuSlice(b))
}

func (*cpuBackend) AdamStep(p, g, m, v Buffer, c AdamCoeffs) {
	kernels.AdamStep(cpuSlice(p), cpuSlice(g), cpuSlice(m), cpuSlice(v), c)
}

func (*cpuBackend) RMSPropStep(p, g, ms Buffer, lr, decay, eps float32) {
	kernels.RMSPropStep(cpuSlice(p), cpuSlice(g), cpuSlice(ms), lr, decay, eps)
}

func (*cpuBackend) Clamp(x Buffer, lo, hi float32) { kernels.Clamp(cpuSlice(x), lo, hi) }

func (*cpuBackend) MovingAverage(avg, cur Buffer, beta float32) {
	kernels.MovingAverage(cpuSlice(avg), cpuSlice(cur), beta)
}

func (*cpuBackend) Normalize(x Buffer) { kernels.Normalize(cpuSlice(x)) }

func (*cpuBackend) BilinearForm(w, u, v Buffer) float64 {
	return kernels.BilinearForm(cpuSlice(w), cpuSlice(u), cpuSlice(v))
}

func (*cpuBackend) SpectralNormGrad(dw, dy, y, u, v Buffer, inv float32) {
	kernels.SpectralNormGrad(cpuSlice(dw), cpuSlice(dy), cpuSlice(y), cpuSlice(u), cpuSlice(v), inv)
}
