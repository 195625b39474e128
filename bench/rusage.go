package bench

import "fmt"

// peakMB is this process's peak resident memory in MB (2^20 bytes), or 0 where this platform cannot measure it
// (peakRSS, in rusage_*.go: VmHWM on Linux, ru_maxrss on macOS, the peak working set on Windows, nothing elsewhere).
func peakMB() float64 {
	b, ok := peakRSS()
	if !ok || b <= 0 {
		return 0
	}
	return float64(b) / (1 << 20)
}

// mbCell formats a peak-memory figure for the table: "not measured" for 0 (see peakMB).
func mbCell(mb float64) string {
	if mb == 0 {
		return "not measured"
	}
	return fmt.Sprintf("%.0f", mb)
}
