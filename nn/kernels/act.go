package kernels

import "fmt"

// The activation passes of package nn: a pointwise nonlinearity whose
// derivative follows from its output alone, applied alone (Activate), after a
// bias (BiasAct) or inside a batch norm (BatchNorm), and its gradient
// (ActivationGrad). Large slices are cut in two halves that run on two
// goroutines (parallelRows); every value is computed on its own, so the cut
// cannot change a bit.

// ActKind names an activation.
type ActKind int

// The activations.
const (
	ActIdentity ActKind = iota // y = x
	ActLeaky                   // y = x·(Alpha if x's sign bit is set, else 1): ReLU for Alpha 0 (Leaky)
	ActTanh                    // y = Tanh32(x)
	ActELU                     // y = ELU32(x)
)

// Act is an activation: its kind and, for ActLeaky, its slope Alpha for
// x ≤ 0, which must lie in [0, 1) so that the sign of y says which branch
// x took.
type Act struct {
	Kind  ActKind
	Alpha float32
}

// Activate sets y[i] = act(x[i]). y must be as long as x; it may be x.
func Activate(y, x []float32, act Act) {
	checkSame("activation", "y", len(y), len(x))
	parallel(len(x), func(_, lo, hi int) { activate(y[lo:hi], x[lo:hi], act) })
}

// activate is Activate on one goroutine.
func activate(y, x []float32, act Act) {
	switch act.Kind {
	case ActIdentity:
		copy(y, x)
	case ActLeaky:
		leaky(y, x, act.Alpha)
	case ActTanh:
		tanh(y, x)
	case ActELU:
		elu(y, x)
	default:
		panic(fmt.Sprintf("kernels: activation kind %d", act.Kind))
	}
}

// ActivationGrad computes the gradient with respect to an activation's input
// from dy, the gradient with respect to its output y:
//
//	d = dy[i]·act′ where y[i] is;  dx[i] = d, or dx[i] += d if add
//
// with act′ = 1 for the identity; for leaky ReLU 1 if y[i] > 0, else Alpha;
// for tanh 1 − y[i]²; for ELU 1 if y[i] > 0, else y[i] + 1. Each factor is
// rounded to float32 before the product, and the product before the sum.
// dx, dy and y must have one length; dx may be dy (when add is false).
func ActivationGrad(dx, dy, y []float32, act Act, add bool) {
	checkSame("activation gradient", "dx", len(dx), len(dy))
	checkSame("activation gradient", "y", len(y), len(dy))
	if act.Kind == ActIdentity && !add {
		if len(dy) > 0 && &dx[0] != &dy[0] {
			copy(dx, dy)
		}
		return
	}
	parallel(len(dy), func(_, lo, hi int) {
		dx, dy, y := dx[lo:hi], dy[lo:hi], y[lo:hi]
		switch act.Kind {
		case ActIdentity:
			addTo(dx, dy)
		case ActLeaky:
			leakyGrad(dx, dy, y, act.Alpha, add)
		case ActELU:
			eluGrad(dx, dy, y, add)
		case ActTanh:
			tanhGrad(dx, dy, y, add)
		default:
			panic(fmt.Sprintf("kernels: activation kind %d", act.Kind))
		}
	})
}

// tanhGrad is ActivationGrad for tanh.
func tanhGrad(dx, dy, y []float32, add bool) {
	dx, dy = dx[:len(y)], dy[:len(y)]
	if add {
		for i, v := range y {
			dx[i] += float32(dy[i] * (1 - v*v))
		}
		return
	}
	for i, v := range y {
		dx[i] = dy[i] * (1 - v*v)
	}
}

// BiasAct sets y = act(y + b) in place, b added to every row of len(b)
// values (the bias of a dense or convolution layer); without b (nil) it is
// Activate(y, y, act). len(y) must be a multiple of len(b).
func BiasAct(y, b []float32, act Act) {
	if b == nil {
		if act.Kind != ActIdentity {
			Activate(y, y, act)
		}
		return
	}
	c := len(b)
	if c == 0 {
		return
	}
	if len(y)%c != 0 {
		panic(fmt.Sprintf("kernels: bias of %d values on %d values", c, len(y)))
	}
	parallelRows(len(y)/c, c, func(_, r0, r1 int) {
		rows := y[r0*c : r1*c]
		for i := 0; i < len(rows); i += c {
			row := rows[i : i+c]
			for j, v := range b {
				row[j] += v
			}
		}
		if act.Kind != ActIdentity {
			activate(rows, rows, act)
		}
	})
}

// BiasGrad adds to db the column sums of dy, rows of len(db) values: the
// gradient of a bias. Each db[j] adds the rows in order, in float32:
//
//	for r := range rows { db[j] += dy[r*c+j] }
//
// len(dy) must be a multiple of len(db).
func BiasGrad(db, dy []float32) {
	c := len(db)
	if c == 0 {
		return
	}
	if len(dy)%c != 0 {
		panic(fmt.Sprintf("kernels: bias gradient of %d values in rows of %d", len(dy), c))
	}
	for i := 0; i < len(dy); i += c {
		for j, v := range dy[i : i+c] {
			db[j] += v
		}
	}
}

// checkSame panics unless the slice called name, of length got, holds want
// values.
func checkSame(op, name string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("kernels: %s of %d values into %s of length %d", op, want, name, got))
	}
}
