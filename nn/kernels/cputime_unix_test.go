//go:build unix

package kernels

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) this process has used, or 0
// where it cannot be read. Benchmarks report GFLOP per CPU-second beside
// GFLOP/s: on a shared, busy machine it shows the code's speed better than
// the wall clock (it does not count time the OS gave to other processes).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
