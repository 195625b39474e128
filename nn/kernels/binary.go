package kernels

import (
	"fmt"
	"slices"
)

// The elementwise binary ops of package nn, with NumPy broadcasting, and
// their gradients. Shapes are row-major; the output's shape is the broadcast
// of the inputs'. Three layouts have loops of their own (the results are the
// same bits as the general index walk, which computes the same operations in
// the same order): inputs of one shape, b repeating along the trailing axes
// of a (a bias: "tile"), and b holding one value per block of a's trailing
// axes (a per-image or per-row factor: "block").

// BinaryOp names an elementwise binary op.
type BinaryOp int

// The binary ops, with their partial derivatives with respect to a and b.
const (
	OpAdd BinaryOp = iota // a + b; 1, 1
	OpSub                 // a − b; 1, −1
	OpMul                 // a·b; b, a
	OpDiv                 // a/b; 1/b, −a/(b·b)
)

// layout is how b broadcasts against a and y.
type layout int

const (
	layoutSame    layout = iota // a, b and y have one shape
	layoutTile                  // a has y's shape; b is y's trailing axes (after leading 1s): b[i mod inner]
	layoutBlock                 // a has y's shape; b is y's leading axes then 1s: b[i / inner]
	layoutGeneral               // anything else
)

// classify returns the layout of a and b broadcast to y, and the inner block
// size of the tile and block layouts.
func classify(y, a, b []int) (layout, int) {
	if slices.Equal(a, b) {
		return layoutSame, 0
	}
	if !slices.Equal(a, y) || len(b) > len(y) {
		return layoutGeneral, 0
	}
	bp := make([]int, len(y)) // b padded with leading 1s
	for i := range bp {
		bp[i] = 1
	}
	copy(bp[len(y)-len(b):], b)
	k := len(y) // block: bp[:k] equals y[:k] and bp[k:] are 1s
	for k > 0 && bp[k-1] == 1 {
		k--
	}
	if slices.Equal(bp[:k], y[:k]) {
		return layoutBlock, shapeSize(y[k:])
	}
	k = 0 // tile: bp[:k] are 1s and bp[k:] equals y[k:]
	for k < len(y) && bp[k] == 1 && y[k] != 1 {
		k++
	}
	if slices.Equal(bp[k:], y[k:]) {
		return layoutTile, shapeSize(y[k:])
	}
	return layoutGeneral, 0
}

// shapeSize is the product of shape.
func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// checkShape panics unless s holds the values of shape.
func checkShape(op, name string, s []float32, shape []int) {
	if n := shapeSize(shape); len(s) != n {
		panic(fmt.Sprintf("kernels: %s: %s has %d values for shape %v (want %d)", op, name, len(s), shape, n))
	}
}

// Binary sets y = a op b elementwise, a of shape as and b of shape bs
// broadcast to y's shape ys (NumPy's rules: trailing axes aligned, an axis of
// 1 repeated):
//
//	y[i] = a[ia] op b[ib]  (ia, ib: the elements of a and b that y[i] broadcasts)
//
// It panics if a slice's length does not match its shape. y must not overlap
// a or b unless it is the same slice with the same shape.
func Binary(op BinaryOp, y, a, b []float32, ys, as, bs []int) {
	checkShape("binary", "y", y, ys)
	checkShape("binary", "a", a, as)
	checkShape("binary", "b", b, bs)
	lay, inner := classify(ys, as, bs)
	switch lay {
	case layoutSame:
		binaryVV(op, y, a, b)
	case layoutTile:
		for i := 0; i < len(y); i += inner {
			binaryVV(op, y[i:i+inner], a[i:i+inner], b)
		}
	case layoutBlock:
		for o, s := range b {
			lo := o * inner
			binaryVS(op, y[lo:lo+inner], a[lo:lo+inner], s)
		}
	default:
		forRuns(ys, as, bs, func(i, ia, ib, n, sa, sb int) {
			switch yr := y[i : i+n]; {
			case sa == 1 && sb == 1:
				binaryVV(op, yr, a[ia:ia+n], b[ib:ib+n])
			case sa == 1:
				binaryVS(op, yr, a[ia:ia+n], b[ib])
			default:
				for j := range yr {
					yr[j] = binaryOne(op, a[ia+j*sa], b[ib+j*sb])
				}
			}
		})
	}
}

