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
	if infer >= 0 && known > 0 {
		shape[infer] = len(x.Data) / known
	}
	if numel("reshape", shape) != len(x.Data) {
		panic(fmt.Sprintf("nn: reshape %v (%d values) to %v", x.Shape, len(x.Data), shape))
	}
	out, record := viewResult(shape, x.Data, x)
	if record {
		out.backward = func() {
			if takeGrad(out, x) {
				return
			}
			gx := x.gradBuf()
			for i, g := range out.Grad {
				gx[i] += g
			}
		}
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
	out, record := result(shape, xs...)
	row := shape[axis] * inner // values per outer index in out
	off := 0
	for _, x := range xs {
		w := x.Shape[axis] * inner
		for o := range outer {
			copy(out.Data[o*row+off:o*row+off+w], x.Data[o*w:(o+1)*w])
		}
		off += w
	}
	if record {
		out.backward = func() {
			off := 0
			for _, x := range xs {
				w := x.Shape[axis] * inner
				if x.requiresGrad {
					gx := x.gradBuf()
					for o := range outer {
						for j, g := range out.Grad[o*row+off : o*row+off+w] {
							gx[o*w+j] += g
						}
					}
				}
				off += w
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
	off := 0
	for k, s := range sizes {
		shape := slices.Clone(x.Shape)
		shape[axis] = s
		out, record := result(shape, x)
		w, o0 := s*inner, off
		for o := range outer {
			copy(out.Data[o*w:(o+1)*w], x.Data[o*row+o0:o*row+o0+w])
		}
		if record {
			out.backward = func() {
				gx := x.gradBuf()
				for o := range outer {
					for j, g := range out.Grad[o*w : (o+1)*w] {
						gx[o*row+o0+j] += g
					}
				}
			}
		}
		outs[k] = out
		off += w
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
	// permuted view of x's strides, so that out element i reads x at src(i)
	inStride := make([]int, len(x.Shape))
	s := 1
	for i := len(x.Shape) - 1; i >= 0; i-- {
		inStride[i] = s
		s *= x.Shape[i]
	}
	st := make([]int, len(perm))
	for i, p := range perm {
		st[i] = inStride[p]
	}
	// When the last axis stays last, whole rows of it move together: walk the other axes and copy runs.
	run, axes := 1, len(shape)
	if axes > 0 && perm[axes-1] == axes-1 {
		run, axes = shape[axes-1], axes-1
	}
	total := numel("transpose", shape)
	walk := func(fn func(i, src int)) { // i, src: where a run starts in out and in x
		if total == 0 {
			return
		}
		idx := make([]int, axes)
		src := 0
		for i := 0; i < total; i += run {
			fn(i, src)
			for ax := axes - 1; ax >= 0; ax-- {
				idx[ax]++
				src += st[ax]
				if idx[ax] < shape[ax] {
					break
				}
				src -= st[ax] * shape[ax]
				idx[ax] = 0
			}
		}
	}
	out, record := result(shape, x)
	walk(func(i, src int) { copy(out.Data[i:i+run], x.Data[src:src+run]) })
	if record {
		out.backward = func() {
			gx := x.gradBuf()
			walk(func(i, src int) {
				for j, g := range out.Grad[i : i+run] {
					gx[src+j] += g
				}
			})
		}
	}
	return out
}

// Upsample2x doubles the height and width of NHWC x by nearest-neighbour repetition.
func Upsample2x(x *Tensor) *Tensor {
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("nn: upsample2x of shape %v; want NHWC", x.Shape))
	}
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	out, record := result([]int{n, 2 * h, 2 * w, c}, x)
	for b := range n {
		for y := range 2 * h {
			for xx := range 2 * w {
				src := ((b*h+y/2)*w + xx/2) * c
				dst := ((b*2*h+y)*2*w + xx) * c
				copy(out.Data[dst:dst+c], x.Data[src:src+c])
			}
		}
	}
	if record {
		out.backward = func() {
			gx := x.gradBuf()
			for b := range n {
				for y := range 2 * h {
					for xx := range 2 * w {
						src := ((b*h+y/2)*w + xx/2) * c
						dst := ((b*2*h+y)*2*w + xx) * c
						for j, g := range out.Grad[dst : dst+c] {
							gx[src+j] += g
						}
					}
				}
			}
		}
	}
	return out
}
