package kernels

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The elementwise kernels are checked bit for bit (math.Float32bits) against
// plain per-element loops written from their definitions, on both paths:
// the Go versions and the AVX-512 ones (where this build and CPU have them).
// The inputs mix random values with the edges of the definitions (signed
// zeros, the tanh thresholds, huge values, ±Inf, quiet and signalling NaNs);
// the outputs are unaligned slices of buffers whose values before and after
// must not change. Each case puts its special values in one input, so that
// at most one NaN (payload) meets another in any operation: with two
// different NaNs x86 returns the first operand's, and the Go compiler is
// free to swap the operands of a commutative operation.
//
// The references round every product before adding it (float32(a*b) + c):
// the Go compiler never fuses such a pair, whatever GOAMD64 is.

// lengths are awkward slice lengths around the kernels' 16- and 64-value
// steps.
var lengths = []int{0, 1, 7, 15, 16, 17, 31, 33, 127, 1001}

// channelCounts are the row lengths for the batch-norm row kernels: whole
// vectors, a masked vector alone, and both.
var channelCounts = []int{1, 3, 16, 48, 64, 80}

// rowCounts are the row counts for the batch-norm row kernels.
var rowCounts = []int{0, 1, 2, 7, 33}

// kernelPath runs the test fn with the Go kernels (asm false) or the
// AVX-512 ones (asm true), skipping the latter where they cannot run.
func kernelPath(t *testing.T, asm bool, fn func(t *testing.T)) {
	t.Helper()
	name := "go"
	if asm {
		name = "avx512"
	}
	t.Run(name, func(t *testing.T) {
		if asm && !canAVX512 {
			t.Skip("no AVX-512 kernels in this build or on this CPU")
		}
		defer forceAVX512(asm)()
		fn(t)
	})
}

// specialValues are the edges of the kernels' definitions.
func specialValues() []float32 {
	small, clamp := float32(tanhSmall), float32(tanhClamp)
	inf := float32(math.Inf(1))
	var s []float32
	for _, v := range []float32{small, clamp} {
		for _, w := range []float32{v, math.Nextafter32(v, 0), math.Nextafter32(v, inf)} {
			s = append(s, w, -w)
		}
	}
	return append(s, 0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.5, 1e30, -1e30,
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		inf, -inf, float32(math.NaN()), -float32(math.NaN()),
		math.Float32frombits(0x7f800001), math.Float32frombits(0xff812345)) // signalling NaNs
}

// randValues returns n values: random normal values of a random scale,
// with, if specials, one in four a special value.
func randValues(r *rand.Rand, n int, specials bool) []float32 {
	sp := specialValues()
	s := make([]float32, n)
	for i := range s {
		if specials && r.IntN(4) == 0 {
			s[i] = sp[r.IntN(len(sp))]
			continue
		}
		s[i] = float32(r.NormFloat64() * []float64{1e-3, 1, 10}[r.IntN(3)])
	}
	return s
}

// guarded is an output slice inside a larger buffer: the values before and
// after it must not change.
type guarded struct {
	buf, orig []float32
	off, n    int
}

// newGuarded copies v into a buffer at offset off (unaligned for off > 0),
// with random guard values around it.
func newGuarded(r *rand.Rand, v []float32, off int) *guarded {
	g := &guarded{buf: randValues(r, off+len(v)+3, false), off: off, n: len(v)}
	copy(g.buf[off:], v)
	g.orig = append([]float32(nil), g.buf...)
	return g
}

// s is the slice itself.
func (g *guarded) s() []float32 { return g.buf[g.off : g.off+g.n] }

// check fails the test unless the slice holds want and the guards are
// untouched, bit for bit.
func (g *guarded) check(t *testing.T, name string, want []float32) {
	t.Helper()
	for i, v := range g.buf {
		w := g.orig[i]
		if i >= g.off && i < g.off+g.n {
			w = want[i-g.off]
		}
		if math.Float32bits(v) != math.Float32bits(w) {
			if i < g.off || i >= g.off+g.n {
				t.Fatalf("%s: guard value %d changed from %v to %v", name, i-g.off, w, v)
			}
			t.Fatalf("%s[%d] = %v (%#08x), want %v (%#08x)", name, i-g.off, v, math.Float32bits(v), w, math.Float32bits(w))
		}
	}
}

