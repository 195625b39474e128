package bench

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"sdgan/nn/kernels"
)

func TestNominalWork(t *testing.T) {
	// ../shared/bench/README.md: the 64×64 step costs "about 248 GFLOP"; our count (every convolution's
	// multiply-adds, PyTorch's gradients) must be of that size.
	if g := GFLOP("train64"); g < 240 || g > 270 {
		t.Errorf("train64 counts %.1f GFLOP; want about 248", g)
	}
	// The generator forward at 64×64 per image, by hand: dense 100→8192 and four 5×5 convolutions.
	want := 2*100*8192.0 + 2*(4*4*512*25*256+8*8*256*25*128+16*16*128*25*64+32*32*64*25*3.0)
	if got := dcganGenFlops(64); got != want {
		t.Errorf("generator forward %g FLOP, want %g", got, want)
	}
	if GFLOP("sgemm4096") != 2*math.Pow(4096, 3)/1e9 || GFLOP("nothing") != 0 {
		t.Error("sgemm or unknown measure work is wrong")
	}
}

func TestCompareAndTable(t *testing.T) {
	r := Compare("train32", Timing{MedianS: 0.3, MinS: 0.25, MaxS: 0.5, PeakMB: 100, AllocsPerRep: 1234, BytesPerRep: 3 << 20},
		&Timing{MedianS: 0.2, MinS: 0.2, MaxS: 0.22, PeakMB: 300})
	if math.Abs(*r.Ratio-1.5) > 1e-12 || math.Abs(r.SdganGFLOPS*0.3-r.GFLOP) > 1e-9 || *r.PytorchPeak != 300 {
		t.Fatalf("compare: %+v", r)
	}
	alone := Compare("sgemm4096", Timing{MedianS: 0.5}, nil)
	if alone.Ratio != nil || alone.PytorchS != nil {
		t.Fatal("a result without PyTorch has PyTorch figures")
	}
	var b bytes.Buffer
	WriteTable(&b, []Result{r, alone})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "1.50") || !strings.Contains(lines[2], " - ") ||
		!strings.HasSuffix(lines[1], "2.00    1.10       1234       3.0") {
		t.Fatalf("table:\n%s", b.String())
	}
}

func TestRunRejectsUnknownMeasure(t *testing.T) {
	if _, err := Run("train128", 0, 1); err == nil || !strings.Contains(err.Error(), "train128") {
		t.Fatalf("Run(train128): %v", err)
	}
}

// Spread is max over min, and 0 when there is no minimum to divide by.
func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		tm   Timing
		want float64
	}{{Timing{MinS: 0.5, MaxS: 0.75}, 1.5}, {Timing{MinS: 1, MaxS: 1}, 1}, {Timing{}, 0}} {
		if got := tc.tm.Spread(); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%+v: spread %v, want %v", tc.tm, got, tc.want)
		}
	}
}

// The machine block names the CPU, the kernels and the peak (or says it was not measured).
func TestMachineWrite(t *testing.T) {
	for _, m := range []Machine{
		{CPU: kernels.CPU{Name: "AMD EPYC 9R45", Vendor: "AuthenticAMD", Family: 26, Model: 2, Core: "zen5"}, ISA: "avx512",
			GEMMKernel: "avx512 14×32", Threads: 2, FMAPeak: 408, FMASpread: 1.03},
		{CPU: kernels.CPU{Name: "arm64", Core: "arm64"}, ISA: "neon", GEMMKernel: "neon 12×8", Threads: 4},
	} {
		var b bytes.Buffer
		m.Write(&b)
		s := b.String()
		want := []string{m.CPU.Name, m.GEMMKernel, "not measured (no FMA loop for neon)"}
		if m.FMAPeak > 0 {
			want = []string{"family 26 model 2, zen5", "408 GFLOP/s measured", "204 per thread", "windows 1.03"}
		}
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("machine block lacks %q:\n%s", w, s)
			}
		}
	}
}

// A bf16 measure does the fp32 measure's nominal work; where the CPU lacks bf16, running one says why.
func TestBF16Measures(t *testing.T) {
	for _, m := range BF16Measures {
		base, ok := splitBF16(m)
		if !ok || GFLOP(m) != GFLOP(base) || GFLOP(m) == 0 {
			t.Errorf("%s: base %q (%v), %v GFLOP against %v", m, base, ok, GFLOP(m), GFLOP(base))
		}
	}
	if kernels.BF16Available() {
		if !slices.Contains(DefaultMeasures(), "train64-bf16") {
			t.Errorf("default measures %v lack the bf16 ones on a CPU that has bf16", DefaultMeasures())
		}
		return
	}
	if _, err := Run("sgemm4096-bf16", 0, 1); err == nil || !strings.Contains(err.Error(), "AVX512_BF16") {
		t.Errorf("Run(sgemm4096-bf16) without bf16: %v", err)
	}
}

// Summarize takes, per measure, the median of the rounds' ratios and times and the largest spread; without
// PyTorch it has no ratios. The table shows them.
func TestSummarize(t *testing.T) {
	round := func(sd, pt float64, spreadMax float64) []Result {
		return []Result{
			Compare("train64", Timing{MedianS: sd, MinS: 1, MaxS: spreadMax}, &Timing{MedianS: pt}),
			Compare("sgemm4096", Timing{MedianS: sd / 2, MinS: 1, MaxS: 1}, nil),
		}
	}
	ss := Summarize([][]Result{round(0.8, 1.0, 1.1), round(0.9, 1.0, 1.3), round(0.6, 0.5, 1.2)})
	if len(ss) != 2 || ss[0].Measure != "train64" || ss[1].Measure != "sgemm4096" {
		t.Fatalf("summaries %+v", ss)
	}
	got := ss[0]
	if !slices.Equal(got.Ratios, []float64{0.8, 0.9, 1.2}) || math.Abs(*got.MedianRatio-0.9) > 1e-12 ||
		got.SdganS != 0.8 || *got.PytorchS != 1.0 || got.MaxSpread != 1.3 {
		t.Fatalf("train64 summary %+v", got)
	}
	if alone := ss[1]; alone.MedianRatio != nil || alone.PytorchS != nil || len(alone.Ratios) != 0 || alone.SdganS != 0.4 {
		t.Fatalf("sgemm4096 summary without PyTorch %+v", alone)
	}
	if Summarize(nil) != nil {
		t.Fatal("no rounds, yet summaries")
	}
	var b bytes.Buffer
	WriteSummary(&b, ss)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "0.80 0.90 1.20") || !strings.Contains(lines[1], " 0.90 ") ||
		!strings.Contains(lines[2], " - ") {
		t.Fatalf("summary table:\n%s", b.String())
	}
}
