package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The losses, optimiser updates and spectral-norm pieces against plain loops
// of their definitions, bit for bit (the sums run in the same order).

func TestSigmoidBCE(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, n := range []int{1, 7, 1001} {
		x, tg := randValues(r, n, false), make([]float32, n)
		for i := range tg {
			tg[i] = float32(r.Float64())
		}
		var s float64
		for i, v := range x {
			xv, tv := float64(v), float64(tg[i])
			s += math.Max(xv, 0) - xv*tv + math.Log(1+math.Exp(-math.Abs(xv)))
		}
		loss := []float32{0}
		SigmoidBCE(loss, x, tg)
		near(t, fmt.Sprintf("n=%d loss", n), loss[0], s/float64(n), 1e-6)
		dloss, dx := []float32{1.5}, randValues(r, n, false)
		want := slices.Clone(dx)
		g := dloss[0] / float32(n)
		for i, v := range x {
			want[i] += float32(g * (Sigmoid32(v) - tg[i]))
			near(t, "sigmoid", Sigmoid32(v), 1/(1+math.Exp(-float64(v))), 1e-7)
		}
		SigmoidBCEGrad(dx, dloss, x, tg)
		sameBits(t, fmt.Sprintf("n=%d gradient", n), dx, want)
	}
}

func TestPairLoss(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	for _, op := range []LossOp{LossL1, LossMSE} {
		for _, n := range []int{1, 7, 1001} {
			a, b := randValues(r, n, false), randValues(r, n, false)
			b[0] = a[0] // a zero difference: L1's kink
			var s float64
			for i := range a {
				d := float64(a[i]) - float64(b[i])
				s += [...]float64{math.Abs(d), d * d}[op]
			}
			loss := []float32{0}
			PairLoss(op, loss, a, b)
			sameBits(t, fmt.Sprintf("loss %d n=%d", op, n), loss, []float32{float32(s / float64(n))})
			dloss, da, db := []float32{0.7}, randValues(r, n, false), randValues(r, n, false)
			wa, wb := slices.Clone(da), slices.Clone(db)
			g := dloss[0] / float32(n)
			for i := range a {
				d := a[i] - b[i]
				f := [...]float32{float32(math.Copysign(1, float64(d))), 2 * d}[op]
				if op == LossL1 && d == 0 {
					f = 0
				}
				wa[i] += g * f
				wb[i] -= g * f
			}
			PairLossGrad(op, da, db, dloss, a, b)
			sameBits(t, fmt.Sprintf("loss %d n=%d: da", op, n), da, wa)
			sameBits(t, fmt.Sprintf("loss %d n=%d: db", op, n), db, wb)
		}
	}
}

func TestRMSPropStep(t *testing.T) {
	r := rand.New(rand.NewPCG(65, 66))
	var lr, decay, eps float32 = 1e-3, 0.9, 1e-10 // float32, as the optimiser's fields
	for _, n := range actSizes {
		p, g, ms := randValues(r, n, false), randValues(r, n, false), randValues(r, n, false)
		for i := range ms {
			ms[i] *= ms[i]
		}
		wp, wms, g0 := slices.Clone(p), slices.Clone(ms), slices.Clone(g)
		for j, gj := range g {
			wms[j] = float32(decay*wms[j]) + float32(float32((1-decay)*gj)*gj)
			wp[j] -= float32(lr*gj) / float32(math.Sqrt(float64(wms[j]+eps)))
		}
		RMSPropStep(p, g, ms, lr, decay, eps)
		sameBits(t, fmt.Sprintf("n=%d p", n), p, wp)
		sameBits(t, fmt.Sprintf("n=%d ms", n), ms, wms)
		sameBits(t, fmt.Sprintf("n=%d g (only read)", n), g, g0)
	}
}

func TestClampMovingAverageFill(t *testing.T) {
	r := rand.New(rand.NewPCG(67, 68))
	for _, n := range lengths {
		x := randValues(r, n, false)
		want := make([]float32, n)
		for i, v := range x {
			want[i] = float32(math.Max(math.Min(float64(v), 0.5), -0.5))
		}
		Clamp(x, -0.5, 0.5)
		sameBits(t, fmt.Sprintf("clamp n=%d", n), x, want)
		avg, cur := randValues(r, n, false), randValues(r, n, false)
		for i, v := range cur {
			want[i] = v + float32(0.75*(avg[i]-v))
		}
		MovingAverage(avg, cur, 0.75)
		sameBits(t, fmt.Sprintf("moving average n=%d", n), avg, want)
		for _, v := range []float32{0, 1.5} {
			for i := range want {
				want[i] = v
			}
			Fill(x, v)
			sameBits(t, fmt.Sprintf("fill %g n=%d", v, n), x, want)
		}
	}
}

func TestSpectralPieces(t *testing.T) {
	r := rand.New(rand.NewPCG(69, 70))
	for _, sh := range [][2]int{{1, 1}, {7, 3}, {3, 7}, {45, 11}} {
		rows, out := sh[0], sh[1]
		w, u, v := randValues(r, rows*out, false), randValues(r, out, false), randValues(r, rows, false)
		var sigma float64
		for i := range rows {
			var row float64
			for j := range out {
				row += float64(w[i*out+j]) * float64(u[j])
			}
			sigma += float64(v[i]) * row
		}
		if got := BilinearForm(w, u, v); got != sigma {
			t.Fatalf("%v: σ = %g, want %g", sh, got, sigma)
		}
		inv := float32(1 / sigma)
		y, dy := make([]float32, len(w)), randValues(r, len(w), false)
		Scale(y, w, inv)
		var dot float64
		for i := range dy {
			dot += float64(dy[i]) * float64(y[i])
		}
		dw := randValues(r, len(w), false)
		want := slices.Clone(dw)
		for i := range rows {
			for j := range out {
				// Rounded step by step, as the kernel does: arm64 would otherwise fuse the multiply-adds.
				want[i*out+j] += float32((dy[i*out+j] - float32(float32(float32(dot)*v[i])*u[j])) * inv)
			}
		}
		SpectralNormGrad(dw, dy, y, u, v, inv)
		sameBits(t, fmt.Sprintf("%v gradient", sh), dw, want)
		Normalize(u)
		var ss float64
		for _, x := range u {
			ss += float64(x) * float64(x)
		}
		if math.Abs(ss-1) > 1e-6 {
			t.Fatalf("%v: |u|² = %g after Normalize", sh, ss)
		}
	}
	zero := make([]float32, 5)
	Normalize(zero)
	sameBits(t, "zero vector", zero, make([]float32, 5))
}