// leakyFactor is leaky ReLU's factor for x: alpha if x's sign bit is set.
func leakyFactor(x, alpha float32) float32 {
	if math.Signbit(float64(x)) {
		return alpha
	}
	return 1
}

// leakyDeriv is leaky ReLU's derivative where its output is y.
func leakyDeriv(y, alpha float32) float32 {
	if y > 0 {
		return 1
	}
	return alpha
}

func TestLeaky(t *testing.T) {
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for _, n := range lengths {
				for _, alpha := range []float32{0, 0.2} {
					for _, inPlace := range []bool{false, true} {
						x := randValues(r, n, true)
						want := make([]float32, n)
						for i, v := range x {
							want[i] = v * leakyFactor(v, alpha)
						}
						y := newGuarded(r, make([]float32, n), 1)
						xs := x
						if inPlace {
							y = newGuarded(r, x, 1)
							xs = y.s()
						}
						Leaky(y.s(), xs, alpha)
						y.check(t, fmt.Sprintf("n=%d alpha=%g in place %v: y", n, alpha, inPlace), want)
					}
				}
			}
		})
	}
}

func TestTanh(t *testing.T) {
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			for _, n := range lengths {
				for _, inPlace := range []bool{false, true} {
					x := randValues(r, n, true)
					want := make([]float32, n)
					for i, v := range x {
						want[i] = Tanh32(v)
					}
					y := newGuarded(r, make([]float32, n), 3)
					xs := x
					if inPlace {
						y = newGuarded(r, x, 3)
						xs = y.s()
					}
					Tanh(y.s(), xs)
					y.check(t, fmt.Sprintf("n=%d in place %v: y", n, inPlace), want)
				}
			}
		})
	}
}

// TestTanhSweep runs Tanh over every float32 within 2000 ulps of ±small and
// ±clamp and over 200,001 values evenly spread over [−9, 9].
func TestTanhSweep(t *testing.T) {
	var x []float32
	for _, c := range []float32{tanhSmall, tanhClamp, -tanhSmall, -tanhClamp} {
		v := c
		for range 2000 {
			v = math.Nextafter32(v, 0)
		}
		for range 4000 {
			x = append(x, v)
			v = math.Nextafter32(v, 2*c)
		}
	}
	for i := -100000; i <= 100000; i++ {
		x = append(x, float32(i)*9e-5)
	}
	want := make([]float32, len(x))
	for i, v := range x {
		want[i] = Tanh32(v)
	}
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			y := make([]float32, len(x))
			Tanh(y, x)
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
					t.Fatalf("Tanh at %v = %v, Tanh32 %v", x[i], y[i], want[i])
				}
			}
		})
	}
}

// exhaustive turns on TestTanhExhaustive (about 10 s).
var exhaustive = flag.Bool("exhaustive", false, "run TestTanhExhaustive: Tanh against Tanh32 at every float32")

// TestTanhExhaustive compares the AVX-512 Tanh with Tanh32 at every float32
// (with -exhaustive). A float64 rounding that differs (a fused
// multiply-add, say) rarely changes the float32 result, so the random and
// swept values above may not show it.
func TestTanhExhaustive(t *testing.T) {
	if !*exhaustive {
		t.Skip("run with -exhaustive")
	}
	kernelPath(t, true, func(t *testing.T) {
		const chunk = 1 << 16
		x, y := make([]float32, chunk), make([]float32, chunk)
		for hi := range uint64(1 << 32 / chunk) {
			for i := range x {
				x[i] = math.Float32frombits(uint32(hi*chunk) + uint32(i))
			}
			Tanh(y, x)
			for i, v := range x {
				if w := Tanh32(v); math.Float32bits(y[i]) != math.Float32bits(w) {
					t.Fatalf("Tanh at %v (%#08x) = %v, Tanh32 %v", v, math.Float32bits(v), y[i], w)
				}
			}
		}
	})
}

