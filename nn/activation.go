package nn

import (
	"runtime"
	"sync"

	"sdgan/nn/kernels"
)

// Activation is a pointwise nonlinearity that the fused ops (Conv2DAct, ConvTranspose2DAct, BatchNormAct) apply
// to their result in place, saving a tensor, its gradient and a pass over memory. Every activation here has a
// derivative that follows from its output y alone, so the op's pre-activation values need not be kept. The zero
// value is the identity.
type Activation struct {
	kind  actKind
	alpha float32 // LeakyReLU's slope for x ≤ 0
}

type actKind int

const (
	actIdentity actKind = iota
	actLeaky            // ReLU is LeakyReLU with alpha 0
	actTanh
	actELU
)

// Activations for the fused ops.
var (
	Identity = Activation{}               // no activation
	ReLUAct  = Activation{kind: actLeaky} // max(x, 0), as ReLU
	TanhAct  = Activation{kind: actTanh}  // tanh(x), as Tanh
	ELUAct   = Activation{kind: actELU}   // as ELU
)

// LeakyReLUAct is x for x > 0 and alpha·x otherwise, as LeakyReLU; alpha must be in [0, 1) so that the sign of
// the output says which branch was taken.
func LeakyReLUAct(alpha float32) Activation {
	if !(alpha >= 0 && alpha < 1) {
		panic("nn: leaky relu slope must be in [0, 1)")
	}
	return Activation{kind: actLeaky, alpha: alpha}
}

// parallelMin is the fewest elements for which an elementwise pass is split between two goroutines.
const parallelMin = 1 << 16

// parallel runs fn over [0, n) cut into parts (two halves for large n, else one part), the parts on separate
// goroutines when there is more than one core. The cut depends on n alone, so that work whose result depends on
// the partition (partial sums) is deterministic. fn gets the part's index and range.
func parallel(n int, fn func(part, lo, hi int)) { parallelRows(n, 1, fn) }

// parallelRows is parallel over rows of cols values each: the parts are whole rows, cut by the row count alone.
func parallelRows(rows, cols int, fn func(part, r0, r1 int)) {
	if rows < 2 || rows*cols < parallelMin {
		fn(0, 0, rows)
		return
	}
	mid := rows / 2
	if runtime.GOMAXPROCS(0) == 1 {
		fn(0, 0, mid)
		fn(1, mid, rows)
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fn(1, mid, rows)
	}()
	fn(0, 0, mid)
	wg.Wait()
}

// apply sets y[i] = act(x[i]); x and y may be the same slice.
func (a Activation) apply(x, y []float32) {
	parallel(len(x), func(_, lo, hi int) { a.applyRange(x[lo:hi], y[lo:hi]) })
}

func (a Activation) applyRange(x, y []float32) {
	y = y[:len(x)]
	switch a.kind {
	case actIdentity:
		copy(y, x)
	case actLeaky:
		// x·1 = x and x·alpha are exactly what LeakyReLU computes; for ReLU, x < 0 gives −0, which equals 0.
		kernels.Leaky(y, x, a.alpha)
	case actTanh:
		kernels.Tanh(y, x)
	case actELU:
		// kernels.ELU32: expm1 for x < 0, within one float32 ulp of math.Expm1's
		kernels.ELU(y, x)
	}
}

// gradInPlace multiplies the gradient g (with respect to the activation's output y) by act′ at y (the derivative
// is taken from the output), turning it into the gradient with respect to the activation's input.
func (a Activation) gradInPlace(y, g []float32) {
	if a.kind == actIdentity {
		return
	}
	parallel(len(y), func(_, lo, hi int) {
		y, g := y[lo:hi], g[lo:hi]
		switch a.kind {
		case actLeaky:
			// y > 0 exactly when x > 0 (alpha ≥ 0): factor 1, else alpha (ReLU: 0), as LeakyReLU's derivative.
			kernels.LeakyGrad(g, y, a.alpha)
		case actELU:
			kernels.ELUGrad(g, y) // factor 1 for y > 0, else y + 1
		case actTanh:
			for i, v := range y {
				g[i] *= 1 - v*v
			}
		}
	})
}

// gradAdd adds to gx the gradient with respect to the activation's input: gx[i] += gy[i]·act′ at y[i].
func (a Activation) gradAdd(y, gy, gx []float32) {
	parallel(len(y), func(_, lo, hi int) {
		y, gy, gx := y[lo:hi], gy[lo:hi], gx[lo:hi]
		switch a.kind {
		case actLeaky:
			kernels.LeakyGradAdd(gx, gy, y, a.alpha)
		case actELU:
			kernels.ELUGradAdd(gx, gy, y)
		case actTanh:
			for i, v := range y {
				gx[i] += gy[i] * (1 - v*v)
			}
		default: // identity
			for i, v := range gy {
				gx[i] += v
			}
		}
	})
}

// activate is the unfused activation op: act applied to x in a new tensor.
func activate(x *Tensor, a Activation) *Tensor {
	out, record := result(x.Shape, x)
	a.apply(x.Data, out.Data)
	if record {
		out.backward = func() {
			g := out.Grad
			if takeGrad(out, x) {
				a.gradInPlace(out.Data, g)
				return
			}
			a.gradAdd(out.Data, g, x.gradBuf())
		}
	}
	return out
}

// tanh32 is tanh for float32: kernels.Tanh32, Eigen's rational approximation, within 2.3e-7 of tanh.
func tanh32(x float32) float32 { return kernels.Tanh32(x) }
