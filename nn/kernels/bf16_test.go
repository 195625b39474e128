package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// roundBF16 rounds to nearest, ties to even, keeps NaNs NaN and overflows to infinity.
func TestRoundBF16(t *testing.T) {
	for _, tc := range []struct{ in, want uint32 }{
		{0x3f800000, 0x3f80}, // 1
		{0x3f808000, 0x3f80}, // a tie: to the even 0x3f80
		{0x3f818000, 0x3f82}, // a tie: to the even 0x3f82
		{0x3f808001, 0x3f81}, // just above the tie
		{0x3f807fff, 0x3f80}, // just below it
		{0x80000000, 0x8000}, // −0
		{0x7f7fffff, 0x7f80}, // the largest float32 rounds to +Inf
		{0xff800000, 0xff80}, // −Inf
		{0x00000001, 0x0000}, // the smallest subnormal rounds to 0
	} {
		if got := roundBF16(math.Float32frombits(tc.in)); got != tc.want {
			t.Errorf("roundBF16(%#08x) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
	for _, nan := range []uint32{0x7fc00000, 0x7f800001, 0xffffffff, 0x7fffffff} {
		if got := roundBF16(math.Float32frombits(nan)); got&0x7f80 != 0x7f80 || got&0x7f == 0 {
			t.Errorf("roundBF16(NaN %#08x) = %#04x, not a NaN", nan, got)
		}
	}
}

// toBF16Pairs packs rows 2pp and 2pp+1 of a panel into pair pp, in place, with zero past an odd depth.
func TestToBF16Pairs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, kc := range []int{1, 2, 5, 8} {
		for _, w := range []int{1, 3, 14, 17, 32} {
			pan := randSlice(r, kc*w)
			orig := append([]float32(nil), pan...)
			toBF16Pairs(pan, kc, w)
			for pp := 0; 2*pp < kc; pp++ {
				for i := range w {
					want := roundBF16(orig[2*pp*w+i])
					if 2*pp+1 < kc {
						want |= roundBF16(orig[(2*pp+1)*w+i]) << 16
					}
					if got := math.Float32bits(pan[pp*w+i]); got != want {
						t.Fatalf("kc %d w %d: pair (%d, %d) = %#08x, want %#08x", kc, w, pp, i, got, want)
					}
				}
			}
		}
	}
}

// The bf16 GEMM equals the fp32 oracle run on operands rounded to bfloat16 (alpha·op(A) rounded, as packA scales
// before it rounds), within fp32 accumulation error: every size, transposition, scalar and strategy of TestSgemm,
// with B packed per block and prepacked, and with tiny cache blocks (odd depths, many kc blocks).
func TestSgemmBF16(t *testing.T) {
	if !BF16Available() {
		t.Skip("no AVX512_BF16 on this CPU or build")
	}
	r := rand.New(rand.NewPCG(5, 6))
	kerns := map[string]*microKernel{"bf16": bf16Kernel, "bf16-tiny": tinyBlocks(bf16Kernel)}
	for kname, kern := range kerns {
		for _, st := range strategies {
			for si, sz := range gemmSizes {
				for tr := range 4 {
					transA, transB := tr&1 != 0, tr&2 != 0
					for ai, sc := range gemmScalars {
						gemms := map[string]gemmFunc{"": withKernel(kern, st.strat)}
						if sc.alpha == 1 {
							gemms["/prepackedB"] = withPackedB(kern, st.strat)
						}
						for gname, gemm := range gemms {
							name := fmt.Sprintf("%s/%s/%dx%dx%d/tA=%v,tB=%v/a=%v,b=%v%s", kname, st.name, sz.m, sz.n, sz.k,
								transA, transB, sc.alpha, sc.beta, gname)
							t.Run(name, func(t *testing.T) {
								runBF16Case(t, r, gemm, transA, transB, sz.m, sz.n, sz.k, sc.alpha, sc.beta, (si+ai+tr)%3)
							})
						}
					}
				}
			}
		}
	}
}

// runBF16Case is runGemmCase for the bf16 GEMM: the oracle multiplies BF16(alpha·a) by BF16(b), in float64.
func runBF16Case(t *testing.T, r *rand.Rand, gemm gemmFunc, transA, transB bool, m, n, k int, alpha, beta float32, pad int) {
	t.Helper()
	ar, br, lda, ldb, ldc := operandShapes(transA, transB, m, n, k, pad)
	a, b := randSlice(r, ar*lda), randSlice(r, br*ldb)
	c := randSlice(r, m*ldc)
	ra, rb := make([]float32, len(a)), make([]float32, len(b))
	for i, v := range a {
		ra[i] = BF16(alpha * v)
	}
	for i, v := range b {
		rb[i] = BF16(v)
	}
	want, mag := gemmRef(transA, transB, m, n, k, 1, ra, lda, rb, ldb, beta, c, ldc)
	markWindow(mag, 0, m, n, ldc)
	guard := append([]float32(nil), c...)
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	checkClose(t, "C", c, want, mag, k, guard)
}

// UseBF16 switches the active GEMM kernel to bf16 and back, composes with Force, and Sgemm then rounds.
func TestUseBF16(t *testing.T) {
	if !BF16Available() {
		if _, err := UseBF16(); err == nil {
			t.Fatal("UseBF16 without AVX512_BF16 did not fail")
		}
		t.Skip("no AVX512_BF16 on this CPU or build")
	}
	restore, err := UseBF16()
	if err != nil {
		t.Fatal(err)
	}
	if !BF16Active() || activeKernel != bf16Kernel {
		t.Fatalf("after UseBF16 the GEMM kernel is %s", activeKernel.name)
	}
	x := float32(1 + 1.0/512) // not a bfloat16: rounds to 1
	c := []float32{0}
	Sgemm(false, false, 1, 1, 1, 1, []float32{x}, 1, []float32{1}, 1, 0, c, 1)
	if c[0] != 1 {
		t.Errorf("bf16 Sgemm of %v·1 = %v, want 1 (the operand rounded)", x, c[0])
	}
	back := Force(AVX2)
	if BF16Active() {
		t.Error("bf16 still active under Force(AVX2)")
	}
	back()
	if !BF16Active() {
		t.Error("bf16 not active again after Force's restore")
	}
	restore()
	if BF16Active() {
		t.Fatal("bf16 still active after restore")
	}
	back = Force(AVX2)
	if r, err := UseBF16(); err == nil {
		r()
		t.Error("UseBF16 under Force(AVX2) did not fail: a bf16 run would silently be fp32")
	}
	back()
	Sgemm(false, false, 1, 1, 1, 1, []float32{x}, 1, []float32{1}, 1, 0, c, 1)
	if c[0] != x {
		t.Errorf("fp32 Sgemm of %v·1 = %v", x, c[0])
	}
}

// The convolutions in bf16 (their GEMMs' operands rounded) match the reference on rounded operands: forward,
// backward data and backward filter, on the shapes of TestConvPaths.
func TestConvBF16(t *testing.T) {
	if !BF16Available() {
		t.Skip("no AVX512_BF16 on this CPU or build")
	}
	r := rand.New(rand.NewPCG(11, 12))
	restore, err := UseBF16()
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	for ci, p := range []ConvParams{
		convCase(3, 16, 13, 7, 5, 17, 2, "same"),
		convCase(2, 8, 8, 33, 3, 29, 1, "same"),
		convCase(2, 11, 9, 19, 1, 37, 1, "valid"),
		sameConv5(5, 8, 29, 37),
		tconv5(3, 4, 41, 19),
	} {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			x, w, dy := bf16Slice(r, p.XLen()), bf16Slice(r, p.WLen()), bf16Slice(r, p.YLen())
			y, ymag, dx, dxmag, dw, dwmag := convRefs(p, x, w, dy)
			pl := convPlans[ci%len(convPlans)]
			pl.split = ci%2 == 0 || p.splitK()
			rows := []int{p.tileRows(), 13}[ci%2]
			for _, c := range []struct {
				name      string
				terms     int
				run       func(out []float32)
				want, mag []float64
			}{
				{"Conv2D", p.KH * p.KW * p.C, func(out []float32) { conv2D(p, x, w, out, false, rows, pl) }, y, ymag},
				{"BackwardData", p.KH * p.KW * p.F, func(out []float32) { conv2DBackwardData(p, dy, w, out, false, rows, pl) }, dx, dxmag},
				{"BackwardFilter", p.N * p.OH * p.OW, func(out []float32) { conv2DBackwardFilter(p, x, dy, out, false, rows, pl) }, dw, dwmag},
			} {
				out := make([]float32, len(c.want))
				mag := append([]float64(nil), c.mag...)
				for i := range mag {
					mag[i] += 1e-30
				}
				c.run(out)
				checkClose(t, c.name, out, c.want, mag, c.terms, nil)
			}
			// And on operands that are not bfloat16 the result differs from fp32's by bf16's rounding, not more.
			xf := randSlice(r, p.XLen())
			yb := make([]float32, p.YLen())
			conv2D(p, xf, w, yb, false, rows, pl)
			yf, yfmag, _, _, _, _ := convRefs(p, xf, w, dy)
			for i := range yb {
				if d := math.Abs(float64(yb[i]) - yf[i]); d > 1.0/128*yfmag[i]+1e-6 {
					t.Fatalf("Conv2D on fp32 input: element %d = %v, fp32 %v: off by %.3g, more than bf16's 2⁻⁸·%.3g", i,
						yb[i], yf[i], d, yfmag[i])
				}
			}
		})
	}
}

