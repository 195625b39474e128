package nn

import (
	"fmt"
	"slices"
)

// broadcastShape returns the NumPy broadcast of shapes a and b, or panics naming op.
func broadcastShape(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(fmt.Sprintf("nn: %s: shapes %v and %v do not broadcast", op, a, b))
		}
	}
	return out
}

// broadcastStrides returns, for each axis of out, the stride of in along it (0 where in is broadcast).
func broadcastStrides(out, in []int) []int {
	st := make([]int, len(out))
	s := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(in) - len(out) + i
		if j >= 0 && in[j] != 1 {
			st[i] = s
		}
		if j >= 0 {
			s *= in[j]
		}
	}
	return st
}

// forBroadcast calls fn(i, ia, ib) for every element i of out with the matching indexes into a and b.
func forBroadcast(out, a, b []int, fn func(i, ia, ib int)) {
	sa, sb := broadcastStrides(out, a), broadcastStrides(out, b)
	idx := make([]int, len(out))
	ia, ib := 0, 0
	n := numel("broadcast", out)
	for i := range n {
		fn(i, ia, ib)
		for ax := len(out) - 1; ax >= 0; ax-- {
			idx[ax]++
			ia += sa[ax]
			ib += sb[ax]
			if idx[ax] < out[ax] {
				break
			}
			ia -= sa[ax] * out[ax]
			ib -= sb[ax] * out[ax]
			idx[ax] = 0
		}
	}
}

// binary applies an elementwise op with broadcasting. f computes the value; da and db the partial derivatives
// with respect to a and b given the two input values.
func binary(op string, a, b *Tensor, f, da, db func(x, y float32) float32) *Tensor {
	shape := broadcastShape(op, a.Shape, b.Shape)
	out, record := result(shape, a, b)
	same := slices.Equal(a.Shape, b.Shape)
	if same {
		for i := range out.Data {
			out.Data[i] = f(a.Data[i], b.Data[i])
		}
	} else {
		forBroadcast(shape, a.Shape, b.Shape, func(i, ia, ib int) { out.Data[i] = f(a.Data[ia], b.Data[ib]) })
	}
	if record {
		out.backward = func() {
			var ga, gb []float32
			if a.requiresGrad {
				ga = a.gradBuf()
			}
			if b.requiresGrad {
				gb = b.gradBuf()
			}
			g := out.Grad
			forBroadcast(shape, a.Shape, b.Shape, func(i, ia, ib int) {
				x, y := a.Data[ia], b.Data[ib]
				if ga != nil {
					ga[ia] += g[i] * da(x, y)
				}
				if gb != nil {
					gb[ib] += g[i] * db(x, y)
				}
			})
		}
	}
	return out
}

// Add returns a + b with NumPy broadcasting.
func Add(a, b *Tensor) *Tensor {
	if isTrailingBroadcast(a.Shape, b.Shape) {
		return addBias(a, b)
	}
	return binary("add", a, b,
		func(x, y float32) float32 { return x + y },
		func(x, y float32) float32 { return 1 },
		func(x, y float32) float32 { return 1 })
}

// Sub returns a − b with NumPy broadcasting.
func Sub(a, b *Tensor) *Tensor {
	return binary("sub", a, b,
		func(x, y float32) float32 { return x - y },
		func(x, y float32) float32 { return 1 },
		func(x, y float32) float32 { return -1 })
}

// Mul returns a·b (elementwise) with NumPy broadcasting.
func Mul(a, b *Tensor) *Tensor {
	return binary("mul", a, b,
		func(x, y float32) float32 { return x * y },
		func(x, y float32) float32 { return y },
		func(x, y float32) float32 { return x })
}

// Scale returns c·x for a constant c.
func Scale(x *Tensor, c float32) *Tensor {
	out, record := result(x.Shape, x)
	for i, v := range x.Data {
		out.Data[i] = c * v
	}
	if record {
		out.backward = func() {
			gx := x.gradBuf()
			for i, g := range out.Grad {
				gx[i] += c * g
			}
		}
	}
	return out
}

// isTrailingBroadcast reports whether b's shape equals the trailing axes of a's (a bias over the last axes).
func isTrailingBroadcast(a, b []int) bool {
	return len(b) >= 1 && len(b) <= len(a) && slices.Equal(a[len(a)-len(b):], b) && !slices.Equal(a, b)
}

// addBias is Add's fast path for x [..., C...] + b [C...], the bias of a dense or convolution layer.
func addBias(x, b *Tensor) *Tensor {
	out, record := result(x.Shape, x, b)
	n := len(b.Data)
	for i := 0; i < len(x.Data); i += n {
		row, orow := x.Data[i:i+n], out.Data[i:i+n]
		for j, v := range b.Data {
			orow[j] = row[j] + v
		}
	}
	if record {
		out.backward = func() {
			if x.requiresGrad {
				gx := x.gradBuf()
				for i, g := range out.Grad {
					gx[i] += g
				}
			}
			if b.requiresGrad {
				gb := b.gradBuf()
				for i := 0; i < len(out.Grad); i += n {
					for j, g := range out.Grad[i : i+n] {
						gb[j] += g
					}
				}
			}
		}
	}
	return out
}

// Sum adds x's elements over the given axes (all axes when none are given); those axes disappear.
func Sum(x *Tensor, axes ...int) *Tensor { return reduce("sum", x, axes, 1) }

// Mean averages x's elements over the given axes (all axes when none are given); those axes disappear.
func Mean(x *Tensor, axes ...int) *Tensor {
	outShape, _ := reducedShape("mean", x.Shape, axes)
	n := len(x.Data) / max(numel("mean", outShape), 1)
	if n == 0 {
		panic(fmt.Sprintf("nn: mean of an empty tensor %v", x.Shape))
	}
	return reduce("mean", x, axes, 1/float64(n))
}

// reducedShape returns x's shape without the reduced axes, and a keep-dims shape with those axes set to 1.
func reducedShape(op string, shape, axes []int) (out, keep []int) {
	red := make([]bool, len(shape))
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	for _, ax := range axes {
		if ax < 0 {
			ax += len(shape)
		}
		if ax < 0 || ax >= len(shape) || red[ax] {
			panic(fmt.Sprintf("nn: %s: bad or repeated axis in %v for shape %v", op, axes, shape))
		}
		red[ax] = true
	}
	out, keep = []int{}, make([]int, len(shape))
	for i, d := range shape {
		keep[i] = d
		if red[i] {
			keep[i] = 1
		} else {
			out = append(out, d)
		}
	}
	return out, keep
}

func reduce(op string, x *Tensor, axes []int, scale float64) *Tensor {
	outShape, keep := reducedShape(op, x.Shape, axes)
	out, record := result(outShape, x)
	acc := make([]float64, len(out.Data))
	forBroadcast(x.Shape, x.Shape, keep, func(i, _, io int) { acc[io] += float64(x.Data[i]) })
	for i, v := range acc {
		out.Data[i] = float32(v * scale)
	}
	if record {
		out.backward = func() {
			gx := x.gradBuf()
			s := float32(scale)
			forBroadcast(x.Shape, x.Shape, keep, func(i, _, io int) { gx[i] += s * out.Grad[io] })
		}
	}
	return out
}
