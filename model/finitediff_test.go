package model

import "math"

// generatorEps is the step of the generator's finite-difference checks.
const generatorEps = 2e-3

// centralDiff returns (L(v + ε) − L(v − ε))/2ε for v = values[i], ε = generatorEps, putting v back.
func centralDiff(values []float32, i int, loss func() float64) float64 {
	old := values[i]
	values[i] = old + generatorEps
	up := loss()
	values[i] = old - generatorEps
	down := loss()
	values[i] = old
	return (up - down) / (2 * generatorEps)
}

// generatorGradOK says whether a backward gradient through the generator matches its central difference: float32
// rounding through four layers moves the differences by up to about 10%.
func generatorGradOK(backward float32, num float64) bool {
	return math.Abs(num-float64(backward)) <= 2e-3+0.15*math.Abs(num)
}