// bf16Slice returns n values uniform in [-1, 1) rounded to bfloat16.
func bf16Slice(r *rand.Rand, n int) []float32 {
	s := randSlice(r, n)
	for i, v := range s {
		s[i] = BF16(v)
	}
	return s
}

// The assembly pairing gives the Go pairing's bits, NaNs and infinities included, for every row width (full and
// masked groups of 16) and depth (odd: the last pair's high half zero), in place, without writing past the panel.
func TestPairPanelAsmMatchesGo(t *testing.T) {
	if pairPanelAsm == nil {
		t.Skip("no assembly pairing on this CPU or build")
	}
	r := rand.New(rand.NewPCG(13, 14))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
		math.MaxFloat32, 1 + 1.0/256, 1 + 3.0/256}
	for _, kc := range []int{0, 1, 2, 3, 7, 16, 33} {
		for w := 0; w <= 50; w++ {
			pan := randSlice(r, kc*w)
			for i := range pan {
				if r.IntN(4) == 0 {
					pan[i] = special[r.IntN(len(special))] * float32(1+r.IntN(3))
				}
			}
			want := append([]float32(nil), pan...)
			toBF16PairsGo(want, kc, w)
			guarded := append(append([]float32(nil), pan...), 7) // a guard value past the end must stay
			pairPanelAsm(guarded[:kc*w], kc, w)
			if guarded[kc*w] != 7 {
				t.Fatalf("kc %d w %d: wrote past the panel", kc, w)
			}
			for i := range want {
				if math.Float32bits(guarded[i]) != math.Float32bits(want[i]) {
					t.Fatalf("kc %d w %d: value %d = %#08x, Go %#08x (input %v)", kc, w, i,
						math.Float32bits(guarded[i]), math.Float32bits(want[i]), pan[i])
				}
			}
		}
	}
}

