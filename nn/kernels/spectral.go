package kernels

import (
	"fmt"
	"math"
)

// The pieces of spectral normalisation (package nn's SpectralNorm) besides
// its matrix-vector products (Sgemm): a weight is read as a matrix A of
// rows = len(v) rows and out = len(u) columns, and σ = vᵀ·A·u.

// Normalize scales x to unit length: x[i] ·= float32(1/max(‖x‖, 1e-12)),
// the norm in float64; an all-zero x is left alone.
func Normalize(x []float32) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Max(math.Sqrt(ss), 1e-12))
	for i := range x {
		x[i] *= inv
	}
}

// BilinearForm returns vᵀ·A·u for A, w read as len(v)×len(u), in float64:
// Σ_i v[i]·(Σ_j w[i·out+j]·u[j]).
func BilinearForm(w, u, v []float32) float64 {
	checkSpectral("bilinear form", len(w), len(u), len(v))
	out := len(u)
	var sigma float64
	for i, vi := range v {
		var row float64
		for j, a := range w[i*out : (i+1)*out] {
			row += float64(a) * float64(u[j])
		}
		sigma += float64(vi) * row
	}
	return sigma
}

// SpectralNormGrad adds to dw the gradient of w from dy, the gradient of
// y = w·inv with inv = 1/σ and σ = vᵀ·A·u for u and v held constant: with
// d = float32(Σ dy·y) (in float64),
//
//	dw[i·out+j] += (dy[i·out+j] − d·v[i]·u[j])·inv
//
// dw, dy, y and w have len(v)·len(u) values.
func SpectralNormGrad(dw, dy, y, u, v []float32, inv float32) {
	checkSpectral("spectral norm gradient", len(dw), len(u), len(v))
	checkSame("spectral norm gradient", "dy", len(dy), len(dw))
	checkSame("spectral norm gradient", "y", len(y), len(dw))
	var dot float64
	for i, g := range dy {
		dot += float64(g) * float64(y[i])
	}
	d, out := float32(dot), len(u)
	for i, vi := range v {
		row, grow := dy[i*out:(i+1)*out], dw[i*out:(i+1)*out]
		for j, g := range row {
			grow[j] += float32((g - float32(float32(d*vi)*u[j])) * inv)
		}
	}
}

// checkSpectral panics unless a weight of n values is a matrix of len(v)
// rows and len(u) columns.
func checkSpectral(op string, n, u, v int) {
	if u*v != n {
		panic(fmt.Sprintf("kernels: %s of a weight of %d values with vectors of %d and %d", op, n, u, v))
	}
}
