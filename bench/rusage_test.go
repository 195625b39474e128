package bench

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestPeakRSS touches 64 MiB and checks that the peak, where this platform measures it, counts them: a figure in
// the wrong unit (kilobytes read as bytes, or bytes as kilobytes) is off by a factor of 1024 either way.
func TestPeakRSS(t *testing.T) {
	const n = 64 << 20
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = byte(i)
	}
	got, ok := peakRSS()
	runtime.KeepAlive(buf)
	if !ok {
		if mb := peakMB(); mb != 0 {
			t.Fatalf("peakRSS not measured, but peakMB = %v; want 0", mb)
		}
		t.Skipf("peak resident memory is not measured on %s", runtime.GOOS)
	}
	if got < n || got > 64*n {
		t.Fatalf("peak resident memory %d bytes after touching %d; want between %d and %d", got, n, n, 64*n)
	}
	if mb := peakMB(); mb < 64 || mb > 64*64 {
		t.Fatalf("peakMB = %v after touching 64 MiB", mb)
	}
}

// TestTableSaysNotMeasured checks that a platform without a peak-memory figure prints "not measured", not 0.
func TestTableSaysNotMeasured(t *testing.T) {
	var b bytes.Buffer
	WriteTable(&b, []Result{Compare("sgemm4096", Timing{MedianS: 0.5}, nil), Compare("train32", Timing{MedianS: 0.3, PeakMB: 212.4}, nil)})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "not measured") || !strings.Contains(lines[2], " 212 ") ||
		strings.Contains(lines[2], "not measured") {
		t.Fatalf("table:\n%s", b.String())
	}
}
