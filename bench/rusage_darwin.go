package bench

import "syscall"

// peakRSS returns the process's peak resident set size in bytes: macOS's getrusage gives ru_maxrss in bytes, not in
// the kilobytes of Linux and the BSDs.
func peakRSS() (bytes int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return int64(ru.Maxrss), true
}
