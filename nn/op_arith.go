package nn

import (
	"fmt"

	"sdgan/nn/kernels"
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

// binary applies an elementwise op with broadcasting (the backend's Binary and BinaryGrad).
func binary(name string, op BinaryOp, a, b *Tensor) *Tensor {
	shape := broadcastShape(name, a.Shape, b.Shape)
	out, record := result(name, shape, a, b)
	be := out.dev
	be.Binary(op, out.data, a.data, b.data, shape, a.Shape, b.Shape)
	if record {
		out.backward = func() {
			var ga, gb Buffer
			if a.requiresGrad {
				ga = a.gradBuf()
			}
			if b.requiresGrad {
				gb = b.gradBuf()
			}
			be.BinaryGrad(op, ga, gb, out.grad, a.data, b.data, shape, a.Shape, b.Shape)
		}
		out.vjp = func(g *Tensor, c *gradCtx) { binaryVJP(op, g, out, a, b, c) }
	}
	return out
}

// binaryVJP is the backward of out = a op b as ops: a's gradient g·∂out/∂a summed over the axes along which a was
// broadcast, and b's likewise.
func binaryVJP(op BinaryOp, g, out, a, b *Tensor, c *gradCtx) {
	if c.wants(a) {
		switch op {
		case kernels.OpAdd, kernels.OpSub:
			c.add(a, sumTo(g, a.Shape))
		case kernels.OpMul:
			c.add(a, sumTo(Mul(g, b), a.Shape))
		case kernels.OpDiv:
			c.add(a, sumTo(Div(g, b), a.Shape))
		}
	}
	if c.wants(b) {
		switch op {
		case kernels.OpAdd:
			c.add(b, sumTo(g, b.Shape))
		case kernels.OpSub:
			c.add(b, sumTo(Scale(g, -1), b.Shape))
		case kernels.OpMul:
			c.add(b, sumTo(Mul(g, a), b.Shape))
		case kernels.OpDiv: // ∂(a/b)/∂b = −a/b² = −out/b
			c.add(b, sumTo(Scale(Mul(g, Div(out, b)), -1), b.Shape))
		}
	}
}

// Add returns a + b with NumPy broadcasting.
func Add(a, b *Tensor) *Tensor { return binary("add", kernels.OpAdd, a, b) }

// Sub returns a − b with NumPy broadcasting.
func Sub(a, b *Tensor) *Tensor { return binary("sub", kernels.OpSub, a, b) }

// Mul returns a·b (elementwise) with NumPy broadcasting.
func Mul(a, b *Tensor) *Tensor { return binary("mul", kernels.OpMul, a, b) }

// Scale returns c·x for a constant c.
func Scale(x *Tensor, c float32) *Tensor {
	out, record := result("scale", x.Shape, x)
	be := out.dev
	be.Scale(out.data, x.data, c)
	if record {
		out.backward = func() { be.Axpy(x.gradBuf(), c, out.grad) }
		out.vjp = func(g *Tensor, gc *gradCtx) { gc.add(x, Scale(g, c)) }
	}
	return out
}

// Sum adds x's elements over the given axes (all axes when none are given); those axes disappear.
func Sum(x *Tensor, axes ...int) *Tensor { return reduce("sum", x, axes, 1) }

// Mean averages x's elements over the given axes (all axes when none are given); those axes disappear.
func Mean(x *Tensor, axes ...int) *Tensor {
	outShape, _ := reducedShape("mean", x.Shape, axes)
	n := x.Size() / max(numel("mean", outShape), 1)
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
	out, record := result(op, outShape, x)
	be := out.dev
	be.SumAxes(out.data, x.data, x.Shape, keep, scale)
	if record {
		out.backward = func() { be.SumAxesGrad(x.gradBuf(), out.grad, x.Shape, keep, float32(scale)) }
		out.vjp = func(g *Tensor, c *gradCtx) { c.add(x, broadcastTo(g, x.Shape, keep, float32(scale))) }
	}
	return out
}
