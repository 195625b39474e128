// Package backendtest holds a backend for tests that checks the seam between package nn and its
// backends: it wraps the CPU backend, but its buffers are opaque handles that only it opens, so that any code
// that reaches for a tensor's memory some other way (a CPU-only accessor, a type assertion to the CPU's buffer)
// fails, and so does any use of a buffer after it was freed, or of another backend's buffer.
//
//	chk := backendtest.New()
//	defer nn.SetDefaultBackend(nn.SetDefaultBackend(chk))
//	... build a model, train a step, generate: the results are the CPU's, bit for bit ...
//	t.Logf("%+v", backendtest.CountsOf(chk))
package backendtest

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"sdgan/nn"
)

// checked is the checking backend.
type checked struct {
	cpu nn.Backend
	// copies to and from the host, values copied to it, buffers handed out and given back
	toHost, fromHost, toHostValues, allocs, frees atomic.Int64
	mu                                            sync.Mutex
	used                                          map[string]bool // the methods called, by name
}

// New returns a checking backend over the CPU backend, named "checked".
func New() nn.Backend { return &checked{cpu: nn.CPU(), used: map[string]bool{}} }

// Counts are what went through a checking backend.
type Counts struct {
	ToHost, FromHost int64    // copies to and from the host
	ToHostValues     int64    // values copied to the host
	Allocs, Frees    int64    // buffers handed out and given back
	Used             []string // the Backend methods called, sorted
}

// CountsOf returns the counts of b, a backend from New.
func CountsOf(b nn.Backend) Counts {
	c := b.(*checked)
	c.mu.Lock()
	defer c.mu.Unlock()
	return Counts{ToHost: c.toHost.Load(), FromHost: c.fromHost.Load(), ToHostValues: c.toHostValues.Load(),
		Allocs: c.allocs.Load(), Frees: c.frees.Load(), Used: slices.Sorted(maps.Keys(c.used))}
}

// note records that the method calling open (or note) was used.
func (c *checked) note(skip int) {
	pc, _, _, ok := runtime.Caller(skip + 1)
	if !ok {
		return
	}
	name := runtime.FuncForPC(pc).Name()
	name = name[strings.LastIndex(name, ".")+1:]
	c.mu.Lock()
	c.used[name] = true
	c.mu.Unlock()
}

// buffer is a checking backend's buffer: a handle on a CPU buffer that only its backend opens.
type buffer struct {
	owner *checked
	n     int
	mu    sync.Mutex
	cpu   nn.Buffer // nil once freed
}

// Len is the number of values.
func (b *buffer) Len() int { return b.n }

