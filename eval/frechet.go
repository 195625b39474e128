package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Gaussian is a multivariate normal distribution, as fitted to feature vectors by FitGaussian. Fitting the
// real data once and keeping its Gaussian lets many generated sets be compared with it cheaply.
type Gaussian struct {
	// Mean is the mean vector, of length d.
	Mean []float64
	// Cov is the d×d covariance matrix.
	Cov *mat.SymDense
}

// FitGaussian returns the sample mean and the unbiased sample covariance (divided by n-1, like numpy.cov
// and the FID reference code) of the n feature vectors x, each of the same length d. It needs n ≥ 2, d ≥ 1
// and finite values.
func FitGaussian(x [][]float64) (Gaussian, error) {
	if len(x) < 2 {
		return Gaussian{}, fmt.Errorf("fit gaussian: %d feature vectors, want at least 2", len(x))
	}
	d := len(x[0])
	if d == 0 {
		return Gaussian{}, fmt.Errorf("fit gaussian: feature vector 0 is empty, want at least 1 value")
	}
	mean := make([]float64, d)
	for i, v := range x {
		if len(v) != d {
			return Gaussian{}, fmt.Errorf("fit gaussian: feature vector %d has %d values, want %d like vector 0", i, len(v), d)
		}
		for j, f := range v {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return Gaussian{}, fmt.Errorf("fit gaussian: feature vector %d value %d is %v, want a finite number", i, j, f)
			}
			mean[j] += f
		}
	}
	for j := range mean {
		mean[j] /= float64(len(x))
	}
	centred := mat.NewDense(len(x), d, nil)
	for i, v := range x {
		for j, f := range v {
			centred.Set(i, j, f-mean[j])
		}
	}
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(len(x)-1), centred.T()) // Σ = Xcᵀ·Xc / (n-1)
	return Gaussian{Mean: mean, Cov: cov}, nil
}

// FrechetDistance returns the squared Fréchet (2-Wasserstein) distance between Gaussians a and b, the
// quantity behind FID (Heusel et al. 2017):
//
//	‖μa − μb‖² + Tr(Σa) + Tr(Σb) − 2·Tr((Σa·Σb)^½).
//
// The trace of the matrix square root is computed stably with symmetric eigendecompositions only: with
// S = Σa^½, Σa·Σb has the same eigenvalues as the symmetric positive semi-definite S·Σb·S, so
// Tr((Σa·Σb)^½) = Σ_i √λ_i(S·Σb·S). Eigenvalues that rounding pushes below zero count as 0, so singular
// covariances (fewer samples than dimensions) are fine, and a result rounding below 0 is returned as 0.
// It returns an error if the dimensions disagree, a covariance is missing, or a value is not finite.
func FrechetDistance(a, b Gaussian) (float64, error) {
	d := len(a.Mean)
	for _, g := range []struct {
		name string
		g    Gaussian
	}{{"a", a}, {"b", b}} {
		if len(g.g.Mean) == 0 || g.g.Cov == nil {
			return 0, fmt.Errorf("frechet distance: gaussian %s has %d-long mean and covariance %v, want both set", g.name, len(g.g.Mean), g.g.Cov != nil)
		}
		if len(g.g.Mean) != d || g.g.Cov.SymmetricDim() != d {
			return 0, fmt.Errorf("frechet distance: gaussian %s has mean of length %d and %d×%d covariance, want %d like a's mean", g.name, len(g.g.Mean), g.g.Cov.SymmetricDim(), g.g.Cov.SymmetricDim(), d)
		}
		for i, m := range g.g.Mean {
			if math.IsNaN(m) || math.IsInf(m, 0) {
				return 0, fmt.Errorf("frechet distance: gaussian %s mean value %d is %v, want a finite number", g.name, i, m)
			}
			for j := range d {
				if v := g.g.Cov.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
					return 0, fmt.Errorf("frechet distance: gaussian %s covariance (%d, %d) is %v, want a finite number", g.name, i, j, v)
				}
			}
		}
	}
	var dist float64
	for i := range d {
		dm := a.Mean[i] - b.Mean[i]
		dist += dm*dm + a.Cov.At(i, i) + b.Cov.At(i, i)
	}

	sqrtA, err := sqrtPSD(a.Cov)
	if err != nil {
		return 0, fmt.Errorf("frechet distance: square root of a's covariance: %w", err)
	}
	var m mat.Dense
	m.Mul(sqrtA, b.Cov)
	m.Mul(&m, sqrtA)
	sym := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			sym.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2) // exactly symmetric despite rounding
		}
	}
	vals, _, err := eigenSym(sym, false)
	if err != nil {
		return 0, fmt.Errorf("frechet distance: eigenvalues of Σa^½·Σb·Σa^½: %w", err)
	}
	var trSqrt float64
	for _, v := range vals {
		trSqrt += math.Sqrt(max(v, 0))
	}
	return max(dist-2*trSqrt, 0), nil
}

// sqrtPSD returns V·diag(√max(λ, 0))·Vᵀ for the eigendecomposition s = V·diag(λ)·Vᵀ: the square root of
// the symmetric positive semi-definite s, with rounding-negative eigenvalues treated as 0.
func sqrtPSD(s *mat.SymDense) (*mat.SymDense, error) {
	vals, vecs, err := eigenSym(s, true)
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		vals[i] = math.Sqrt(max(v, 0))
	}
	var scaled mat.Dense
	scaled.Apply(func(_, j int, v float64) float64 { return v * vals[j] }, vecs) // V·diag(√λ)
	var root mat.Dense
	root.Mul(&scaled, vecs.T())
	n := s.SymmetricDim()
	out := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			out.SetSym(i, j, (root.At(i, j)+root.At(j, i))/2)
		}
	}
	return out, nil
}

// eigenSym returns the eigenvalues of s and, if vectors is true, its eigenvectors as columns.
func eigenSym(s *mat.SymDense, vectors bool) ([]float64, *mat.Dense, error) {
	var e mat.EigenSym
	if !e.Factorize(s, vectors) {
		return nil, nil, fmt.Errorf("symmetric eigendecomposition of a %d×%d matrix did not converge", s.SymmetricDim(), s.SymmetricDim())
	}
	vals := e.Values(nil)
	if !vectors {
		return vals, nil, nil
	}
	var vecs mat.Dense
	e.VectorsTo(&vecs)
	return vals, &vecs, nil
}