// binaryOne is x op v.
func binaryOne(op BinaryOp, x, v float32) float32 {
	switch op {
	case OpAdd:
		return x + v
	case OpSub:
		return x - v
	case OpMul:
		return x * v
	case OpDiv:
		return x / v
	}
	panic(fmt.Sprintf("kernels: binary op %d", op))
}

// binaryVV sets y[i] = a[i] op b[i].
func binaryVV(op BinaryOp, y, a, b []float32) {
	a, b = a[:len(y)], b[:len(y)]
	switch op {
	case OpAdd:
		for i := range y {
			y[i] = a[i] + b[i]
		}
	case OpSub:
		for i := range y {
			y[i] = a[i] - b[i]
		}
	case OpMul:
		for i := range y {
			y[i] = a[i] * b[i]
		}
	case OpDiv:
		for i := range y {
			y[i] = a[i] / b[i]
		}
	default:
		panic(fmt.Sprintf("kernels: binary op %d", op))
	}
}

// binaryVS sets y[i] = a[i] op s.
func binaryVS(op BinaryOp, y, a []float32, s float32) {
	a = a[:len(y)]
	switch op {
	case OpAdd:
		for i := range y {
			y[i] = a[i] + s
		}
	case OpSub:
		for i := range y {
			y[i] = a[i] - s
		}
	case OpMul:
		for i := range y {
			y[i] = a[i] * s
		}
	case OpDiv:
		for i := range y {
			y[i] = a[i] / s
		}
	default:
		panic(fmt.Sprintf("kernels: binary op %d", op))
	}
}

// BinaryGrad adds to da and db (either may be nil: not wanted) the gradients
// of Binary's inputs from dy, the gradient of its output:
//
//	da[ia] += dy[i]·∂(a op b)/∂a,  db[ib] += dy[i]·∂(a op b)/∂b
//
// over the elements i of y in order, the partial derivative (1, −1, b, a,
// 1/b or −a/(b·b), at a[ia] and b[ib]) rounded to float32 before the product
// and the product before the sum. da and db have a's and b's lengths; they
// may be the same slice (a and b the same tensor).
func BinaryGrad(op BinaryOp, da, db, dy, a, b []float32, ys, as, bs []int) {
	checkShape("binary gradient", "dy", dy, ys)
	checkShape("binary gradient", "a", a, as)
	checkShape("binary gradient", "b", b, bs)
	if da != nil {
		checkShape("binary gradient", "da", da, as)
	}
	if db != nil {
		checkShape("binary gradient", "db", db, bs)
	}
	lay, inner := classify(ys, as, bs)
	switch lay {
	case layoutSame:
		if da != nil {
			gradAVV(op, da, dy, b)
		}
		if db != nil {
			gradBVV(op, db, dy, a, b)
		}
	case layoutTile:
		for i := 0; i < len(dy); i += inner {
			if da != nil {
				gradAVV(op, da[i:i+inner], dy[i:i+inner], b)
			}
			if db != nil {
				gradBVV(op, db, dy[i:i+inner], a[i:i+inner], b)
			}
		}
	case layoutBlock:
		for o, s := range b {
			lo := o * inner
			if da != nil {
				gradAVS(op, da[lo:lo+inner], dy[lo:lo+inner], s)
			}
			if db != nil {
				db[o] = gradBSum(op, db[o], dy[lo:lo+inner], a[lo:lo+inner], s)
			}
		}
	default:
		if da != nil {
			forRuns(ys, as, bs, func(i, ia, ib, n, sa, sb int) {
				switch {
				case sa == 1 && sb == 1:
					gradAVV(op, da[ia:ia+n], dy[i:i+n], b[ib:ib+n])
				case sa == 1:
					gradAVS(op, da[ia:ia+n], dy[i:i+n], b[ib])
				default: // one element of a for the whole run: summed in order
					acc := da[ia]
					for j, g := range dy[i : i+n] {
						acc += float32(g * partialA(op, a[ia], b[ib+j*sb]))
					}
					da[ia] = acc
				}
			})
		}
		if db != nil {
			forRuns(ys, as, bs, func(i, ia, ib, n, sa, sb int) {
				switch {
				case sa == 1 && sb == 1:
					gradBVV(op, db[ib:ib+n], dy[i:i+n], a[ia:ia+n], b[ib:ib+n])
				case sa == 1:
					db[ib] = gradBSum(op, db[ib], dy[i:i+n], a[ia:ia+n], b[ib])
				case sb == 1:
					for j, g := range dy[i : i+n] {
						db[ib+j] += float32(g * partialB(op, a[ia], b[ib+j]))
					}
				default:
					acc := db[ib]
					for _, g := range dy[i : i+n] {
						acc += float32(g * partialB(op, a[ia], b[ib]))
					}
					db[ib] = acc
				}
			})
		}
	}
}

