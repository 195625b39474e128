package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// BatchNorm and BatchNormGrad against a two-pass float64 reference of their
// definitions, in groups, in both modes, with every activation, on sizes that
// take one part and two halves.

// batchMoments' one-pass shifted sums agree with a two-pass float64
// reference, also for data far from zero (mean ≫ standard deviation) and on
// sizes that take the two halves.
func TestBatchMomentsMatchTwoPass(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	for _, tc := range []struct{ m, c int }{{2, 1}, {7, 3}, {131, 13}, {parallelMin/5 + 3, 7}} {
		for _, offset := range []float64{0, 1e3} {
			x := make([]float32, tc.m*tc.c)
			for i := range x {
				x[i] = float32(offset + r.NormFloat64()*(1+float64(i%tc.c)))
			}
			mean, variance := batchMoments(x, tc.c)
			mu, v := twoPass(x, tc.c)
			for j := range tc.c {
				if math.Abs(mean[j]-mu[j]) > 1e-9*(1+math.Abs(mu[j])) || math.Abs(variance[j]-v[j]) > 1e-7*(1+v[j]) {
					t.Fatalf("m=%d c=%d offset %g channel %d: mean %g var %g, want %g %g",
						tc.m, tc.c, offset, j, mean[j], variance[j], mu[j], v[j])
				}
			}
		}
	}
}

// twoPass returns each channel's mean and biased variance in float64.
func twoPass(x []float32, c int) (mean, variance []float64) {
	m := len(x) / c
	mean, variance = make([]float64, c), make([]float64, c)
	for j := range c {
		for i := j; i < len(x); i += c {
			mean[j] += float64(x[i])
		}
		mean[j] /= float64(m)
		for i := j; i < len(x); i += c {
			d := float64(x[i]) - mean[j]
			variance[j] += d * d
		}
		variance[j] /= float64(m)
	}
	return mean, variance
}

// near fails unless got is within tol·(1 + |want|) of want.
func near(t *testing.T, name string, got float32, want, tol float64) {
	if math.Abs(float64(got)-want) > tol*(1+math.Abs(want)) {
		t.Helper()
		t.Fatalf("%s = %g, want %g", name, got, want)
	}
}

func TestBatchNorm(t *testing.T) {
	forEachISA(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(55, 56))
		for _, tc := range []struct{ rows, c, groups int }{
			{2, 1, 1}, {7, 3, 1}, {12, 5, 3}, {parallelMin/7 + 5, 7, 1}, {2 * (parallelMin/9 + 1), 9, 2},
		} {
			for _, training := range []bool{true, false} {
				for _, act := range testActs {
					name := fmt.Sprintf("%d×%d in %d groups, training %v, %+v", tc.rows, tc.c, tc.groups, training, act)
					c, m := tc.c, tc.rows/tc.groups
					p := BatchNormParams{C: c, Groups: tc.groups, Training: training, Momentum: 0.9, Eps: 1e-3}
					x, gamma, beta := randValues(r, tc.rows*c, false), randValues(r, c, false), randValues(r, c, false)
					runMean, runVar := randValues(r, c, false), randValues(r, c, false)
					for j := range runVar {
						runVar[j] = float32(math.Abs(float64(runVar[j])) + 0.5)
					}
					wantMean, wantVar := slices.Clone(runMean), slices.Clone(runVar)
					y, mean, invStd := make([]float32, len(x)), make([]float32, tc.groups*c), make([]float32, tc.groups*c)
					rm, rv := slices.Clone(runMean), slices.Clone(runVar)
					BatchNorm(y, mean, invStd, rm, rv, x, gamma, beta, p, act)
					for gi := range tc.groups {
						xg := x[gi*m*c : (gi+1)*m*c]
						mu, v := twoPass(xg, c)
						if !training {
							for j := range c {
								mu[j], v[j] = float64(runMean[j]), float64(runVar[j])
							}
						}
						for j := range c {
							s := 1 / math.Sqrt(v[j]+float64(p.Eps))
							near(t, name+": mean", mean[gi*c+j], mu[j], 1e-6)
							near(t, name+": inverse deviation", invStd[gi*c+j], s, 1e-5)
							if training {
								mom := float64(p.Momentum)
								wantMean[j] = float32(mom*float64(wantMean[j]) + (1-mom)*mu[j])
								wantVar[j] = float32(mom*float64(wantVar[j]) + (1-mom)*v[j]*float64(m)/float64(m-1))
							}
							for i := j; i < len(xg); i += c {
								z := (float64(xg[i])-mu[j])*s*float64(gamma[j]) + float64(beta[j])
								near(t, name, y[gi*m*c+i], float64(refAct(act, float32(z))), 1e-5)
							}
						}
					}
					for j := range c {
						near(t, name+": running mean", rm[j], float64(wantMean[j]), 1e-6)
						near(t, name+": running variance", rv[j], float64(wantVar[j]), 1e-6)
					}
					testBatchNormGrad(t, r, name, x, gamma, mean, invStd, p)
				}
			}
		}
	})
}

