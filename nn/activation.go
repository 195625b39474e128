package nn

import (
	"math"
	"runtime"
	"sync"
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
		// Branch-free: the sign bit picks the factor (a branch on random signs mispredicts half the time).
		// x·1 = x and x·alpha are exactly what LeakyReLU computes; for ReLU, x < 0 gives −0, which equals 0.
		f := [2]float32{1, a.alpha}
		for i, v := range x {
			y[i] = v * f[math.Float32bits(v)>>31]
		}
	case actTanh:
		for i, v := range x {
			y[i] = tanh32(v)
		}
	case actELU:
		for i, v := range x {
			if v <= 0 {
				v = float32(math.Expm1(float64(v)))
			}
			y[i] = v
		}
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
			f := [2]float32{a.alpha, 1}
			for i, v := range y {
				p := 0
				if v > 0 { // compiled to a flag set, not a branch
					p = 1
				}
				g[i] *= f[p]
			}
		default:
			for i, v := range y {
				g[i] *= a.derivAt(v)
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
			f := [2]float32{a.alpha, 1}
			for i, v := range y {
				p := 0
				if v > 0 {
					p = 1
				}
				gx[i] += gy[i] * f[p]
			}
		default:
			for i, v := range y {
				gx[i] += gy[i] * a.derivAt(v)
			}
		}
	})
}

// derivAt is the activation's derivative where its output is y.
func (a Activation) derivAt(y float32) float32 {
	switch a.kind {
	case actLeaky:
		if y > 0 {
			return 1
		}
		return a.alpha
	case actTanh:
		return 1 - y*y
	case actELU:
		if y > 0 {
			return 1
		}
		return y + 1
	}
	return 1
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

// tanh32 is tanh for float32: Eigen's rational approximation (a degree-13 odd polynomial over a degree-6 even
// one on |x| < 7.9988, and ±1 beyond, which is within 2.3e-7 of tanh there), evaluated in float64 (as fast as float32 in
// scalar code, and it keeps rounding out of the error), several times faster than math.Tanh (about 28 ns).
func tanh32(x float32) float32 {
	const (
		clamp = 7.99881172180175781
		a1    = 4.89352455891786e-03
		a3    = 6.37261928875436e-04
		a5    = 1.48572235717979e-05
		a7    = 5.12229709037114e-08
		a9    = -8.60467152213735e-11
		a11   = 2.00018790482477e-13
		a13   = -2.76076847742355e-16
		b0    = 4.89352518554385e-03
		b2    = 2.26843463243900e-03
		b4    = 1.18534705686654e-04
		b6    = 1.19825839466702e-06
	)
	if x != x { // NaN
		return x
	}
	if x > -0.0004 && x < 0.0004 { // tanh(x) = x to float32 precision (also keeps −0)
		return x
	}
	if x >= clamp {
		return 1
	}
	if x <= -clamp {
		return -1
	}
	z := float64(x)
	x2 := z * z
	p := x2*a13 + a11
	p = p*x2 + a9
	p = p*x2 + a7
	p = p*x2 + a5
	p = p*x2 + a3
	p = p*x2 + a1
	p *= z
	q := x2*b6 + b4
	q = q*x2 + b2
	q = q*x2 + b0
	return float32(p / q)
}