// open returns the CPU buffer behind b, panicking unless b is a live buffer of c (nil for nil).
func (c *checked) open(b nn.Buffer) nn.Buffer {
	c.note(1)
	if b == nil {
		return nil
	}
	cb, ok := b.(*buffer)
	if !ok {
		panic(fmt.Sprintf("backendtest: a %T reached the checked backend: memory of another backend", b))
	}
	if cb.owner != c {
		panic("backendtest: a buffer of another checked backend")
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if cb.cpu == nil {
		panic(fmt.Sprintf("backendtest: a buffer of %d values used after Free", cb.n))
	}
	return cb.cpu
}

// Name is "checked".
func (c *checked) Name() string { return "checked" }

// Alloc hands out a new handle on a CPU buffer.
func (c *checked) Alloc(n int, zero bool) nn.Buffer {
	if n < 0 {
		panic(fmt.Sprintf("backendtest: alloc of %d values", n))
	}
	c.note(0)
	c.allocs.Add(1)
	return &buffer{owner: c, n: n, cpu: c.cpu.Alloc(n, zero)}
}

// Free gives the CPU buffer back and kills the handle: a later use of it, or a second Free, panics.
func (c *checked) Free(b nn.Buffer) {
	inner := c.open(b)
	cb := b.(*buffer)
	cb.mu.Lock()
	cb.cpu = nil
	cb.mu.Unlock()
	c.frees.Add(1)
	c.cpu.Free(inner)
}

// CopyFromHost copies src into dst, counting the copy.
func (c *checked) CopyFromHost(dst nn.Buffer, src []float32) {
	c.fromHost.Add(1)
	c.cpu.CopyFromHost(c.open(dst), src)
}

// CopyToHost copies src to the host, counting the copy and its values.
func (c *checked) CopyToHost(dst []float32, src nn.Buffer) {
	c.toHost.Add(1)
	c.toHostValues.Add(int64(len(dst)))
	c.cpu.CopyToHost(dst, c.open(src))
}

// The kernels: each opens its buffers (panicking on a foreign or freed one) and calls the CPU's.

func (c *checked) Copy(dst, src nn.Buffer)           { c.cpu.Copy(c.open(dst), c.open(src)) }
func (c *checked) Fill(dst nn.Buffer, v float32)     { c.cpu.Fill(c.open(dst), v) }
func (c *checked) Normalize(x nn.Buffer)             { c.cpu.Normalize(c.open(x)) }
func (c *checked) Clamp(x nn.Buffer, lo, hi float32) { c.cpu.Clamp(c.open(x), lo, hi) }
func (c *checked) BiasGrad(db, dy nn.Buffer)         { c.cpu.BiasGrad(c.open(db), c.open(dy)) }
func (c *checked) Scale(y, x nn.Buffer, s float32)   { c.cpu.Scale(c.open(y), c.open(x), s) }
func (c *checked) DivScalar(y, a, b nn.Buffer)       { c.cpu.DivScalar(c.open(y), c.open(a), c.open(b)) }

func (c *checked) Gemm(cm nn.Buffer, ldc int, transA, transB bool, m, n, k int, alpha float32, a nn.Buffer, lda int,
	b nn.Buffer, ldb int, beta float32) {
	c.cpu.Gemm(c.open(cm), ldc, transA, transB, m, n, k, alpha, c.open(a), lda, c.open(b), ldb, beta)
}

func (c *checked) Conv2D(y, x, w nn.Buffer, p nn.ConvParams, add bool) {
	c.cpu.Conv2D(c.open(y), c.open(x), c.open(w), p, add)
}

func (c *checked) Conv2DBackwardData(dx, dy, w nn.Buffer, p nn.ConvParams, add bool) {
	c.cpu.Conv2DBackwardData(c.open(dx), c.open(dy), c.open(w), p, add)
}

func (c *checked) Conv2DBackwardFilter(dw, x, dy nn.Buffer, p nn.ConvParams, add bool) {
	c.cpu.Conv2DBackwardFilter(c.open(dw), c.open(x), c.open(dy), p, add)
}

func (c *checked) Activate(y, x nn.Buffer, act nn.Activation) {
	c.cpu.Activate(c.open(y), c.open(x), act)
}

func (c *checked) ActivationGrad(dx, dy, y nn.Buffer, act nn.Activation, add bool) {
	c.cpu.ActivationGrad(c.open(dx), c.open(dy), c.open(y), act, add)
}

func (c *checked) BiasAct(y, b nn.Buffer, act nn.Activation) {
	c.cpu.BiasAct(c.open(y), c.open(b), act)
}

func (c *checked) Unary(op nn.UnaryOp, y, x nn.Buffer, alpha float32) {
	c.cpu.Unary(op, c.open(y), c.open(x), alpha)
}

func (c *checked) UnaryGrad(op nn.UnaryOp, dx, dy, x, y nn.Buffer, alpha float32) {
	c.cpu.UnaryGrad(op, c.open(dx), c.open(dy), c.open(x), c.open(y), alpha)
}

func (c *checked) Binary(op nn.BinaryOp, y, a, b nn.Buffer, ys, as, bs []int) {
	c.cpu.Binary(op, c.open(y), c.open(a), c.open(b), ys, as, bs)
}

func (c *checked) BinaryGrad(op nn.BinaryOp, da, db, dy, a, b nn.Buffer, ys, as, bs []int) {
	c.cpu.BinaryGrad(op, c.open(da), c.open(db), c.open(dy), c.open(a), c.open(b), ys, as, bs)
}

func (c *checked) Axpy(y nn.Buffer, alpha float32, x nn.Buffer) {
	c.cpu.Axpy(c.open(y), alpha, c.open(x))
}

func (c *checked) DivScalarGrad(da, db, dy, a, b nn.Buffer) {
	c.cpu.DivScalarGrad(c.open(da), c.open(db), c.open(dy), c.open(a), c.open(b))
}

func (c *checked) SumAxes(y, x nn.Buffer, xs, keep []int, scale float64) {
	c.cpu.SumAxes(c.open(y), c.open(x), xs, keep, scale)
}

func (c *checked) SumAxesGrad(dx, dy nn.Buffer, xs, keep []int, scale float32) {
	c.cpu.SumAxesGrad(c.open(dx), c.open(dy), xs, keep, scale)
}

func (c *checked) Copy2D(dst nn.Buffer, dstOff, dstLd int, src nn.Buffer, srcOff, srcLd, rows, cols int, add bool) {
	c.cpu.Copy2D(c.open(dst), dstOff, dstLd, c.open(src), srcOff, srcLd, rows, cols, add)
}

func (c *checked) Transpose(y, x nn.Buffer, xs, perm []int, add bool) {
	c.cpu.Transpose(c.open(y), c.open(x), xs, perm, add)
}

func (c *checked) Upsample2x(y, x nn.Buffer, n, h, w, ch int) {
	c.cpu.Upsample2x(c.open(y), c.open(x), n, h, w, ch)
}

func (c *checked) Upsample2xGrad(dx, dy nn.Buffer, n, h, w, ch int) {
	c.cpu.Upsample2xGrad(c.open(dx), c.open(dy), n, h, w, ch)
}

func (c *checked) Shift(dst, src nn.Buffer, n, h, w, ch int, dy, dx []int, sign int) {
	c.cpu.Shift(c.open(dst), c.open(src), n, h, w, ch, dy, dx, sign)
}

func (c *checked) BatchNorm(y, mean, invStd, runMean, runVar, x, gamma, beta nn.Buffer, p nn.BatchNormParams,
	act nn.Activation) {
	c.cpu.BatchNorm(c.open(y), c.open(mean), c.open(invStd), c.open(runMean), c.open(runVar), c.open(x), c.open(gamma),
		c.open(beta), p, act)
}

func (c *checked) BatchNormGrad(dx, dgamma, dbeta, dz, x, gamma, mean, invStd nn.Buffer, p nn.BatchNormParams, add bool) {
	c.cpu.BatchNormGrad(c.open(dx), c.open(dgamma), c.open(dbeta), c.open(dz), c.open(x), c.open(gamma), c.open(mean),
		c.open(invStd), p, add)
}

func (c *checked) SigmoidBCE(loss, logits, targets nn.Buffer) {
	c.cpu.SigmoidBCE(c.open(loss), c.open(logits), c.open(targets))
}

func (c *checked) SigmoidBCEGrad(dlogits, dloss, logits, targets nn.Buffer) {
	c.cpu.SigmoidBCEGrad(c.open(dlogits), c.open(dloss), c.open(logits), c.open(targets))
}

func (c *checked) PairLoss(op nn.LossOp, loss, a, b nn.Buffer) {
	c.cpu.PairLoss(op, c.open(loss), c.open(a), c.open(b))
}

func (c *checked) PairLossGrad(op nn.LossOp, da, db, dloss, a, b nn.Buffer) {
	c.cpu.PairLossGrad(op, c.open(da), c.open(db), c.open(dloss), c.open(a), c.open(b))
}

func (c *checked) AdamStep(p, g, m, v nn.Buffer, co nn.AdamCoeffs) {
	c.cpu.AdamStep(c.open(p), c.open(g), c.open(m), c.open(v), co)
}

func (c *checked) RMSPropStep(p, g, ms nn.Buffer, lr, decay, eps float32) {
	c.cpu.RMSPropStep(c.open(p), c.open(g), c.open(ms), lr, decay, eps)
}

func (c *checked) MovingAverage(avg, cur nn.Buffer, beta float32) {
	c.cpu.MovingAverage(c.open(avg), c.open(cur), beta)
}

func (c *checked) BilinearForm(w, u, v nn.Buffer) float64 {
	return c.cpu.BilinearForm(c.open(w), c.open(u), c.open(v))
}

func (c *checked) SpectralNormGrad(dw, dy, y, u, v nn.Buffer, inv float32) {
	c.cpu.SpectralNormGrad(c.open(dw), c.open(dy), c.open(y), c.open(u), c.open(v), inv)
}
