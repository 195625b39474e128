package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The kernels of binary.go, reduce.go and unary.go are checked bit for bit
// against plain per-element loops that compute each output from its
// multi-index, on shapes that take every layout (one shape, tile, block,
// the general walk) with awkward sizes.

// sameBits fails the test unless got and want hold the same bits.
func sameBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

// bcastShape is NumPy's broadcast of a and b (the shapes of the tests do
// broadcast).
func bcastShape(a, b []int) []int {
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
		out[i] = max(da, db)
		if da == 0 || db == 0 {
			out[i] = 0
		}
	}
	return out
}

// bcastIndex is the index into in (of shape in) of element i of out under
// broadcasting: i's multi-index with the broadcast axes set to 0.
func bcastIndex(i int, out, in []int) int {
	idx, stride := 0, 1
	for ax := len(out) - 1; ax >= 0; ax-- {
		c := i % out[ax]
		i /= out[ax]
		if j := len(in) - len(out) + ax; j >= 0 {
			if in[j] != 1 {
				idx += c * stride
			}
			stride *= in[j]
		}
	}
	return idx
}

// binaryShapes are pairs of shapes for Binary, with the layout each takes.
var binaryShapes = []struct {
	a, b []int
	lay  layout
}{
	{[]int{3, 5}, []int{3, 5}, layoutSame},
	{[]int{7}, []int{7}, layoutSame},
	{[]int{2, 3, 7}, []int{7}, layoutTile},
	{[]int{2, 3, 7}, []int{3, 7}, layoutTile},
	{[]int{3, 1, 5}, []int{1, 5}, layoutTile},
	{[]int{4, 3, 5, 2}, []int{4, 3, 1, 1}, layoutBlock},
	{[]int{4, 3, 5, 2}, []int{4, 3, 5, 1}, layoutBlock},
	{[]int{3, 5}, []int{1}, layoutBlock},
	{[]int{3, 5}, []int{}, layoutBlock},
	{[]int{3, 1, 5}, []int{4, 1}, layoutGeneral},
	{[]int{1, 5}, []int{3, 5}, layoutGeneral},
	{[]int{2, 3, 1}, []int{3, 5}, layoutGeneral},
	{[]int{5}, []int{2, 3, 5}, layoutGeneral},
	{[]int{0, 3}, []int{3}, layoutTile},
	// the general walk's runs: both inputs along the run, one broadcast along it, axes of 1 inside and at the end
	{[]int{2, 3, 4, 5, 6}, []int{2, 1, 4, 5, 6}, layoutGeneral},
	{[]int{2, 1, 4, 5, 6}, []int{2, 3, 4, 5, 6}, layoutGeneral},
	{[]int{3, 1}, []int{1, 5}, layoutGeneral},
	{[]int{4, 1, 6}, []int{4, 5, 1}, layoutGeneral},
	{[]int{2, 1, 3, 1}, []int{1, 4, 1, 1}, layoutGeneral},
	{[]int{3, 1, 1}, []int{1, 1, 1}, layoutBlock},
	{[]int{1, 1, 1}, []int{2, 1, 1}, layoutGeneral},
	{[]int{0, 3, 1}, []int{1, 4}, layoutGeneral},
}

// refOp is a op b, written out per op.
func refOp(op BinaryOp, x, v float32) float32 {
	return [...]float32{x + v, x - v, x * v, x / v}[op]
}

// refPartials are ∂(x op v)/∂x and ∂(x op v)/∂v.
func refPartials(op BinaryOp, x, v float32) (float32, float32) {
	switch op {
	case OpAdd:
		return 1, 1
	case OpSub:
		return 1, -1
	case OpMul:
		return v, x
	}
	return 1 / v, -x / (v * v)
}

func TestBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, sh := range binaryShapes {
		ys := bcastShape(sh.a, sh.b)
		if lay, _ := classify(ys, sh.a, sh.b); lay != sh.lay {
			t.Fatalf("%v op %v: layout %d, want %d", sh.a, sh.b, lay, sh.lay)
		}
		for op := OpAdd; op <= OpDiv; op++ {
			name := fmt.Sprintf("%v op%d %v", sh.a, op, sh.b)
			a, b := randValues(r, shapeSize(sh.a), false), randValues(r, shapeSize(sh.b), false)
			dy := randValues(r, shapeSize(ys), false)
			want := make([]float32, len(dy))
			wda, wdb := randValues(r, len(a), false), randValues(r, len(b), false)
			da, db := slices.Clone(wda), slices.Clone(wdb)
			da0, db0 := slices.Clone(da), slices.Clone(db)
			for i := range want {
				ia, ib := bcastIndex(i, ys, sh.a), bcastIndex(i, ys, sh.b)
				want[i] = refOp(op, a[ia], b[ib])
				pa, pb := refPartials(op, a[ia], b[ib])
				wda[ia] += float32(dy[i] * pa)
				wdb[ib] += float32(dy[i] * pb)
			}
			y := make([]float32, len(want))
			Binary(op, y, a, b, ys, sh.a, sh.b)
			sameBits(t, name+": y", y, want)
			BinaryGrad(op, da, db, dy, a, b, ys, sh.a, sh.b)
			sameBits(t, name+": da", da, wda)
			sameBits(t, name+": db", db, wdb)
			// one gradient alone
			BinaryGrad(op, da0, nil, dy, a, b, ys, sh.a, sh.b)
			sameBits(t, name+": da alone", da0, wda)
			BinaryGrad(op, nil, db0, dy, a, b, ys, sh.a, sh.b)
			sameBits(t, name+": db alone", db0, wdb)
		}
	}
}

// The same tensor as both inputs (x·x, x − x): one gradient buffer gets both
// partial derivatives, the one for a first.
func TestBinaryGradAliased(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	shape := []int{3, 7}
	for op := OpAdd; op <= OpDiv; op++ {
		x, dy := randValues(r, 21, false), randValues(r, 21, false)
		g := randValues(r, 21, false)
		want := slices.Clone(g)
		for i := range want {
			pa, pb := refPartials(op, x[i], x[i])
			want[i] += float32(dy[i] * pa)
			want[i] += float32(dy[i] * pb)
		}
		BinaryGrad(op, g, g, dy, x, x, shape, shape, shape)
		sameBits(t, fmt.Sprintf("op%d", op), g, want)
	}
}

func TestScaleAxpyDivScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	for _, n := range lengths {
		x, y0 := randValues(r, n, true), randValues(r, n, false)
		for _, c := range []float32{1, -1.7, 0} {
			want := make([]float32, n)
			for i, v := range x {
				want[i] = c * v
			}
			y := make([]float32, n)
			Scale(y, x, c)
			sameBits(t, fmt.Sprintf("scale n=%d c=%g", n, c), y, want)
			for i, v := range x {
				want[i] = y0[i] + float32(c*v)
			}
			y = slices.Clone(y0)
			Axpy(y, c, x)
			if c == 1 {
				for i, v := range x {
					want[i] = y0[i] + v
				}
			}
			sameBits(t, fmt.Sprintf("axpy n=%d c=%g", n, c), y, want)
		}
		b := []float32{float32(r.NormFloat64())}
		inv := 1 / b[0]
		want := make([]float32, n)
		for i, v := range x {
			want[i] = v * inv
		}
		y := make([]float32, n)
		DivScalar(y, x, b)
		sameBits(t, fmt.Sprintf("divide n=%d", n), y, want)
		dy, da0 := randValues(r, n, false), randValues(r, n, false)
		wa, wb := slices.Clone(da0), []float32{0.5}
		var s float64
		for i, g := range dy {
			wa[i] += float32(g * inv)
			s += float64(g) * float64(x[i])
		}
		wb[0] -= float32(s) * inv * inv
		da, db := slices.Clone(da0), []float32{0.5}
		DivScalarGrad(da, db, dy, x, b)
		sameBits(t, fmt.Sprintf("divide gradient n=%d: da", n), da, wa)
		sameBits(t, fmt.Sprintf("divide gradient n=%d: db", n), db, wb)
	}
}

