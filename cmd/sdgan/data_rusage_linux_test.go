package main

import (
	"os"
	"syscall"
)

// dataMaxRSS returns the peak resident memory of an exited process, in bytes (Linux reports KiB).
func dataMaxRSS(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return ru.Maxrss << 10, true
}