// The AVX-512 bf16 kernel packs full panels of A's rows as pairs in one pass: the same bits as packing the
// values and rounding them to pairs after, NaNs, infinities and denormals included, for depths around its groups
// of 32 columns (the rest packed in Go) and scales other than 1, without writing past the panel.
func TestPackRowsPairsMatchesTwoPasses(t *testing.T) {
	if bf16Kernel == nil || bf16Kernel.packRowsPairs == nil {
		t.Skip("no one-pass pair packing on this CPU or build")
	}
	kern := bf16Kernel
	r := rand.New(rand.NewPCG(21, 22))
	special := []float32{float32(math.NaN()), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-40, -3e-39,
		math.MaxFloat32, 1 + 1.0/256, 1 + 3.0/256}
	for _, kc := range []int{1, 2, 31, 32, 33, 63, 64, 95, 401} {
		for _, alpha := range []float32{1, -0.5} {
			lda := kc + 5
			a := randSlice(r, 1+kern.mr*lda)[1:] // unaligned
			for i := range a {
				if r.IntN(5) == 0 {
					a[i] = special[r.IntN(len(special))]
				}
			}
			want := make([]float32, kern.mr*kc)
			kern.packRows(want, a, lda, kc, alpha)
			toBF16Pairs(want, kc, kern.mr)
			got := randSlice(r, kern.mr*kc+16)
			guard := append([]float32(nil), got[kern.mr*kc:]...)
			kern.packRowsPairs(got[:kern.mr*kc], a, lda, kc, alpha)
			for i := range (kc + 1) / 2 * kern.mr { // the pairs; the rest of the panel is not read
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("kc %d alpha %v: pair %d (%d, %d) = %#08x, two passes %#08x", kc, alpha, i, i/kern.mr,
						i%kern.mr, math.Float32bits(got[i]), math.Float32bits(want[i]))
				}
			}
			for i, g := range guard {
				if math.Float32bits(got[kern.mr*kc+i]) != math.Float32bits(g) {
					t.Fatalf("kc %d: wrote past the panel, at %d", kc, i)
				}
			}
		}
	}
}

