package kernels

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// ELU is checked bit for bit against ELU32 (the definition) on both paths,
// with the conventions of elementwise_test.go: awkward lengths, unaligned
// outputs inside guard values, special values. ELU32 itself is checked
// against math.Expm1 (within eluMaxULP float32 ulps) on sweeps of the
// negative float32s, and on every one of them with -exhaustive-elu.

// eluMaxULP is the accepted distance, in float32 ulps, between ELU32(x) and
// float32(math.Expm1(float64(x))) for x < 0.
const eluMaxULP = 2

// eluExhaustive turns on TestELUExhaustive (about 40 s).
var eluExhaustive = flag.Bool("exhaustive-elu", false,
	"run TestELUExhaustive: ELU against ELU32 and math.Expm1 at every negative float32")

// eluBreakpoints are the edges of ELU32's computation: where n = round(x/ln2)
// changes ((k+½)·ln2), the clamp eluMin, where the result reaches −1
// (about −17.33), −1e-3 and −2^−24 (where expm1(x) starts to round to x),
// the smallest normal float32 and −104 (where float32 exp underflows).
func eluBreakpoints() []float32 {
	b := []float32{eluMin, -17.328680, -1e-3, -0x1p-24, -0x1p-126, -104}
	for k := range 30 {
		b = append(b, float32(-(float64(k)+0.5)*math.Ln2))
	}
	return b
}

// eluSpecialValues are the edges of ELU's definition and computation, each
// with its neighbours.
func eluSpecialValues() []float32 {
	inf := float32(math.Inf(1))
	var s []float32
	for _, v := range eluBreakpoints() {
		s = append(s, v, math.Nextafter32(v, 0), math.Nextafter32(v, -inf))
	}
	return append(s, 0, float32(math.Copysign(0, -1)), 1, -1, 1e30, -1e30,
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		-0x1p-130, -0x1.fffffcp-127, // denormals
		inf, -inf, float32(math.NaN()), -float32(math.NaN()),
		math.Float32frombits(0x7f800001), math.Float32frombits(0xff812345)) // signalling NaNs
}

// eluValues returns n values: random normal values of a random scale,
// with, if specials, one in four a special value of ELU.
func eluValues(r *rand.Rand, n int, specials bool) []float32 {
	sp := eluSpecialValues()
	s := make([]float32, n)
	for i := range s {
		if specials && r.IntN(4) == 0 {
			s[i] = sp[r.IntN(len(sp))]
			continue
		}
		s[i] = float32(r.NormFloat64() * []float64{1e-3, 1, 10, 30}[r.IntN(4)])
	}
	return s
}

// eluDeriv is ELU's derivative where its output is y, as nn's
// Activation.derivAt computes it.
func eluDeriv(y float32) float32 {
	if y > 0 {
		return 1
	}
	return y + 1
}

// ulpDist is the number of float32s from a to b (0 when they are the same
// bits); it treats −0 and +0 as neighbours.
func ulpDist(a, b float32) int64 {
	ord := func(v float32) int64 {
		i := int64(int32(math.Float32bits(v)))
		if i < 0 {
			i = math.MinInt32 - i - 1
		}
		return i
	}
	d := ord(a) - ord(b)
	return max(d, -d)
}

func TestELU(t *testing.T) {
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			r := rand.New(rand.NewPCG(21, 22))
			for _, n := range lengths {
				for _, inPlace := range []bool{false, true} {
					x := eluValues(r, n, true)
					want := make([]float32, n)
					for i, v := range x {
						want[i] = ELU32(v)
					}
					y := newGuarded(r, make([]float32, n), 1)
					xs := x
					if inPlace {
						y = newGuarded(r, x, 3)
						xs = y.s()
					}
					ELU(y.s(), xs)
					y.check(t, fmt.Sprintf("n=%d in place %v: y", n, inPlace), want)
				}
			}
		})
	}
}