// partialA is ∂(x op v)/∂x.
func partialA(op BinaryOp, x, v float32) float32 {
	switch op {
	case OpAdd, OpSub:
		return 1
	case OpMul:
		return v
	case OpDiv:
		return 1 / v
	}
	panic(fmt.Sprintf("kernels: binary op %d", op))
}

// partialB is ∂(x op v)/∂v.
func partialB(op BinaryOp, x, v float32) float32 {
	switch op {
	case OpAdd:
		return 1
	case OpSub:
		return -1
	case OpMul:
		return x
	case OpDiv:
		return -x / (v * v)
	}
	panic(fmt.Sprintf("kernels: binary op %d", op))
}

// gradAVV adds dy[i]·∂/∂a at (·, b[i]) to da[i].
func gradAVV(op BinaryOp, da, dy, b []float32) {
	dy = dy[:len(da)]
	switch op {
	case OpAdd, OpSub: // dy·1 is dy
		addTo(da, dy)
	case OpMul:
		b = b[:len(da)]
		for i, g := range dy {
			da[i] += float32(g * b[i])
		}
	default:
		b = b[:len(da)]
		for i, g := range dy {
			da[i] += float32(g * partialA(op, 0, b[i]))
		}
	}
}

// gradAVS adds dy[i]·∂/∂a at (·, s) to da[i].
func gradAVS(op BinaryOp, da, dy []float32, s float32) {
	dy = dy[:len(da)]
	switch op {
	case OpAdd, OpSub:
		addTo(da, dy)
	default:
		d := partialA(op, 0, s)
		for i, g := range dy {
			da[i] += float32(g * d)
		}
	}
}

// gradBVV adds dy[i]·∂/∂b at (a[i], b[i]) to db[i].
func gradBVV(op BinaryOp, db, dy, a, b []float32) {
	dy, a, b = dy[:len(db)], a[:len(db)], b[:len(db)]
	switch op {
	case OpAdd:
		addTo(db, dy)
	case OpSub: // dy·(−1) is −dy
		for i, g := range dy {
			db[i] += -g
		}
	case OpMul:
		for i, g := range dy {
			db[i] += float32(g * a[i])
		}
	default:
		for i, g := range dy {
			db[i] += float32(g * partialB(op, a[i], b[i]))
		}
	}
}

// gradBSum returns acc plus, in order, dy[i]·∂/∂b at (a[i], s).
func gradBSum(op BinaryOp, acc float32, dy, a []float32, s float32) float32 {
	a = a[:len(dy)]
	switch op {
	case OpAdd:
		for _, g := range dy {
			acc += g
		}
	case OpSub:
		for _, g := range dy {
			acc += -g
		}
	case OpMul:
		for i, g := range dy {
			acc += float32(g * a[i])
		}
	default:
		for i, g := range dy {
			acc += float32(g * partialB(op, a[i], s))
		}
	}
	return acc
}

// broadcastStrides returns, for each axis of out, the stride of in along it
// (0 where in is broadcast).
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

