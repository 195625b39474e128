package bench

import (
	"strings"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	const status = "Name:\tbench.test\nVmPeak:\t 1262220 kB\nVmHWM:\t   44912 kB\nVmRSS:\t   44912 kB\n"
	if got, err := parseVmHWM(status); err != nil || got != 44912*1024 {
		t.Errorf("parseVmHWM = %d, %v; want %d", got, err, 44912*1024)
	}
	for _, bad := range []string{"Name:\tx\n", "VmHWM:\t 12 MB\n", "VmHWM:\t x kB\n", "VmHWM:\n"} {
		if _, err := parseVmHWM(bad); err == nil || !strings.Contains(err.Error(), "VmHWM") {
			t.Errorf("parseVmHWM(%q) = %v; want an error naming VmHWM", bad, err)
		}
	}
}