// testBatchNormGrad checks BatchNormGrad at the statistics BatchNorm
// computed, against the float64 formulas.
func testBatchNormGrad(t *testing.T, r *rand.Rand, name string, x, gamma, mean, invStd []float32, p BatchNormParams) {
	t.Helper()
	c, m := p.C, len(x)/p.C/p.Groups
	dz := randValues(r, len(x), false)
	dx0, dg0, db0 := randValues(r, len(x), false), randValues(r, c, false), randValues(r, c, false)
	wdx, wdg, wdb := make([]float64, len(x)), make([]float64, c), make([]float64, c)
	for j := range c {
		wdg[j], wdb[j] = float64(dg0[j]), float64(db0[j])
	}
	for gi := range p.Groups {
		lo := gi * m * c
		for j := range c {
			mu, s := float64(mean[gi*c+j]), float64(invStd[gi*c+j])
			var sg, sgx float64
			for i := lo + j; i < lo+m*c; i += c {
				sg += float64(dz[i])
				sgx += float64(dz[i]) * (float64(x[i]) - mu) * s
			}
			wdg[j] += sgx
			wdb[j] += sg
			for i := lo + j; i < lo+m*c; i += c {
				d := float64(dz[i])
				if p.Training {
					d -= sg/float64(m) + (float64(x[i])-mu)*s*sgx/float64(m)
				}
				wdx[i] = float64(gamma[j]) * s * d
			}
		}
	}
	for _, add := range []bool{false, true} {
		dx, dg, db := slices.Clone(dx0), slices.Clone(dg0), slices.Clone(db0)
		if !add { // in place: dx is dz
			dx = slices.Clone(dz)
		}
		dzs := dz
		if !add {
			dzs = dx
		}
		BatchNormGrad(dx, dg, db, dzs, x, gamma, mean, invStd, p, add)
		for i := range dx {
			want := wdx[i]
			if add {
				want += float64(dx0[i])
			}
			near(t, name+": dx", dx[i], want, 1e-4)
		}
		for j := range c {
			near(t, name+": dgamma", dg[j], wdg[j], 1e-4)
			near(t, name+": dbeta", db[j], wdb[j], 1e-4)
		}
	}
	// nothing wanted but the parameters' gradients
	dg, db := slices.Clone(dg0), slices.Clone(db0)
	BatchNormGrad(nil, dg, db, dz, x, gamma, mean, invStd, p, false)
	near(t, name+": dgamma alone", dg[0], wdg[0], 1e-4)
}

// TestMomentSums checks that each instruction set's shifted sums have the bits of the Go loop (same adds in the
// same order, no fused multiply-add), for channel counts around the 8 and 16 lanes of the assembly.
func TestMomentSums(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	for _, isa := range Available() {
		for _, c := range []int{1, 3, 7, 8, 9, 15, 16, 17, 33, 64, 100} {
			for _, rows := range []int{1, 5, 37} {
				t.Run(fmt.Sprintf("%v/c=%d/rows=%d", isa, c, rows), func(t *testing.T) {
					defer Force(isa)()
					x := randSlice(r, rows*c)
					for i := range x {
						x[i] = x[i]*1e3 + float32(i%5) // magnitudes where rounding shows
					}
					shift := make([]float64, c)
					for j := range shift {
						shift[j] = float64(x[j]) + 0.25
					}
					a, b := make([]float64, c), make([]float64, c)
					wa, wb := make([]float64, c), make([]float64, c)
					for j := range c { // sums already under way
						a[j], b[j] = float64(j)/3, float64(j)/7
						wa[j], wb[j] = a[j], b[j]
					}
					momentSums(x, c, shift, a, b)
					momentSumsGo(x, c, shift, wa, wb)
					for j := range c {
						if math.Float64bits(a[j]) != math.Float64bits(wa[j]) || math.Float64bits(b[j]) != math.Float64bits(wb[j]) {
							t.Fatalf("channel %d: sums %v, %v; want %v, %v", j, a[j], b[j], wa[j], wb[j])
						}
					}
				})
			}
		}
	}
}

// TestGradSums checks that each instruction set's batch-norm gradient sums have the bits of the Go loop (x̂ and
// dz·x̂ rounded to float32, then added in float64 in row order), for channel counts around 8 and 16.
func TestGradSums(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, isa := range Available() {
		for _, c := range []int{1, 3, 7, 8, 9, 15, 16, 17, 33, 64, 100} {
			for _, rows := range []int{1, 5, 37} {
				t.Run(fmt.Sprintf("%v/c=%d/rows=%d", isa, c, rows), func(t *testing.T) {
					defer Force(isa)()
					x, dz := randSlice(r, rows*c), randSlice(r, rows*c)
					mean, invStd := randSlice(r, c), randSlice(r, c)
					for j := range invStd {
						invStd[j] = 1 + 10*invStd[j]*invStd[j]
					}
					a, b := make([]float64, c), make([]float64, c)
					wa, wb := make([]float64, c), make([]float64, c)
					for j := range c {
						a[j], b[j] = float64(j)/3, -float64(j)/7
						wa[j], wb[j] = a[j], b[j]
					}
					gradSums(x, dz, mean, invStd, a, b)
					gradSumsGo(x, dz, mean, invStd, wa, wb)
					for j := range c {
						if math.Float64bits(a[j]) != math.Float64bits(wa[j]) || math.Float64bits(b[j]) != math.Float64bits(wb[j]) {
							t.Fatalf("channel %d: sums %v, %v; want %v, %v", j, a[j], b[j], wa[j], wb[j])
						}
					}
				})
			}
		}
	}
}