// TestTanh32 checks Tanh32's special cases and its accuracy against
// math.Tanh (within 3e-7 relative) at random points.
func TestTanh32(t *testing.T) {
	small, clamp := float32(tanhSmall), float32(tanhClamp)
	negZero := float32(math.Copysign(0, -1))
	sNaN := math.Float32frombits(0x7f800001)
	for _, tc := range []struct{ x, want float32 }{
		{0, 0}, {negZero, negZero}, {math.Nextafter32(small, 0), math.Nextafter32(small, 0)},
		{-math.Nextafter32(small, 0), -math.Nextafter32(small, 0)},
		{clamp, 1}, {-clamp, -1}, {1e30, 1}, {float32(math.Inf(-1)), -1}, {sNaN, sNaN},
	} {
		if got := Tanh32(tc.x); math.Float32bits(got) != math.Float32bits(tc.want) {
			t.Errorf("Tanh32(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 10000 {
		x := float32(r.NormFloat64() * 3)
		got, want := float64(Tanh32(x)), math.Tanh(float64(x))
		if rel := math.Abs(got-want) / math.Abs(want); rel > 3e-7 {
			t.Fatalf("Tanh32(%v) = %v, math.Tanh %v (relative error %.2g)", x, got, want, rel)
		}
	}
}

func TestLeakyGrad(t *testing.T) {
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 8))
			for _, n := range lengths {
				for _, alpha := range []float32{0, 0.2} {
					for _, add := range []bool{false, true} {
						y := randValues(r, n+2, true)[2:]
						gy := randValues(r, n, true)
						gx := newGuarded(r, randValues(r, n, false), 1)
						want := make([]float32, n)
						for i := range want {
							want[i] = float32(gy[i] * leakyDeriv(y[i], alpha)) // rounded, as the kernel: not fused with the add below (arm64 fuses)
							if add {
								want[i] = gx.s()[i] + want[i]
							}
						}
						name := fmt.Sprintf("n=%d alpha=%g add %v: g", n, alpha, add)
						if add {
							LeakyGradAdd(gx.s(), gy, y, alpha)
						} else {
							gx = newGuarded(r, gy, 1)
							LeakyGrad(gx.s(), y, alpha)
						}
						gx.check(t, name, want)
					}
				}
			}
		})
	}
}

func TestBatchNormRows(t *testing.T) {
	acts := []struct {
		name  string
		leaky bool
		alpha float32
	}{{"identity", false, 0}, {"relu", true, 0}, {"leaky0.2", true, 0.2}}
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			r := rand.New(rand.NewPCG(9, 10))
			for _, c := range channelCounts {
				for _, rows := range rowCounts {
					for _, act := range acts {
						for _, inPlace := range []bool{false, true} {
							n := rows * c
							x := randValues(r, n, true)
							mu, k, beta := randValues(r, c+1, false)[1:], randValues(r, c, false), randValues(r, c+3, false)[3:]
							want := make([]float32, n)
							for i, v := range x {
								j := i % c
								z := float32((v-mu[j])*k[j]) + beta[j]
								if act.leaky {
									z *= leakyFactor(z, act.alpha)
								}
								want[i] = z
							}
							y := newGuarded(r, make([]float32, n), 1)
							xs := x
							if inPlace {
								y = newGuarded(r, x, 1)
								xs = y.s()
							}
							if act.leaky {
								BatchNormRowsLeaky(y.s(), xs, mu, k, beta, act.alpha)
							} else {
								BatchNormRows(y.s(), xs, mu, k, beta)
							}
							y.check(t, fmt.Sprintf("c=%d rows=%d %s in place %v: y", c, rows, act.name, inPlace), want)
						}
					}
				}
			}
		})
	}
}

func TestBatchNormGradRows(t *testing.T) {
	modes := []struct {
		name             string
		add, inPlace     bool
		training, spInDz bool // mg, mgx non-zero; the special values in dz (else in x)
	}{
		{"in place, training", false, true, true, false},
		{"in place, training, specials in dz", false, true, true, true},
		{"in place, inference", false, true, false, false},
		{"set, training", false, false, true, true},
		{"add, training", true, false, true, false},
		{"add, inference", true, false, false, true},
	}
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			for _, c := range channelCounts {
				for _, rows := range rowCounts {
					for _, md := range modes {
						n := rows * c
						x, dz := randValues(r, n+1, !md.spInDz)[1:], randValues(r, n, md.spInDz)
						mu, invStd, k := randValues(r, c, false), randValues(r, c+1, false)[1:], randValues(r, c, false)
						mg, mgx := make([]float32, c), make([]float32, c)
						if md.training {
							mg, mgx = randValues(r, c, false), randValues(r, c+2, false)[2:]
						}
						dx := newGuarded(r, randValues(r, n, false), 1)
						if md.inPlace {
							dx = newGuarded(r, dz, 1)
						}
						want := make([]float32, n)
						for i := range want {
							j := i % c
							xh := (x[i] - mu[j]) * invStd[j]
							d := float32(k[j] * (dz[i] - mg[j] - float32(xh*mgx[j])))
							if md.add {
								d = dx.s()[i] + d
							}
							want[i] = d
						}
						dzs := dz
						if md.inPlace {
							dzs = dx.s()
						}
						BatchNormGradRows(dx.s(), x, dzs, mu, invStd, k, mg, mgx, md.add)
						dx.check(t, fmt.Sprintf("c=%d rows=%d %s: dx", c, rows, md.name), want)
					}
				}
			}
		})
	}
}

