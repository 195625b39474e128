//go:build !amd64 || noasm

package kernels

// Without assembly the elementwise kernels are their Go versions
// (elementwise_go.go).

func leaky(y, x []float32, alpha float32) { leakyGo(y, x, alpha) }

func tanh(y, x []float32) { tanhGo(y, x) }

func leakyGrad(dst, gy, y []float32, alpha float32, add bool) { leakyGradGo(dst, gy, y, alpha, add) }

func bnRows(y, x, mu, k, beta []float32, alpha float32, leaky bool) {
	bnRowsGo(y, x, mu, k, beta, alpha, leaky)
}

func bnGradRows(dx, x, dz, mu, invStd, k, mg, mgx []float32, add bool) {
	bnGradRowsGo(dx, x, dz, mu, invStd, k, mg, mgx, add)
}

func adamStep(p, g, m, v []float32, c AdamCoeffs) { adamStepGo(p, g, m, v, c) }

func momentSums(x []float32, c int, shift, a, b []float64) { momentSumsGo(x, c, shift, a, b) }

func gradSums(x, dz, mean, invStd []float32, a, b []float64) { gradSumsGo(x, dz, mean, invStd, a, b) }
