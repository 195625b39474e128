package kernels

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseBlocking(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Blocking
		err  string
	}{
		{"140,512,1024", Blocking{140, 512, 1024}, ""},
		{" 28, 64 ,64", Blocking{28, 64, 64}, ""},
		{"140,512", Blocking{}, "want MC,KC,NC"},
		{"140,512,1024,1", Blocking{}, "want MC,KC,NC"},
		{"140,x,1024", Blocking{}, `"x" is not an integer`},
	} {
		got, err := ParseBlocking(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseBlocking(%q): error %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseBlocking(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestSetBlockingRefuses checks that a blocking the active micro-kernel cannot use is refused and changes nothing.
func TestSetBlockingRefuses(t *testing.T) {
	kern := activeKernel
	before := activeKernel.blocking()
	for _, b := range []Blocking{
		{MC: kern.mr + 1, KC: 64, NC: kern.nr}, // mc not a multiple of the tile's rows
		{MC: 0, KC: 64, NC: kern.nr},
		{MC: kern.mr, KC: 64, NC: kern.nr + 1}, // nc not a multiple of its columns
		{MC: kern.mr, KC: 0, NC: kern.nr},
		{MC: kern.mr * (maxBlockFloats/kern.mr + 1), KC: 1, NC: kern.nr}, // a packed A block past the bound
		{MC: kern.mr, KC: maxBlockFloats, NC: 2 * kern.nr},               // a packed B block past the bound
	} {
		if restore, err := SetBlocking(b); err == nil {
			restore()
			t.Errorf("SetBlocking(%v) on the %s kernel: no error", b, kern.name)
		}
		if got := activeKernel.blocking(); got != before {
			t.Fatalf("a refused SetBlocking(%v) changed the blocking to %v", b, got)
		}
	}
}

// TestBlockingKeepsBits checks what Blocking promises: MC and NC change no bits of a product or a convolution (so
// that a core's own blocking trains the same weights), on products that cross several blocks of each size.
func TestBlockingKeepsBits(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	kern := activeKernel
	m, n, k := 5*kern.mr+3, 9*kern.nr+7, kern.kc+37
	a, b, c0 := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
	p := ConvParams{N: 3, H: 13, W: 11, C: 7, KH: 5, KW: 5, F: 3*kern.nr + 5, SH: 2, SW: 2, PadTop: 1, PadLeft: 2, OH: 7, OW: 6}
	x, w := randSlice(r, p.XLen()), randSlice(r, p.WLen())
	run := func() (gemm, conv []float32) {
		gemm = append([]float32(nil), c0...)
		Sgemm(false, true, m, n, k, 0.5, a, k, b, k, 0.25, gemm, n)
		conv = make([]float32, p.YLen())
		Conv2D(p, x, w, conv, false)
		return gemm, conv
	}
	wantGemm, wantConv := run()
	def := activeKernel.blocking()
	for _, bl := range []Blocking{
		{MC: kern.mr, KC: def.KC, NC: kern.nr},
		{MC: 2 * kern.mr, KC: def.KC, NC: 3 * kern.nr},
		{MC: def.MC, KC: def.KC, NC: 32 * 32},
		{MC: 4 * def.MC, KC: def.KC, NC: 4096},
	} {
		t.Run(fmt.Sprint(bl), func(t *testing.T) {
			restore, err := SetBlocking(bl)
			if err != nil {
				t.Fatal(err)
			}
			gemm, conv := run()
			restore()
			sameBits(t, "sgemm", gemm, wantGemm)
			sameBits(t, "conv", conv, wantConv)
		})
	}
	if got := activeKernel.blocking(); got != def {
		t.Errorf("blocking after restore: %v, want %v", got, def)
	}
}

func TestTuneForCore(t *testing.T) {
	for _, tc := range []struct {
		core   string
		wantNC int
	}{
		{"zen5", 1024},
		{"zen3/zen4", 4096},
		{"intel-6-207", 4096},
		{"arm64", 4096},
	} {
		fp32, bf16 := *activeKernel, *activeKernel // copies: tuneForCore reads nothing but nc
		fp32.nc, bf16.nc = 4096, 4096
		tuneForCore(tc.core, &fp32, &bf16)
		if fp32.nc != tc.wantNC || bf16.nc != tc.wantNC {
			t.Errorf("%s: nc %d and %d, want %d", tc.core, fp32.nc, bf16.nc, tc.wantNC)
		}
		if fp32.mc != activeKernel.mc || fp32.kc != activeKernel.kc || bf16.kc != activeKernel.kc {
			t.Errorf("%s: mc or kc changed (%v, %v): only nc may, or bits would differ between cores", tc.core, fp32.blocking(), bf16.blocking())
		}
	}
	one := *activeKernel
	tuneForCore("zen5", &one, nil) // a CPU without AVX512_BF16 has no bf16 kernel
	if one.nc != 1024 {
		t.Errorf("zen5 without a bf16 kernel: nc %d, want 1024", one.nc)
	}
}
