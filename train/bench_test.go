//go:build unix

package train

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"sdgan/data"
	"sdgan/model"
	"sdgan/nn/kernels"
)

// cpuTime returns the CPU time (user + system) this process has used. The benchmarks report CPU seconds per step
// beside the wall clock: on a shared, busy machine it shows the code's speed better (it does not count time the OS
// gave to other processes).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchStep times one training step with the reference PyTorch step's shapes: 32 tuples of k = 2 (64 images per
// pass), RGB, at the given resolution. It reports allocations and CPU seconds per step (cpu-s/op).
func benchStep(b *testing.B, arch string, res int) { benchStepWith(b, arch, res, nil) }

// benchStepWith is benchStep with options changed by opt (nil: none).
func benchStepWith(b *testing.B, arch string, res int, opt func(*Options)) {
	o := ReferenceOptions(arch, res)
	if opt != nil {
		opt(&o)
	}
	s, err := NewStepper(o, data.Random(res, 3, 8, 4, 1))
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Step(); err != nil { // warm the tape's buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for range b.N {
		if err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

func BenchmarkTrainStepDCGAN64(b *testing.B) { benchStep(b, model.DCGAN, 64) }
func BenchmarkTrainStepDCGAN32(b *testing.B) { benchStep(b, model.DCGAN, 32) }
func BenchmarkTrainStepBEGAN32(b *testing.B) { benchStep(b, model.BEGAN, 32) }

// The 64×64 and 32×32 steps with the GEMMs in bf16 (`--precision bf16`), where the CPU has it.
func BenchmarkTrainStepDCGAN64BF16(b *testing.B) { benchBF16(b, 64) }
func BenchmarkTrainStepDCGAN32BF16(b *testing.B) { benchBF16(b, 32) }

func benchBF16(b *testing.B, res int) {
	restore, err := kernels.UseBF16()
	if err != nil {
		b.Skip(err)
	}
	defer restore()
	benchStep(b, model.DCGAN, res)
}

// The gradient penalties' cost. WGAN-GP against the same network and loss without the penalty (WGAN with clipping
// and no batch norm); R1 against BenchmarkTrainStepDCGAN32, every update and lazily (every 16: run a multiple of
// 16 steps, -benchtime=32x, for a fair average).
func BenchmarkTrainStepWGANGP32(b *testing.B) {
	benchStepWith(b, model.DCGAN, 32, func(o *Options) { o.Loss = LossWGANGP })
}
func BenchmarkTrainStepWGANNoNorm32(b *testing.B) {
	benchStepWith(b, model.DCGAN, 32, func(o *Options) { o.Loss, o.Model.DNorm = LossWGAN, model.NormNone })
}
func BenchmarkTrainStepR1Every32(b *testing.B) {
	benchStepWith(b, model.DCGAN, 32, func(o *Options) { o.R1Gamma, o.R1Every = 10, 1 })
}
func BenchmarkTrainStepR1Lazy32(b *testing.B) {
	benchStepWith(b, model.DCGAN, 32, func(o *Options) { o.R1Gamma, o.R1Every = 10, 16 })
}

// The generator's moving average (the default 10 kimg half-life) against the same steps without it.
func BenchmarkTrainStepDCGAN32EMA(b *testing.B) {
	benchStepWith(b, model.DCGAN, 32, func(o *Options) { o.EMAKimg, o.EMARampUp = 10, 0.05 })
}
func BenchmarkTrainStepBEGAN32EMA(b *testing.B) {
	benchStepWith(b, model.BEGAN, 32, func(o *Options) { o.EMAKimg, o.EMARampUp = 10, 0.05 })
}

// The quality options' cost on the quality runs' setting (`sdgan train`'s defaults: 32×32, 16 tuples; RGB here, as
// the benchmark's data): the defaults,
// --d-compare, --g-style and --mismatch-hard, each against the first, and the defaults without --id-triplet.
func benchQuality(b *testing.B, opt func(*Options)) {
	benchStepWith(b, model.DCGAN, 32, func(o *Options) {
		*o = Defaults()
		o.Model.Channels = 3 // as the benchmark's random data
		if opt != nil {
			opt(o)
		}
	})
}
func BenchmarkTrainStepQualityDefaults32(b *testing.B) { benchQuality(b, nil) }
func BenchmarkTrainStepQualityCompare32(b *testing.B) {
	benchQuality(b, func(o *Options) { o.Model.Compare = true })
}
func BenchmarkTrainStepQualityGStyle32(b *testing.B) {
	benchQuality(b, func(o *Options) { o.Model.GStyle = true })
}
func BenchmarkTrainStepQualityNoTriplet32(b *testing.B) {
	benchQuality(b, func(o *Options) { o.IDTriplet = 0 })
}
func BenchmarkTrainStepQualityHard32(b *testing.B) {
	benchQuality(b, func(o *Options) { o.MismatchHard = true })
}

func BenchmarkGenerateDCGAN64(b *testing.B) {
	cfg := model.DefaultConfig(model.DCGAN, 64, 3)
	g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	z := make([]float32, 64*cfg.Z())
	model.TupleZ(rng, cfg, 32, z)
	model.Generate(g, cfg, z)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for range b.N {
		model.TupleZ(rng, cfg, 32, z)
		model.Generate(g, cfg, z)
	}
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// The reference step is SPEC's SD-DCGAN and SD-BEGAN as the PyTorch script runs them: none of the quality defaults
// of `sdgan train` (a default that joins Defaults must not slip into the side-by-side benchmark), and valid.
func TestReferenceOptionsAreThePaper(t *testing.T) {
	for _, arch := range []string{model.DCGAN, model.BEGAN} {
		o := ReferenceOptions(arch, 64).Resolve()
		if err := o.Validate(); err != nil {
			t.Errorf("%s: %v", arch, err)
		}
		if o.Mismatch || o.EMAKimg != 0 || o.IDTriplet != 0 || o.Model.InfoHead || o.Augment != "" || o.R1Gamma != 0 {
			t.Errorf("%s: the reference step has a quality option: mismatch %v, ema %g, id-triplet %g, head %v, augment %q, r1 %g",
				arch, o.Mismatch, o.EMAKimg, o.IDTriplet, o.Model.InfoHead, o.Augment, o.R1Gamma)
		}
	}
}