// adamCoeffs are the coefficients of Adam's step t (as nn.Adam computes
// them) with lr 2e-4, β1 0.5, β2 0.999, eps 1e-8.
func adamCoeffs(t int) AdamCoeffs {
	const lr, b1, b2 = 2e-4, 0.5, 0.999
	c1 := 1 - math.Pow(float64(float32(b1)), float64(t))
	c2 := 1 - math.Pow(float64(float32(b2)), float64(t))
	return AdamCoeffs{Beta1: b1, Beta2: b2, Eps: 1e-8, StepSize: float32(float64(float32(lr)) / c1), SqrtC2: float32(math.Sqrt(c2))}
}

// TestAdamStep runs three Adam steps: the first with special gradients,
// then with finite ones (a NaN kept in m or v would meet another NaN).
func TestAdamStep(t *testing.T) {
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			r := rand.New(rand.NewPCG(13, 14))
			for _, n := range lengths {
				p0, m0, v0 := randValues(r, n, false), randValues(r, n, false), randValues(r, n, false)
				for i := range v0 {
					v0[i] *= v0[i] // a second moment is ≥ 0
				}
				p, m, v := newGuarded(r, p0, 1), newGuarded(r, m0, 2), newGuarded(r, v0, 3)
				wp, wm, wv := append([]float32(nil), p0...), append([]float32(nil), m0...), append([]float32(nil), v0...)
				for step := 1; step <= 3; step++ {
					g := newGuarded(r, randValues(r, n, step == 1), 1)
					g0 := slices.Clone(g.s())
					co := adamCoeffs(step)
					b1, b2 := co.Beta1, co.Beta2
					for j, gj := range g.s() {
						wm[j] = float32(b1*wm[j]) + float32((1-b1)*gj)
						wv[j] = float32(b2*wv[j]) + float32((1-b2)*gj*gj)
						denom := float32(math.Sqrt(float64(wv[j])))/co.SqrtC2 + co.Eps
						wp[j] -= co.StepSize * wm[j] / denom
					}
					AdamStep(p.s(), g.s(), m.s(), v.s(), co)
					name := fmt.Sprintf("n=%d step %d", n, step)
					p.check(t, name+": p", wp)
					m.check(t, name+": m", wm)
					v.check(t, name+": v", wv)
					g.check(t, name+": g (only read)", g0)
				}
			}
		})
	}
}

// TestElementwisePanics checks that mismatched lengths panic.
func TestElementwisePanics(t *testing.T) {
	s := func(n int) []float32 { return make([]float32, n) }
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"leaky short y", func() { Leaky(s(3), s(4), 0) }},
		{"tanh short y", func() { Tanh(s(3), s(4)) }},
		{"leaky grad short y", func() { LeakyGrad(s(4), s(3), 0) }},
		{"leaky grad add short gx", func() { LeakyGradAdd(s(3), s(4), s(4), 0) }},
		{"batch norm no channels", func() { BatchNormRows(s(4), s(4), nil, nil, nil) }},
		{"batch norm partial row", func() { BatchNormRows(s(5), s(5), s(2), s(2), s(2)) }},
		{"batch norm short k", func() { BatchNormRowsLeaky(s(4), s(4), s(2), s(1), s(2), 0) }},
		{"batch norm short y", func() { BatchNormRows(s(2), s(4), s(2), s(2), s(2)) }},
		{"batch norm gradient short mgx", func() { BatchNormGradRows(s(4), s(4), s(4), s(2), s(2), s(2), s(2), s(1), false) }},
		{"batch norm gradient short x", func() { BatchNormGradRows(s(4), s(2), s(4), s(2), s(2), s(2), s(2), s(2), false) }},
		{"adam short v", func() { AdamStep(s(4), s(4), s(4), s(3), AdamCoeffs{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", tc.name)
				}
			}()
			tc.call()
		})
	}
}
