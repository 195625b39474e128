package kernels

import "fmt"

// SumAxes sets y to the sums of x (of shape xs) over the axes where keep,
// x's shape with the summed axes set to 1, is 1 and xs is not, times scale:
//
//	acc[o] = Σ float64(x[i]) over the elements i of x in order (o: i's element of keep);  y[o] = float32(acc[o]·scale)
//
// with acc in float64. y holds the values of keep. (Mean is scale 1/count.)
func SumAxes(y, x []float32, xs, keep []int, scale float64) {
	checkReduce("sum", y, x, xs, keep)
	acc := make([]float64, len(y))
	forBroadcast(xs, xs, keep, func(i, _, o int) { acc[o] += float64(x[i]) })
	for i, v := range acc {
		y[i] = float32(v * scale)
	}
}

// SumAxesGrad adds to dx the gradient of SumAxes's input from dy, the
// gradient of its output: dx[i] += scale·dy[o], o being i's element of keep.
func SumAxesGrad(dx, dy []float32, xs, keep []int, scale float32) {
	checkReduce("sum gradient", dy, dx, xs, keep)
	forBroadcast(xs, xs, keep, func(i, _, o int) { dx[i] += float32(scale * dy[o]) })
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