// A non-transposed B is packed into panels of pairs in one pass: the same pairs as packing its values and rounding
// them after, NaNs, infinities and denormals included, for widths around the panels' 32 columns and their halves
// (the last panel's missing columns zero), odd and even depths, without writing past the panels.
func TestPackBPairsMatchesTwoPasses(t *testing.T) {
	if bf16Kernel == nil || bf16Kernel.packBPairs == nil {
		t.Skip("no one-pass pair packing of B on this CPU or build")
	}
	kern := bf16Kernel
	r := rand.New(rand.NewPCG(23, 24))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), 0, float32(math.Copysign(0, -1)), 2e-40, 1 + 1.0/256}
	for _, kc := range []int{1, 2, 5, 16} {
		for _, nc := range []int{1, 15, 16, 17, 31, 32, 33, 64, 70} {
			pc, jc, ldb := 2, 3, nc+7
			b := randSlice(r, (pc+kc)*ldb)
			for i := range b {
				if r.IntN(5) == 0 {
					b[i] = special[r.IntN(len(special))]
				}
			}
			g := gemmArgs{b: b, ldb: ldb}
			n := ceilDiv(nc, kern.nr) * kc * kern.nr
			want := make([]float32, n)
			g.packBValues(want, kern, pc, kc, jc, nc)
			got := randSlice(r, n+16)
			guard := append([]float32(nil), got[n:]...)
			kern.packBPairs(got[:n], b[pc*ldb+jc:], ldb, kc, nc)
			for q := 0; q*kern.nr < nc; q++ {
				pan := want[q*kc*kern.nr : (q+1)*kc*kern.nr]
				toBF16Pairs(pan, kc, kern.nr)
				for i := range (kc + 1) / 2 * kern.nr {
					if w, g := math.Float32bits(pan[i]), math.Float32bits(got[q*kc*kern.nr+i]); g != w {
						t.Fatalf("kc %d nc %d: panel %d pair %d = %#08x, two passes %#08x", kc, nc, q, i, g, w)
					}
				}
			}
			for i, g := range guard {
				if math.Float32bits(got[n+i]) != math.Float32bits(g) {
					t.Fatalf("kc %d nc %d: wrote past the panels, at %d", kc, nc, i)
				}
			}
		}
	}
}

// Full panels of a stored-transposed A are packed as pairs in one pass: the same pairs as packCols followed by
// toBF16Pairs, NaNs, infinities and denormals included, for odd and even depths, several panels and a scale,
// without writing past the panels.
func TestPackColsPairsMatchesTwoPasses(t *testing.T) {
	if bf16Kernel == nil || bf16Kernel.packColsPairs == nil {
		t.Skip("no one-pass pair packing of a transposed A on this CPU or build")
	}
	kern := bf16Kernel
	r := rand.New(rand.NewPCG(25, 26))
	special := []float32{float32(math.NaN()), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), -2e-40, 1 + 3.0/256}
	for _, kc := range []int{1, 2, 3, 7, 16, 33} {
		for _, panels := range []int{1, 3, 5} {
			for _, alpha := range []float32{1, -1.5} {
				lda := panels*kern.mr + 2
				a := randSlice(r, 1+(kc-1)*lda+panels*kern.mr)[1:]
				for i := range a {
					if r.IntN(5) == 0 {
						a[i] = special[r.IntN(len(special))]
					}
				}
				n := panels * kc * kern.mr
				want := make([]float32, n)
				kern.packCols(want, a, lda, kc, panels, alpha)
				got := randSlice(r, n+16)
				guard := append([]float32(nil), got[n:]...)
				kern.packColsPairs(got[:n], a, lda, kc, panels, alpha)
				for q := range panels {
					pan := want[q*kc*kern.mr : (q+1)*kc*kern.mr]
					toBF16Pairs(pan, kc, kern.mr)
					for i := range (kc + 1) / 2 * kern.mr {
						if w, g := math.Float32bits(pan[i]), math.Float32bits(got[q*kc*kern.mr+i]); g != w {
							t.Fatalf("kc %d panels %d alpha %v: panel %d pair %d = %#08x, two passes %#08x", kc, panels,
								alpha, q, i, g, w)
						}
					}
				}
				for i, g := range guard {
					if math.Float32bits(got[n+i]) != math.Float32bits(g) {
						t.Fatalf("kc %d panels %d: wrote past the panels, at %d", kc, panels, i)
					}
				}
			}
		}
	}
}
