package nn

import (
	"fmt"
	"slices"
)

// Reshape returns x with a new shape of the same size; one dimension may be −1 (inferred). The result shares x's
// data (no copy; no op writes into its inputs, so the sharing is invisible); its gradient is its own.
func Reshape(x *Tensor, shape ...int) *Tensor {
	shape = slices.Clone(shape)
	infer, known := -1, 1
	for i, d := range shape {
		if d == -1 {
			if infer >= 0 {
				panic(fmt.Sprintf("nn: reshape %v to %v: more than one -1", x.Shape, shape))
			}
			infer = i
		} else {
			known *= d
		}
	}
	size := x.Size()
	if infer >= 0 && known > 0 {
		shape[infer] = size / known
	}
	if numel("reshape", shape) != size {
		panic(fmt.Sprintf("nn: reshape %v (%d values) to %v", x.Shape, size, shape))
	}
	out, record := viewResult("reshape", shape, x.data, x)
	if record {
		be := out.dev
		out.backward = func() {
			if takeGrad(out, x) {
				return
			}
			be.Axpy(x.gradBuf(), 1, out.grad)
		}
		out.vjp = func(g *Tensor, c *gradCtx) { c.add(x, Reshape(g, x.Shape...)) }
	}
	return out
}

// Concat joins tensors along axis; all other dimensions must agree.
func Concat(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("nn: concat of nothing")
	}
	first := xs[0].Shape
	if axis < 0 {
		axis += len(first)
	}
	if axis < 0 || axis >= len(first) {
		panic(fmt.Sprintf("nn: concat axis %d out of range for shape %v", axis, first))
	}
	shape := slices.Clone(first)
	shape[axis] = 0
	for _, x := range xs {
		if len(x.Shape) != len(first) {
			panic(fmt.Sprintf("nn: concat shapes %v and %v differ in rank", first, x.Shape))
		}
		for i, d := range x.Shape {
			if i != axis && d != first[i] {
				panic(fmt.Sprintf("nn: concat on axis %d: shapes %v and %v differ on axis %d", axis, first, x.Shape, i))
			}
		}
		shape[axis] += x.Shape[axis]
	}
	outer := numel("concat", first[:axis])
	inner := numel("concat", first[axis+1:])
	out, record := result("concat", shape, xs...)
	be := out.dev
	row := shape[axis] * inner // values per outer index in out
	off := 0
	for _, x := range xs {
		w := x.Shape[axis] * inner
		be.Copy2D(out.data, off, row, x.data, 0, w, outer, w, false)
		off += w
	}
	if record {
		out.backward = func() {
			off := 0
			for _, x := range xs {
				w := x.Shape[axis] * inner
				if x.requiresGrad {
					be.Copy2D(x.gradBuf(), 0, w, out.grad, off, row, outer, w, true)
				}
				off += w
			}
		}
		out.vjp = func(g *Tensor, c *gradCtx) {
			sizes := make([]int, len(xs))
			for i, x := range xs {
				sizes[i] = x.Shape[axis]
			}
			for i, piece := range Split(g, axis, sizes...) {
				c.add(xs[i], piece)
			}
		}
	}
	return out
}

