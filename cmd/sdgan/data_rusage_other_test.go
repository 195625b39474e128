//go:build !linux

package main

import "os"

// dataMaxRSS reports no measurement: peak resident memory is read only on Linux.
func dataMaxRSS(ps *os.ProcessState) (int64, bool) { return 0, false }
