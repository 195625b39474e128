package bench

import (
	"fmt"
	"io"
	"runtime"
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
}

// ThisMachine reads the CPU and the kernels' choice and measures the FMA peak over about d.
func ThisMachine(d time.Duration) Machine {
	threads := runtime.GOMAXPROCS(0)
	return Machine{CPU: kernels.ThisCPU(), ISA: kernels.Active().String(), GEMMKernel: kernels.GEMMKernel(),
		Threads: threads, FMAPeak: kernels.FMAPeak(threads, d)}
}

// Write prints the machine in three lines.
func (m Machine) Write(w io.Writer) {
	fmt.Fprintf(w, "cpu:     %s\n", m.CPU)
	fmt.Fprintf(w, "kernels: %s (GEMM %s), %d threads\n", m.ISA, m.GEMMKernel, m.Threads)
	if m.FMAPeak > 0 {
		fmt.Fprintf(w, "peak:    %.0f GFLOP/s measured (register-only FMA loop on %d threads, %.0f per thread)\n", m.FMAPeak,
			m.Threads, m.FMAPeak/float64(m.Threads))
	} else {
		fmt.Fprintf(w, "peak:    not measured (no FMA loop for %s)\n", m.ISA)
	}
}
