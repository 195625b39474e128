//go:build !linux && !darwin && !windows

package bench

// peakRSS reports that the peak resident memory is not measured on this platform.
func peakRSS() (bytes int64, ok bool) { return 0, false }
