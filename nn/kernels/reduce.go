package kernels

import (
	"fmt"
	"sync"
)

// SumAxes sets y to the sums of x (of shape xs) over the axes where keep,
// x's shape with the summed axes set to 1, is 1 and xs is not, times scale:
//
//	acc[o] = Σ float64(x[i]) over the elements i of x in order (o: i's element of keep);  y[o] = float32(acc[o]·scale)
//
// with acc in float64. y holds the values of keep. (Mean is scale 1/count.)
func SumAxes(y, x []float32, xs, keep []int, scale float64) {
	checkReduce("sum", y, x, xs, keep)
	buf := getSums(len(y))
	defer sums.Put(buf)
	acc := *buf
	forRuns(xs, xs, keep, func(i, _, o, n, _, so int) {
		if so == 1 {
			for j, v := range x[i : i+n] {
				acc[o+j] += float64(v)
			}
			return
		}
		s := acc[o] // summed in order, as one walk over x would
		for _, v := range x[i : i+n] {
			s += float64(v)
		}
		acc[o] = s
	})
	for i, v := range acc {
		y[i] = float32(v * scale)
	}
}

// SumAxesGrad adds to dx the gradient of SumAxes's input from dy, the
// gradient of its output: dx[i] += scale·dy[o], o being i's element of keep.
func SumAxesGrad(dx, dy []float32, xs, keep []int, scale float32) {
	checkReduce("sum gradient", dy, dx, xs, keep)
	forRuns(xs, xs, keep, func(i, _, o, n, _, so int) {
		if so == 1 {
			for j := range dx[i : i+n] {
				dx[i+j] += float32(scale * dy[o+j])
			}
			return
		}
		g := float32(scale * dy[o])
		for j := range dx[i : i+n] {
			dx[i+j] += g
		}
	})
}

// checkReduce panics unless keep has xs's rank, its axes are those of xs or
// 1, and x and y hold the values of xs and keep.
func checkReduce(op string, y, x []float32, xs, keep []int) {
	ok := len(keep) == len(xs)
	for i := range keep {
		ok = ok && (keep[i] == xs[i] || keep[i] == 1)
	}
	if !ok {
		panic(fmt.Sprintf("kernels: %s of shape %v to %v", op, xs, keep))
	}
	checkShape(op, "x", x, xs)
	checkShape(op, "y", y, keep)
}

// sums keeps SumAxes's float64 accumulators between calls, so that a training step's means do not allocate.
var sums sync.Pool

// getSums returns n zeroed float64 accumulators; give them back with sums.Put.
func getSums(n int) *[]float64 {
	if v, ok := sums.Get().(*[]float64); ok && cap(*v) >= n {
		*v = (*v)[:n]
		clear(*v)
		return v
	}
	s := make([]float64, n)
	return &s
}
