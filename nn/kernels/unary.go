package kernels

import (
	"fmt"
	"math"
)

// The elementwise unary ops of package nn that are not activations (see
// act.go): their derivative needs the input, or they are rare enough that one
// call per element does not matter.

// UnaryOp names an elementwise unary op.
type UnaryOp int

// The unary ops, with their derivatives.
const (
	OpLeaky   UnaryOp = iota // x if x > 0, else alpha·x, for any alpha; 1 if x > 0, else alpha
	OpSigmoid                // Sigmoid32(x); y·(1 − y)
	OpAbs                    // |x|; 1 for x > 0, −1 for x < 0, 0 at 0
	OpSqrt                   // √x (computed in float64); 0.5/y
	OpRsqrt                  // 1/√x (in float64); −0.5·y·y·y
)

// Unary sets y[i] = op(x[i]) (alpha is OpLeaky's slope). y must be as long as
// x; it may be x.
func Unary(op UnaryOp, y, x []float32, alpha float32) {
	checkSame("unary", "y", len(y), len(x))
	switch op {
	case OpLeaky:
		for i, v := range x {
			if v > 0 {
				y[i] = v
			} else {
				y[i] = alpha * v
			}
		}
	case OpSigmoid:
		for i, v := range x {
			y[i] = Sigmoid32(v)
		}
	case OpAbs:
		for i, v := range x {
			y[i] = float32(math.Abs(float64(v)))
		}
	case OpSqrt:
		for i, v := range x {
			y[i] = float32(math.Sqrt(float64(v)))
		}
	case OpRsqrt:
		for i, v := range x {
			y[i] = float32(1 / math.Sqrt(float64(v)))
		}
	default:
		panic(fmt.Sprintf("kernels: unary op %d", op))
	}
}

// UnaryGrad adds to dx the gradient of Unary's input from dy, the gradient
// of its output y = op(x): dx[i] += dy[i]·op′ at (x[i], y[i]), the derivative
// rounded to float32 before the product and the product before the sum.
// dx, dy, x and y must have one length.
func UnaryGrad(op UnaryOp, dx, dy, x, y []float32, alpha float32) {
	checkSame("unary gradient", "dx", len(dx), len(dy))
	checkSame("unary gradient", "x", len(x), len(dy))
	checkSame("unary gradient", "y", len(y), len(dy))
	for i, g := range dy {
		var d float32
		switch op {
		case OpLeaky:
			d = alpha
			if x[i] > 0 {
				d = 1
			}
		case OpSigmoid:
			d = y[i] * (1 - y[i])
		case OpAbs:
			switch v := x[i]; {
			case v > 0:
				d = 1
			case v < 0:
				d = -1
			}
		case OpSqrt:
			d = 0.5 / y[i]
		case OpRsqrt:
			d = -0.5 * y[i] * y[i] * y[i]
		default:
			panic(fmt.Sprintf("kernels: unary op %d", op))
		}
		dx[i] += float32(g * d)
	}
}

// Sigmoid32 is 1/(1 + e^−x) computed in float64 (as e^x/(1 + e^x) for
// x < 0, which does not overflow) and rounded to float32.
func Sigmoid32(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}
