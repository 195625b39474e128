package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// peakRSS returns the process's peak resident set size in bytes: VmHWM in /proc/self/status. Not getrusage's
// ru_maxrss: on Linux that keeps the peak of the image the process replaced at exec, and Go starts children with
// vfork, so a bench child's figure would be at least its parent's peak (a test binary run by `go test` reads
// the go command's 30 MB).
func peakRSS() (bytes int64, ok bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	b, err := parseVmHWM(string(status))
	return b, err == nil
}

// parseVmHWM returns the VmHWM line of a /proc/PID/status text ("VmHWM:  123456 kB") in bytes.
func parseVmHWM(status string) (int64, error) {
	for line := range strings.Lines(status) {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "VmHWM:" {
			continue
		}
		if len(f) != 3 || f[2] != "kB" {
			return 0, fmt.Errorf("/proc/self/status: VmHWM line %q; expected \"VmHWM: N kB\"", strings.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || kb < 0 {
			return 0, fmt.Errorf("/proc/self/status: VmHWM %q; expected a count of kilobytes", f[1])
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("/proc/self/status has no VmHWM line")
}
