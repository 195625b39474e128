package kernels

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// CPUID leaf 1's EAX decodes as the manuals (and /proc/cpuinfo) say, and the core is named from it.
func TestDisplayFamilyModel(t *testing.T) {
	for _, tc := range []struct {
		eax           uint32
		vendor        string
		family, model int
		core          string
	}{
		{0x00A10F11, "AuthenticAMD", 25, 0x11, "zen3/zen4"}, // EPYC 9004 (Genoa)
		{0x00B00F21, "AuthenticAMD", 26, 0x02, "zen5"},      // EPYC 9005 (Turin)
		{0x00800F12, "AuthenticAMD", 23, 0x01, "zen1/zen2"}, // EPYC 7001 (Naples)
		{0x000C06F2, "GenuineIntel", 6, 207, "intel-6-207"}, // Xeon 5th gen (Emerald Rapids)
		{0x00050654, "GenuineIntel", 6, 85, "intel-6-85"},   // Xeon Skylake-SP
		{0x00000F29, "GenuineIntel", 15, 2, "other"},        // Pentium 4: base family 15, no extended family
	} {
		f, m := displayFamilyModel(tc.eax)
		if f != tc.family || m != tc.model {
			t.Errorf("eax %#x: family %d model %d, want %d %d", tc.eax, f, m, tc.family, tc.model)
		}
		if c := core(tc.vendor, f, m); c != tc.core {
			t.Errorf("eax %#x: core %q, want %q", tc.eax, c, tc.core)
		}
	}
	if got := cleanBrand([]byte("  Intel(R)  Xeon(R) Processor\x00\x00")); got != "Intel(R) Xeon(R) Processor" {
		t.Errorf("cleanBrand: %q", got)
	}
}

// On Linux/amd64 the CPU read from CPUID is the one /proc/cpuinfo names.
func TestThisCPUMatchesProcCPUInfo(t *testing.T) {
	c := ThisCPU()
	if c.Name == "" || c.Core == "" {
		t.Fatalf("ThisCPU() = %+v: want a name and a core", c)
	}
	f, err := os.Open("/proc/cpuinfo")
	if runtime.GOARCH != "amd64" || err != nil || c.Vendor == "" {
		t.Skipf("no CPUID or no /proc/cpuinfo here (%v): read %+v", err, c)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			break // the first processor only
		}
		want[k] = v
	}
	if want["vendor_id"] != c.Vendor || want["cpu family"] != strconv.Itoa(c.Family) || want["model"] != strconv.Itoa(c.Model) ||
		strings.Join(strings.Fields(want["model name"]), " ") != c.Name {
		t.Errorf("ThisCPU() = %+v; /proc/cpuinfo says vendor %q family %q model %q name %q", c, want["vendor_id"],
			want["cpu family"], want["model"], want["model name"])
	}
}

// The FMA peak is positive and below any CPU's (one core: 2 pipes × 16 lanes × 2 FLOPs × 6 GHz = 384 GFLOP/s) for
// each instruction set that has a loop, and 0 for the ones that do not.
func TestFMAPeak(t *testing.T) {
	for _, isa := range Available() {
		restore := Force(isa)
		gf := FMAPeak(1, 20*time.Millisecond)
		restore()
		loop, _ := fmaLoop(isa)
		switch {
		case loop == nil && gf != 0:
			t.Errorf("%v: peak %.1f GFLOP/s from an instruction set without a loop", isa, gf)
		case loop != nil && (gf <= 0 || gf > 384):
			t.Errorf("%v: peak %.1f GFLOP/s on one thread, want 0 < peak ≤ 384", isa, gf)
		}
	}
	if gf := FMAPeak(0, time.Millisecond); gf != 0 {
		t.Errorf("FMAPeak(0 threads) = %v, want 0", gf)
	}
}