// TestELU32 checks the values that ELU32 defines exactly.
func TestELU32(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	sNaN, negNaN := math.Float32frombits(0x7f800001), math.Float32frombits(0xffc12345)
	for _, tc := range []struct{ x, want float32 }{
		{0, 0}, {negZero, negZero}, {1.5, 1.5}, {math.MaxFloat32, math.MaxFloat32}, {inf, inf},
		{float32(math.NaN()), float32(math.NaN())}, {sNaN, sNaN}, {negNaN, negNaN},
		{-math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32}, {-0x1p-130, -0x1p-130},
		{-0x1p-30, -0x1p-30}, {-18, -1}, {eluMin, -1}, {-104, -1}, {-math.MaxFloat32, -1}, {-inf, -1},
	} {
		if got := ELU32(tc.x); math.Float32bits(got) != math.Float32bits(tc.want) {
			t.Errorf("ELU32(%v) = %v (%#08x), want %v (%#08x)", tc.x, got, math.Float32bits(got), tc.want, math.Float32bits(tc.want))
		}
	}
}

// eluSweep is every stride-th float32 from from to to, two negative values
// (or −0) with |from| ≤ |to|.
type eluSweep struct {
	from, to float32
	stride   uint32
}

// eluSweeps are the default sweeps: every float32 in the top binades of
// [−1e-3, 0] and around each breakpoint, strides through the rest of the
// negative float32s, the denormals included.
func eluSweeps() []eluSweep {
	sw := []eluSweep{
		{-0x1p-12, -1e-3, 1},                       // every float32 of the top two binades of [−1e-3, 0]
		{float32(math.Copysign(0, -1)), -1e-3, 97}, // all of [−1e-3, 0], denormals included
		{-1e-3, -104, 13},
		{-104, float32(math.Inf(-1)), 4099},
	}
	for _, b := range eluBreakpoints() {
		lo, hi := b, b
		for range 20000 {
			lo, hi = math.Nextafter32(lo, 0), math.Nextafter32(hi, -1000)
		}
		sw = append(sw, eluSweep{lo, hi, 1})
	}
	return sw
}

// eluErrors accumulates the distances of ELU32 from math.Expm1 over sweeps.
type eluErrors struct {
	worst    int64   // largest distance, in float32 ulps
	worstX   float32 // where it is
	off, all int     // values at a non-zero distance, values compared
}

// add records that ELU32(x) is d ulps from math.Expm1.
func (e *eluErrors) add(x float32, d int64) {
	e.all++
	if d > 0 {
		e.off++
	}
	if d > e.worst {
		e.worst, e.worstX = d, x
	}
}

// report fails the test if the largest distance is over eluMaxULP, and
// logs it.
func (e *eluErrors) report(t *testing.T) {
	t.Helper()
	if e.worst > eluMaxULP {
		t.Errorf("ELU32(%v) = %v is %d ulps from math.Expm1's %v", e.worstX, ELU32(e.worstX), e.worst,
			float32(math.Expm1(float64(e.worstX))))
	}
	t.Logf("largest distance from float32(math.Expm1): %d ulp, at x = %v; %d of %d values off",
		e.worst, e.worstX, e.off, e.all)
}

// checkELUSweep checks ELU on the values of sw: bit for bit against ELU32
// with the AVX-512 kernel (where it runs), and ELU32 against math.Expm1,
// whose distances it adds to e. For x ≤ −104, where float32(math.Expm1)
// is −1, it asks for −1 or the float32 above it.
func checkELUSweep(t *testing.T, sw eluSweep, e *eluErrors) {
	t.Helper()
	const chunk = 1 << 16
	x, y := make([]float32, 0, chunk), make([]float32, chunk)
	check := func() {
		if canAVX512 {
			restore := forceAVX512(true)
			ELU(y, x)
			restore()
		}
		for i, v := range x {
			w := ELU32(v)
			if canAVX512 && math.Float32bits(y[i]) != math.Float32bits(w) {
				t.Fatalf("ELU at %v (%#08x) = %v (%#08x), ELU32 %v (%#08x)",
					v, math.Float32bits(v), y[i], math.Float32bits(y[i]), w, math.Float32bits(w))
			}
			if v <= -104 {
				if w != -1 && w != math.Nextafter32(-1, 0) {
					t.Fatalf("ELU32(%v) = %v, want −1 or the float32 above it", v, w)
				}
				continue
			}
			ref := v
			if v < 0 {
				ref = float32(math.Expm1(float64(v)))
			}
			e.add(v, ulpDist(w, ref))
		}
		x = x[:0]
	}
	lo, hi := math.Float32bits(sw.from), math.Float32bits(sw.to)
	for b := uint64(lo); b <= uint64(hi); b += uint64(sw.stride) {
		x = append(x, math.Float32frombits(uint32(b)))
		if len(x) == chunk {
			check()
		}
	}
	check()
}