func TestSumAxes(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	for _, tc := range []struct{ xs, keep []int }{
		{[]int{3, 4, 5}, []int{1, 1, 1}},
		{[]int{3, 4, 5}, []int{1, 4, 1}},
		{[]int{3, 4, 5}, []int{3, 4, 1}},
		{[]int{3, 4, 5}, []int{3, 1, 5}},
		{[]int{7}, []int{7}},
		{[]int{2, 1, 33}, []int{1, 1, 33}},
		{[]int{2, 3, 4, 5, 6}, []int{2, 1, 4, 5, 6}},
		{[]int{4, 1, 6, 1}, []int{1, 1, 6, 1}},
		{[]int{5, 3, 1, 4}, []int{5, 1, 1, 4}},
		{[]int{3, 4, 5}, []int{1, 4, 5}},
		{[]int{1, 1}, []int{1, 1}},
		{[]int{0, 4}, []int{1, 4}},
	} {
		x := randValues(r, shapeSize(tc.xs), false)
		acc := make([]float64, shapeSize(tc.keep))
		for i, v := range x {
			acc[bcastIndex(i, tc.xs, tc.keep)] += float64(v)
		}
		const scale = 1.0 / 3
		want := make([]float32, len(acc))
		for i, v := range acc {
			want[i] = float32(v * scale)
		}
		y := make([]float32, len(want))
		SumAxes(y, x, tc.xs, tc.keep, scale)
		sameBits(t, fmt.Sprintf("sum %v to %v", tc.xs, tc.keep), y, want)
		dy, dx0 := randValues(r, len(want), false), randValues(r, len(x), false)
		wdx := slices.Clone(dx0)
		for i := range wdx {
			wdx[i] += float32(float32(scale) * dy[bcastIndex(i, tc.xs, tc.keep)])
		}
		SumAxesGrad(dx0, dy, tc.xs, tc.keep, scale)
		sameBits(t, fmt.Sprintf("sum gradient %v to %v", tc.xs, tc.keep), dx0, wdx)
	}
}

func TestUnary(t *testing.T) {
	r := rand.New(rand.NewPCG(39, 40))
	type ref struct {
		f  func(x float32) float32
		df func(x, y float32) float32
	}
	const alpha = -0.5
	refs := map[UnaryOp]ref{
		OpLeaky: {func(x float32) float32 {
			if x > 0 {
				return x
			}
			return alpha * x
		}, func(x, _ float32) float32 {
			if x > 0 {
				return 1
			}
			return alpha
		}},
		OpSigmoid: {func(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) },
			func(_, y float32) float32 { return y * (1 - y) }},
		OpAbs: {func(x float32) float32 { return float32(math.Abs(float64(x))) }, func(x, _ float32) float32 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return 0
		}},
		OpSqrt:  {func(x float32) float32 { return float32(math.Sqrt(float64(x))) }, func(_, y float32) float32 { return 0.5 / y }},
		OpRsqrt: {func(x float32) float32 { return float32(1 / math.Sqrt(float64(x))) }, func(_, y float32) float32 { return -0.5 * y * y * y }},
	}
	for op, rf := range refs {
		for _, n := range lengths {
			x := randValues(r, n, false)
			if op == OpSqrt || op == OpRsqrt {
				for i := range x {
					x[i] = float32(math.Abs(float64(x[i]))) + 0.01
				}
			}
			want := make([]float32, n)
			for i, v := range x {
				want[i] = rf.f(v)
			}
			y := make([]float32, n)
			Unary(op, y, x, alpha)
			if op == OpSigmoid { // the kernel avoids exp overflow; equal to the naive formula up to rounding
				for i := range y {
					if math.Abs(float64(y[i]-want[i])) > 1e-7 {
						t.Fatalf("sigmoid(%g) = %g, want %g", x[i], y[i], want[i])
					}
				}
				copy(want, y)
			}
			sameBits(t, fmt.Sprintf("op%d n=%d", op, n), y, want)
			dy, dx := randValues(r, n, false), randValues(r, n, false)
			wdx := slices.Clone(dx)
			for i := range wdx {
				wdx[i] += float32(dy[i] * rf.df(x[i], y[i]))
			}
			UnaryGrad(op, dx, dy, x, y, alpha)
			sameBits(t, fmt.Sprintf("op%d gradient n=%d", op, n), dx, wdx)
		}
	}
}