// Split cuts x along axis into pieces of the given sizes (which must add up to that dimension).
func Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	if axis < 0 {
		axis += len(x.Shape)
	}
	if axis < 0 || axis >= len(x.Shape) {
		panic(fmt.Sprintf("nn: split axis %d out of range for shape %v", axis, x.Shape))
	}
	total := 0
	for _, s := range sizes {
		total += s
	}
	if total != x.Shape[axis] {
		panic(fmt.Sprintf("nn: split %v on axis %d into %v: sizes add up to %d", x.Shape, axis, sizes, total))
	}
	outer := numel("split", x.Shape[:axis])
	inner := numel("split", x.Shape[axis+1:])
	row := x.Shape[axis] * inner
	outs := make([]*Tensor, len(sizes))
	off, before := 0, 0 // before: the pieces' sizes so far
	for k, s := range sizes {
		shape := slices.Clone(x.Shape)
		shape[axis] = s
		out, record := result("split", shape, x)
		be := out.dev
		w, o0 := s*inner, off
		be.Copy2D(out.data, 0, w, x.data, o0, row, outer, w, false)
		if record {
			out.backward = func() { be.Copy2D(x.gradBuf(), o0, row, out.grad, 0, w, outer, w, true) }
			b0, after := before, x.Shape[axis]-before-s
			out.vjp = func(g *Tensor, c *gradCtx) { // g between zeros: the rest of x gets no gradient from here
				if !c.wants(x) {
					return
				}
				parts := []*Tensor{g}
				if b0 > 0 {
					parts = slices.Insert(parts, 0, filled(g, withAxis(x.Shape, axis, b0), 0))
				}
				if after > 0 {
					parts = append(parts, filled(g, withAxis(x.Shape, axis, after), 0))
				}
				c.add(x, Concat(axis, parts...))
			}
		}
		outs[k] = out
		off += w
		before += s
	}
	return outs
}

// Transpose permutes x's axes: output axis i is input axis perm[i].
func Transpose(x *Tensor, perm ...int) *Tensor {
	if len(perm) != len(x.Shape) {
		panic(fmt.Sprintf("nn: transpose %v by %v: wrong number of axes", x.Shape, perm))
	}
	shape := make([]int, len(perm))
	seen := make([]bool, len(perm))
	for i, p := range perm {
		if p < 0 || p >= len(perm) || seen[p] {
			panic(fmt.Sprintf("nn: transpose %v by %v: not a permutation", x.Shape, perm))
		}
		seen[p] = true
		shape[i] = x.Shape[p]
	}
	out, record := result("transpose", shape, x)
	be := out.dev
	be.Transpose(out.data, x.data, x.Shape, perm, false)
	if record {
		inv := make([]int, len(perm)) // the inverse permutation: x's axis p is out's axis inv[p]
		for i, p := range perm {
			inv[p] = i
		}
		out.backward = func() { be.Transpose(x.gradBuf(), out.grad, shape, inv, true) }
		out.vjp = func(g *Tensor, c *gradCtx) { c.add(x, Transpose(g, inv...)) }
	}
	return out
}

// Upsample2x doubles the height and width of NHWC x by nearest-neighbour repetition.
func Upsample2x(x *Tensor) *Tensor {
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("nn: upsample2x of shape %v; want NHWC", x.Shape))
	}
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	out, record := result("upsample2x", []int{n, 2 * h, 2 * w, c}, x)
	be := out.dev
	be.Upsample2x(out.data, x.data, n, h, w, c)
	if record {
		out.backward = func() { be.Upsample2xGrad(x.gradBuf(), out.grad, n, h, w, c) }
		out.vjp = func(g *Tensor, gc *gradCtx) { gc.add(x, downsampleSum(g)) }
	}
	return out
}

// downsampleSum adds up the 2×2 blocks of NHWC g [n,2h,2w,c], giving [n,h,w,c]: Upsample2x's backward as an op,
// whose own backward is Upsample2x.
func downsampleSum(g *Tensor) *Tensor {
	n, h, w, c := g.Shape[0], g.Shape[1]/2, g.Shape[2]/2, g.Shape[3]
	out, record := result("upsample2x gradient", []int{n, h, w, c}, g)
	be := out.dev
	be.Fill(out.data, 0) // a tape's buffer is not zeroed, and Upsample2xGrad adds
	be.Upsample2xGrad(out.data, g.data, n, h, w, c)
	if record {
		out.backward = func() {
			tmp := scratch(out, g.Size(), false)
			be.Upsample2x(tmp, out.grad, n, h, w, c)
			be.Axpy(g.gradBuf(), 1, tmp)
			out.freeScratch(tmp)
		}
		out.vjp = func(gg *Tensor, gc *gradCtx) { gc.add(g, Upsample2x(gg)) }
	}
	return out
}

// withAxis returns shape with axis set to d.
func withAxis(shape []int, axis, d int) []int {
	s := slices.Clone(shape)
	s[axis] = d
	return s
}