// TestELUSweep runs the default sweeps (about 40 million values).
func TestELUSweep(t *testing.T) {
	var e eluErrors
	for _, sw := range eluSweeps() {
		checkELUSweep(t, sw, &e)
	}
	e.report(t)
}

// TestELUExhaustive checks ELU at every negative float32 (with
// -exhaustive-elu), in chunks of 2^24 bit patterns.
func TestELUExhaustive(t *testing.T) {
	if !*eluExhaustive {
		t.Skip("run with -exhaustive-elu")
	}
	const negInf = 0xff800000
	var e eluErrors
	for lo := uint64(0x80000000); lo <= negInf; lo += 1 << 24 { // −0 to −Inf
		hi := min(lo+1<<24-1, negInf)
		checkELUSweep(t, eluSweep{math.Float32frombits(uint32(lo)), math.Float32frombits(uint32(hi)), 1}, &e)
	}
	e.report(t)
}

func TestELUGrad(t *testing.T) {
	for _, asm := range []bool{false, true} {
		kernelPath(t, asm, func(t *testing.T) {
			r := rand.New(rand.NewPCG(23, 24))
			for _, n := range lengths {
				for _, add := range []bool{false, true} {
					for _, spInY := range []bool{false, true} { // the special values in y, else in gy
						y := eluValues(r, n+2, spInY)[2:]
						for i, v := range y { // mostly outputs of ELU: ≥ −1
							if r.IntN(8) != 0 {
								y[i] = ELU32(v)
							}
						}
						gy := eluValues(r, n, !spInY)
						gx := newGuarded(r, eluValues(r, n, false), 1)
						want := make([]float32, n)
						for i := range want {
							want[i] = float32(gy[i] * eluDeriv(y[i])) // rounded, as the kernel: not fused with the add below (arm64 fuses)
							if add {
								want[i] = gx.s()[i] + want[i]
							}
						}
						name := fmt.Sprintf("n=%d add %v specials in y %v: g", n, add, spInY)
						if add {
							ELUGradAdd(gx.s(), gy, y)
						} else {
							gx = newGuarded(r, gy, 3)
							ELUGrad(gx.s(), y)
						}
						gx.check(t, name, want)
					}
				}
			}
		})
	}
}

// TestELUPanics checks that mismatched lengths panic.
func TestELUPanics(t *testing.T) {
	s := func(n int) []float32 { return make([]float32, n) }
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"elu short y", func() { ELU(s(3), s(4)) }},
		{"elu grad short y", func() { ELUGrad(s(4), s(3)) }},
		{"elu grad add short gx", func() { ELUGradAdd(s(3), s(4), s(4)) }},
		{"elu grad add short y", func() { ELUGradAdd(s(4), s(4), s(3)) }},
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

// BenchmarkELU compares, on 1Mi values of N(0, 1) (half of them negative),
// the loop that package nn ran before (math.Expm1 in float64) with the Go
// and AVX-512 kernels.
func BenchmarkELU(b *testing.B) {
	const n = 1 << 20
	r := rand.New(rand.NewPCG(1, 2))
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	b.Run(fmt.Sprintf("expm1-loop/%d", n), func(b *testing.B) {
		b.SetBytes(8 * n)
		for b.Loop() {
			for i, v := range x {
				if v <= 0 {
					v = float32(math.Expm1(float64(v)))
				}
				y[i] = v
			}
		}
	})
	for _, asm := range []bool{false, true} {
		name := "go"
		if asm {
			name = "avx512"
		}
		b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
			if asm && !canAVX512 {
				b.Skip("no AVX-512 kernels in this build or on this CPU")
			}
			defer forceAVX512(asm)()
			b.SetBytes(8 * n)
			for b.Loop() {
				ELU(y, x)
			}
		})
	}
}

func BenchmarkELUGradAdd(b *testing.B) {
	benchPaths(b, 16, func(b *testing.B, r *rand.Rand, n int) {
		y, gy, gx := eluValues(r, n, false), eluValues(r, n, false), make([]float32, n)
		for b.Loop() {
			ELUGradAdd(gx, gy, y)
		}
	})
}