// forRuns walks the elements of out in order, a run at a time, and calls
// fn(i, ia, ib, n, sa, sb) for each run: the elements out[i:i+n], whose
// elements of a and b are a[ia+j·sa] and b[ib+j·sb] for j < n, sa and sb
// being 1 (the input runs along) or 0 (it is broadcast). A run is the
// trailing axes of out merged for as long as both inputs stay contiguous (or
// broadcast) across them, so that the callers' loops run over long slices
// instead of calling a function per element; the elements, and so any sums
// the callers accumulate, come in the same order as one index walk.
func forRuns(out, a, b []int, fn func(i, ia, ib, n, sa, sb int)) {
	total := shapeSize(out)
	if total == 0 {
		return
	}
	fa, fb := broadcastStrides(out, a), broadcastStrides(out, b)
	var dims, sta, stb []int // out's axes but those of size 1 (which never move)
	for ax, d := range out {
		if d != 1 {
			dims, sta, stb = append(dims, d), append(sta, fa[ax]), append(stb, fb[ax])
		}
	}
	if len(dims) == 0 {
		fn(0, 0, 0, 1, 0, 0)
		return
	}
	last := len(dims) - 1
	sa, sb := sta[last], stb[last] // 0 or 1: an input's last axis of size > 1 has stride 1
	n, r := dims[last], last       // the run covers axes r… of dims
	for r > 0 && sta[r-1] == sa*n && stb[r-1] == sb*n {
		r--
		n *= dims[r]
	}
	idx := make([]int, r)
	ia, ib := 0, 0
	for i := 0; i < total; i += n {
		fn(i, ia, ib, n, sa, sb)
		for ax := r - 1; ax >= 0; ax-- {
			idx[ax]++
			ia += sta[ax]
			ib += stb[ax]
			if idx[ax] < dims[ax] {
				break
			}
			ia -= sta[ax] * dims[ax]
			ib -= stb[ax] * dims[ax]
			idx[ax] = 0
		}
	}
}

// Scale sets y[i] = c·x[i]. y must be as long as x; it may be x.
func Scale(y, x []float32, c float32) {
	checkSame("scale", "y", len(y), len(x))
	for i, v := range x {
		y[i] = c * v
	}
}

// Axpy adds alpha·x to y: y[i] += alpha·x[i], the product rounded before the
// sum (BLAS's saxpy, destination first); for alpha 1, y[i] += x[i]. y must be
// as long as x.
func Axpy(y []float32, alpha float32, x []float32) {
	checkSame("axpy", "y", len(y), len(x))
	if alpha == 1 { // x·1 is x
		addTo(y, x)
		return
	}
	for i, v := range x {
		y[i] += float32(alpha * v)
	}
}

// DivScalar sets y = a/b for b of one value, as a times its reciprocal:
// y[i] = a[i]·(1/b[0]). y must be as long as a; it may be a.
func DivScalar(y, a, b []float32) {
	checkSame("divide", "y", len(y), len(a))
	if len(b) != 1 {
		panic(fmt.Sprintf("kernels: divide by %d values; want one", len(b)))
	}
	inv := 1 / b[0]
	for i, v := range a {
		y[i] = v * inv
	}
}

// DivScalarGrad adds to da and db (either may be nil) the gradients of
// DivScalar's inputs from dy: with r = 1/b[0],
//
//	da[i] += dy[i]·r;  db[0] −= (float32(Σ dy[i]·a[i]))·r·r
//
// the sum in float64.
func DivScalarGrad(da, db, dy, a, b []float32) {
	checkSame("divide gradient", "a", len(a), len(dy))
	if len(b) != 1 {
		panic(fmt.Sprintf("kernels: divide by %d values; want one", len(b)))
	}
	inv := 1 / b[0]
	if da != nil {
		checkSame("divide gradient", "da", len(da), len(dy))
		for i, g := range dy {
			da[i] += float32(g * inv)
		}
	}
	if db != nil {
		var s float64
		for i, g := range dy {
			s += float64(g) * float64(a[i])
		}
		db[0] -= float32(s) * inv * inv
	}
}
