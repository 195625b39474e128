package bench

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"sdgan/nn/kernels"
)

// Machine says what a benchmark ran on: the CPU, the kernels sdgan chose for it, and the FMA peak measured on as
// many threads as the measures use, the ceiling that GFLOP/s figures are read against.
type Machine struct {
	CPU        kernels.CPU `json:"cpu"`
	ISA        string      `json:"isa"`
	GEMMKernel string      `json:"gemm_kernel"`
	Threads    int         `json:"threads"`
	FMAPeak    float64     `json:"fma_peak_gflops,omitempty"` // 0 (left out): no register-only FMA loop for this ISA
	// FMASpread is the fastest of peakWindows measurements of the FMA loop over the slowest: how steady the machine
	// itself is (a register-only loop has no memory, allocation or scheduling of its own to vary), the floor for
	// the spread of the measures' repetitions.
	FMASpread float64 `json:"fma_spread,omitempty"`
}

// peakWindows is how many times ThisMachine measures the FMA peak.
const peakWindows = 7

// ThisMachine reads the CPU and the kernels' choice and measures the FMA peak peakWindows times over about d in
// all: the peak is their median.
func ThisMachine(d time.Duration) Machine {
	threads := runtime.GOMAXPROCS(0)
	m := Machine{CPU: kernels.ThisCPU(), ISA: kernels.Active().String(), GEMMKernel: kernels.GEMMKernel(), Threads: threads}
	peaks := make([]float64, peakWindows)
	for i := range peaks {
		peaks[i] = kernels.FMAPeak(threads, d/peakWindows)
	}
	slices.Sort(peaks)
	if peaks[0] > 0 {
		m.FMAPeak, m.FMASpread = median(peaks), peaks[len(peaks)-1]/peaks[0]
	}
	return m
}

// Write prints the machine in three lines.
func (m Machine) Write(w io.Writer) {
	fmt.Fprintf(w, "cpu:     %s\n", m.CPU)
	fmt.Fprintf(w, "kernels: %s (GEMM %s), %d threads\n", m.ISA, m.GEMMKernel, m.Threads)
	if m.FMAPeak > 0 {
		fmt.Fprintf(w, "peak:    %.0f GFLOP/s measured (register-only FMA loop on %d threads, %.0f per thread; max/min of %d windows %.2f)\n",
			m.FMAPeak, m.Threads, m.FMAPeak/float64(m.Threads), peakWindows, m.FMASpread)
	} else {
		fmt.Fprintf(w, "peak:    not measured (no FMA loop for %s)\n", m.ISA)
	}
}
