package nn

import "sdgan/nn/kernels"

// Sqrt returns √x elementwise. Its derivative 1/(2√x) is infinite at 0, so add a small constant first where x
// can reach 0 (a norm of a zero vector). Negative inputs give NaN, as math.Sqrt does.
func Sqrt(x *Tensor) *Tensor { return unary("sqrt", kernels.OpSqrt, x, 0) }

// Rsqrt returns 1/√x elementwise (x > 0): with Mul it divides by a norm, e.g. x·Rsqrt(Σx² + ε) normalises x.
// Its derivative is −½·x^(−3/2) = −½·y³.
func Rsqrt(x *Tensor) *Tensor { return unary("rsqrt", kernels.OpRsqrt, x, 0) }
