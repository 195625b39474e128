package kernels

import (
	"fmt"
	"runtime"
	"sync"
	"time"
)

// CPU names the processor the kernels run on, as far as this build can read it: on amd64 from CPUID, elsewhere
// only the architecture.
type CPU struct {
	Vendor string `json:"vendor"`           // "AuthenticAMD", "GenuineIntel"; "" where unread
	Family int    `json:"family,omitempty"` // the display family (base + extended), as /proc/cpuinfo's "cpu family"
	Model  int    `json:"model,omitempty"`  // the display model (extended model included), as /proc/cpuinfo's "model"
	Name   string `json:"name"`             // the brand string, e.g. "AMD EPYC 9R45"; the architecture where unread
	Core   string `json:"core"`             // the micro-architecture as far as it decides the kernels (see Core)
}

// String is the name, the family and model, and the core.
func (c CPU) String() string {
	if c.Vendor == "" {
		return c.Name
	}
	return fmt.Sprintf("%s (%s family %d model %d, %s)", c.Name, c.Vendor, c.Family, c.Model, c.Core)
}

// ThisCPU returns the processor this process runs on.
func ThisCPU() CPU {
	c := readCPU()
	if c.Name == "" {
		c.Name = runtime.GOARCH
	}
	c.Core = core(c.Vendor, c.Family, c.Model)
	return c
}

// core names the micro-architecture by what matters to the GEMM: how many 512-bit FMAs a core issues per cycle.
// Zen 4 (AMD family 25) splits each 512-bit FMA over two 256-bit pipes: one per cycle. Zen 5 (family 26) has two
// full 512-bit pipes. Intel's AVX-512 server cores (family 6: Skylake-SP and later Xeons) have two on most parts
// (one on some low-end Xeons), the client ones one; CPUID does not tell them apart, the measured peak does.
func core(vendor string, family, model int) string {
	switch {
	case vendor == "AuthenticAMD" && family == 25:
		return "zen3/zen4"
	case vendor == "AuthenticAMD" && family == 26:
		return "zen5"
	case vendor == "AuthenticAMD" && family == 23:
		return "zen1/zen2"
	case vendor == "GenuineIntel" && family == 6:
		return fmt.Sprintf("intel-6-%d", model)
	case vendor != "":
		return "other"
	}
	return runtime.GOARCH
}

// FMAPeak measures the machine's fused multiply-add peak with the active instruction set: each of threads
// goroutines, locked to its own OS thread, runs a register-only FMA loop (no memory traffic) for about d, all at
// once. It returns GFLOP/s summed over the threads (a multiply-add is two FLOPs), or 0 where the instruction set
// has no such loop (Portable, NEON).
func FMAPeak(threads int, d time.Duration) float64 {
	loop, flops := fmaLoop(active)
	if loop == nil || threads < 1 {
		return 0
	}
	const iters = 1 << 16
	loop(iters) // warm the vector unit up (AVX-512 licence, frequency)
	rates := make([]float64, threads)
	var wg sync.WaitGroup
	for t := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			n, t0 := 0, time.Now()
			for time.Since(t0) < d {
				loop(iters)
				n++
			}
			rates[t] = float64(n) * iters * flops / time.Since(t0).Seconds() / 1e9
		}()
	}
	wg.Wait()
	sum := 0.0
	for _, r := range rates {
		sum += r
	}
	return sum
}
