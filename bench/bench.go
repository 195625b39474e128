// Package bench times sdgan's hot paths against the PyTorch reference (../shared/bench/torch_sdgan_step.py) with the
// same shapes, side by side: each measure runs in its own process, so that its peak memory is its own.
package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"sdgan/data"
	"sdgan/model"

	"sdgan/nn/kernels"
	"sdgan/train"
)

// Measures lists what is timed, in order.
var Measures = []string{"train64", "train32", "generate64", "sgemm4096"}

// BF16Measures are the measures in bf16: sdgan's GEMMs round their operands to bfloat16 (kernels.UseBF16), PyTorch
// runs the step under bf16 autocast and the GEMM on bf16 tensors. They need a CPU with AVX512_BF16.
var BF16Measures = []string{"train64-bf16", "train32-bf16", "sgemm4096-bf16"}

// DefaultMeasures are Measures, and BF16Measures where this CPU has them and the kernels in use are the AVX-512
// ones (not forced to another instruction set).
func DefaultMeasures() []string {
	if kernels.BF16Available() && kernels.Active() == kernels.AVX512 {
		return append(slices.Clone(Measures), BF16Measures...)
	}
	return Measures
}

// splitBF16 returns the measure without its "-bf16" suffix and whether it had one.
func splitBF16(measure string) (string, bool) {
	base, ok := strings.CutSuffix(measure, "-bf16")
	return base, ok
}

// Timing is one engine's figures for one measure.
type Timing struct {
	MedianS float64 `json:"median_s"`
	MinS    float64 `json:"min_s"`
	MaxS    float64 `json:"max_s"`
	PeakMB  float64 `json:"peak_rss_mb,omitempty"` // the process's peak resident memory; 0 (left out): not measured here
	Reps    int     `json:"reps"`
	// What the Go runtime saw over the timed repetitions, per repetition: heap allocations and their bytes, and
	// garbage collections in all. Left out for PyTorch.
	AllocsPerRep float64 `json:"allocs_per_rep,omitempty"`
	BytesPerRep  float64 `json:"bytes_per_rep,omitempty"`
	GCs          uint32  `json:"gcs,omitempty"`
}

// Spread is the slowest repetition over the fastest: 1 for perfectly steady steps.
func (t Timing) Spread() float64 {
	if t.MinS <= 0 {
		return 0
	}
	return t.MaxS / t.MinS
}

// GFLOP is the nominal work of a measure, the same for both engines (see flops.go) and for both precisions.
func GFLOP(measure string) float64 {
	measure, _ = splitBF16(measure)
	switch measure {
	case "train64":
		return dcganStepFlops(64) / 1e9
	case "train32":
		return dcganStepFlops(32) / 1e9
	case "generate64":
		return 64 * dcganGenFlops(64) / 1e9
	case "sgemm4096":
		return 2 * 4096 * 4096 * 4096 / 1e9
	}
	return 0
}

// Run times measure in this process: warmup untimed repetitions, then reps timed ones.
func Run(measure string, warmup, reps int) (Timing, error) {
	base, bf16 := splitBF16(measure)
	if bf16 {
		restore, err := kernels.UseBF16()
		if err != nil {
			return Timing{}, fmt.Errorf("measure %s: %w", measure, err)
		}
		defer restore()
	}
	var step func() error
	switch base {
	case "train64", "train32":
		res := 64
		if base == "train32" {
			res = 32
		}
		s, err := train.NewStepper(train.ReferenceOptions(model.DCGAN, res), data.Random(res, 3, 16, 4, 1))
		if err != nil {
			return Timing{}, err
		}
		step = s.Step
	case "generate64":
		cfg := model.DefaultConfig(model.DCGAN, 64, 3)
		g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			return Timing{}, err
		}
		rng := rand.New(rand.NewPCG(2, 2))
		z := make([]float32, 64*cfg.Z())
		step = func() error {
			model.TupleZ(rng, cfg, 32, z)
			model.Generate(g, cfg, z)
			return nil
		}
	case "sgemm4096":
		const n = 4096
		// the CPU kernel itself, on host memory (PyTorch's reference is its CPU GEMM)
		a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		rng := rand.New(rand.NewPCG(3, 3))
		for _, m := range [][]float32{a, b} {
			for i := range m {
				m[i] = float32(-1 + 2*rng.Float64())
			}
		}
		step = func() error {
			kernels.Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
			return nil
		}
	default:
		return Timing{}, fmt.Errorf("unknown measure %q (want one of %v)", measure, append(slices.Clone(Measures), BF16Measures...))
	}
	for range warmup {
		if err := step(); err != nil {
			return Timing{}, err
		}
	}
	times := make([]float64, reps)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range times {
		t0 := time.Now()
		if err := step(); err != nil {
			return Timing{}, err
		}
		times[i] = time.Since(t0).Seconds()
	}
	runtime.ReadMemStats(&after)
	slices.Sort(times)
	return Timing{MedianS: median(times), MinS: times[0], MaxS: times[len(times)-1], PeakMB: peakMB(), Reps: reps,
		AllocsPerRep: float64(after.Mallocs-before.Mallocs) / float64(reps),
		BytesPerRep:  float64(after.TotalAlloc-before.TotalAlloc) / float64(reps),
		GCs:          after.NumGC - before.NumGC}, nil
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
