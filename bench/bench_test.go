package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
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
	r := Compare("train32", Timing{MedianS: 0.3, PeakMB: 100}, &Timing{MedianS: 0.2, PeakMB: 300})
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
	if len(lines) != 3 || !strings.Contains(lines[1], "1.50") || !strings.Contains(lines[2], " - ") {
		t.Fatalf("table:\n%s", b.String())
	}
}

func TestRunRejectsUnknownMeasure(t *testing.T) {
	if _, err := Run("train128", 0, 1); err == nil || !strings.Contains(err.Error(), "train128") {
		t.Fatalf("Run(train128): %v", err)
	}
}
