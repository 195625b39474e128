package eval

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randSPD returns a random d×d covariance A·Aᵀ + 0.1·I.
func randSPD(rng *rand.Rand, d int) *mat.SymDense {
	a := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	s := mat.NewSymDense(d, nil)
	s.SymOuterK(1, a)
	for i := range d {
		s.SetSym(i, i, s.At(i, i)+0.1)
	}
	return s
}

func randVec(rng *rand.Rand, d int, scale float64) []float64 {
	v := make([]float64, d)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

// refFrechet computes Tr((Σa·Σb)^½) from the eigenvalues of the non-symmetric product Σa·Σb (real and
// non-negative for positive definite Σa, Σb), a route independent of FrechetDistance's.
func refFrechet(t *testing.T, a, b Gaussian) float64 {
	var prod mat.Dense
	prod.Mul(a.Cov, b.Cov)
	var e mat.Eigen
	if !e.Factorize(&prod, mat.EigenNone) {
		t.Fatal("reference eigendecomposition failed")
	}
	var dist, tr float64
	for i, m := range a.Mean {
		dist += (m-b.Mean[i])*(m-b.Mean[i]) + a.Cov.At(i, i) + b.Cov.At(i, i)
	}
	for _, v := range e.Values(nil) {
		tr += math.Sqrt(real(v))
	}
	return dist - 2*tr
}

func TestFrechetDistanceClosedForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, d := range []int{1, 2, 5, 13} {
		cov := randSPD(rng, d)
		mu1, mu2 := randVec(rng, d, 2), randVec(rng, d, 2)
		var dmu2 float64
		for i := range d {
			dmu2 += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i])
		}

		// Identical Gaussians: 0 (tolerance relative to the covariance's trace, which the formula cancels).
		g := Gaussian{Mean: mu1, Cov: cov}
		if got, err := FrechetDistance(g, g); err != nil || got > 1e-9*mat.Trace(cov) {
			t.Errorf("d=%d identical: %v, %v; want 0", d, got, err)
		}
		// Same covariance, different means: ‖Δμ‖².
		if got, err := FrechetDistance(g, Gaussian{Mean: mu2, Cov: cov}); err != nil || math.Abs(got-dmu2) > 1e-9*(dmu2+mat.Trace(cov)) {
			t.Errorf("d=%d same covariance: %v, %v; want ‖Δμ‖² = %v", d, got, err, dmu2)
		}
		// Diagonal covariances: Σ(σa - σb)² + ‖Δμ‖².
		da, db := mat.NewSymDense(d, nil), mat.NewSymDense(d, nil)
		want := dmu2
		for i := range d {
			sa, sb := 0.1+rng.Float64()*3, 0.1+rng.Float64()*3
			da.SetSym(i, i, sa*sa)
			db.SetSym(i, i, sb*sb)
			want += (sa - sb) * (sa - sb)
		}
		if got, err := FrechetDistance(Gaussian{mu1, da}, Gaussian{mu2, db}); err != nil || math.Abs(got-want) > 1e-9*want {
			t.Errorf("d=%d diagonal: %v, %v; want %v", d, got, err, want)
		}
		// Commuting covariances Q·Da·Qᵀ and Q·Db·Qᵀ: the same formula on the eigenvalues.
		var qr mat.QR
		qr.Factorize(mat.NewDense(d, d, randVec(rng, d*d, 1)))
		var q mat.Dense
		qr.QTo(&q)
		rot := func(diag *mat.SymDense) *mat.SymDense {
			var m mat.Dense
			m.Mul(&q, diag)
			m.Mul(&m, q.T())
			s := mat.NewSymDense(d, nil)
			for i := range d {
				for j := i; j < d; j++ {
					s.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
				}
			}
			return s
		}
		if got, err := FrechetDistance(Gaussian{mu1, rot(da)}, Gaussian{mu2, rot(db)}); err != nil || math.Abs(got-want) > 1e-8*want {
			t.Errorf("d=%d rotated diagonal: %v, %v; want %v", d, got, err, want)
		}
		// General covariances: against the non-symmetric eigenvalue route; and symmetric in its arguments.
		a, b := Gaussian{mu1, randSPD(rng, d)}, Gaussian{mu2, randSPD(rng, d)}
		ab, err := FrechetDistance(a, b)
		ba, _ := FrechetDistance(b, a)
		ref := refFrechet(t, a, b)
		if err != nil || math.Abs(ab-ref) > 1e-8*(ref+1) || math.Abs(ab-ba) > 1e-8*(ref+1) {
			t.Errorf("d=%d general: FD(a, b) = %v, FD(b, a) = %v, %v; reference %v", d, ab, ba, err, ref)
		}
	}
}

