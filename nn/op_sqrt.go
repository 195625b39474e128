package nn

import "math"

// Sqrt returns √x elementwise. Its derivative 1/(2√x) is infinite at 0, so add a small constant first where x
// can reach 0 (a norm of a zero vector). Negative inputs give NaN, as math.Sqrt does.
func Sqrt(x *Tensor) *Tensor {
	return unary(x,
		func(v float32) float32 { return float32(math.Sqrt(float64(v))) },
		func(_, y float32) float32 { return 0.5 / y })
}

// Rsqrt returns 1/√x elementwise (x > 0): with Mul it divides by a norm, e.g. x·Rsqrt(Σx² + ε) normalises x.
// Its derivative is −½·x^(−3/2) = −½·y³.
func Rsqrt(x *Tensor) *Tensor {
	return unary(x,
		func(v float32) float32 { return float32(1 / math.Sqrt(float64(v))) },
		func(_, y float32) float32 { return -0.5 * y * y * y })
}