func TestFitGaussianByHand(t *testing.T) {
	// Deviations from the mean (3, 4): (-2, -2), (0, 2), (2, 0). Var = (4+0+4)/2 and (4+4+0)/2, cov (4+0+0)/2.
	g, err := FitGaussian([][]float64{{1, 2}, {3, 6}, {5, 4}})
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewSymDense(2, []float64{4, 2, 2, 4})
	if g.Mean[0] != 3 || g.Mean[1] != 4 || !mat.EqualApprox(g.Cov, want, 1e-12) {
		t.Errorf("FitGaussian = mean %v cov %v; want mean [3 4] cov %v", g.Mean, mat.Formatted(g.Cov), mat.Formatted(want))
	}
}

// TestFrechetDistanceFromSamples fits Gaussians to many samples of known Gaussians (x = μ + L·z) and compares
// the estimate with the exact distance. The estimate's error is O(d/√n) in relative terms; with n = 20000
// and d = 4 a 3% relative tolerance is many standard errors wide.
func TestFrechetDistanceFromSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const n, d = 20000, 4
	sample := func(g Gaussian) [][]float64 {
		var chol mat.Cholesky
		if !chol.Factorize(g.Cov) {
			t.Fatal("covariance not positive definite")
		}
		var l mat.TriDense
		chol.LTo(&l)
		xs := make([][]float64, n)
		for i := range xs {
			z := mat.NewVecDense(d, randVec(rng, d, 1))
			var x mat.VecDense
			x.MulVec(&l, z)
			xs[i] = make([]float64, d)
			for j := range d {
				xs[i][j] = g.Mean[j] + x.AtVec(j)
			}
		}
		return xs
	}
	a := Gaussian{randVec(rng, d, 1), randSPD(rng, d)}
	b := Gaussian{randVec(rng, d, 1), randSPD(rng, d)}
	exact, err := FrechetDistance(a, b)
	if err != nil {
		t.Fatal(err)
	}
	fa, err1 := FitGaussian(sample(a))
	fb, err2 := FitGaussian(sample(b))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	est, err := FrechetDistance(fa, fb)
	t.Logf("exact %.4f, estimate from %d samples each %.4f", exact, n, est)
	if err != nil || math.Abs(est-exact) > 0.03*exact {
		t.Errorf("sample estimate %v, %v; exact %v (want within 3%%)", est, err, exact)
	}
	// Two samples of the same Gaussian: near 0 against the scale of the covariance.
	fa2, _ := FitGaussian(sample(a))
	if same, err := FrechetDistance(fa, fa2); err != nil || same > 0.01*mat.Trace(a.Cov) {
		t.Errorf("two samples of one Gaussian: %v, %v; want below 1%% of Tr Σ = %v", same, err, mat.Trace(a.Cov))
	}
}

// TestFrechetDistanceSingular: fewer samples than dimensions give singular covariances; the result must still
// be finite, non-negative, and 0 for a set against itself.
func TestFrechetDistanceSingular(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	xs, ys := make([][]float64, 3), make([][]float64, 5)
	for i := range xs {
		xs[i] = randVec(rng, 7, 1)
	}
	for i := range ys {
		ys[i] = randVec(rng, 7, 1)
	}
	a, _ := FitGaussian(xs)
	b, _ := FitGaussian(ys)
	if got, err := FrechetDistance(a, b); err != nil || !(got > 0) || math.IsInf(got, 0) {
		t.Errorf("singular covariances: %v, %v; want finite positive", got, err)
	}
	if got, err := FrechetDistance(a, a); err != nil || got > 1e-9 {
		t.Errorf("singular covariance against itself: %v, %v; want 0", got, err)
	}
}

func TestFrechetBadInput(t *testing.T) {
	good := Gaussian{Mean: []float64{0, 1}, Cov: mat.NewSymDense(2, []float64{1, 0, 0, 1})}
	nanCov := Gaussian{Mean: []float64{0, 1}, Cov: mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1})}
	for _, tc := range []struct {
		name string
		a, b Gaussian
		want string
	}{
		{"empty", Gaussian{}, good, "gaussian a has 0-long mean"},
		{"dimensions differ", good, Gaussian{Mean: []float64{0, 1, 2}, Cov: mat.NewSymDense(3, nil)}, "gaussian b has mean of length 3"},
		{"covariance size", good, Gaussian{Mean: []float64{0, 1}, Cov: mat.NewSymDense(3, nil)}, "3×3 covariance, want 2"},
		{"NaN mean", Gaussian{Mean: []float64{math.NaN(), 1}, Cov: good.Cov}, good, "mean value 0 is NaN"},
		{"NaN covariance", good, nanCov, "covariance (0, 1) is NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FrechetDistance(tc.a, tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		x    [][]float64
		want string
	}{
		{"none", nil, "0 feature vectors, want at least 2"},
		{"one", [][]float64{{1, 2}}, "1 feature vectors, want at least 2"},
		{"empty vectors", [][]float64{{}, {}}, "feature vector 0 is empty"},
		{"ragged", [][]float64{{1, 2}, {3}}, "feature vector 1 has 1 values, want 2"},
		{"Inf", [][]float64{{1, 2}, {3, math.Inf(-1)}}, "feature vector 1 value 1 is -Inf"},
	} {
		t.Run("fit "+tc.name, func(t *testing.T) {
			if _, err := FitGaussian(tc.x); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
