package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// reportFlops reports the speed of a benchmark that did flops floating-point
// operations per iteration, in GFLOP/s of wall time and in GFLOP per second
// of process CPU time (cpu0 is cpuTime() at the start). With several
// goroutines the CPU figure is per core; on an idle machine, wall ≈ cores ×
// CPU figure when the work is spread well.
func reportFlops(b *testing.B, flops float64, cpu0 time.Duration) {
	total := flops * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu := cpuTime() - cpu0; cpu > 0 && cpu0 > 0 {
		b.ReportMetric(total/cpu.Seconds()/1e9, "GFLOP/cpu-s")
	}
}

func BenchmarkSgemm(b *testing.B) {
	for _, n := range []int{256, 1024, 4096} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			x, y, z := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
			cpu0 := cpuTime()
			for b.Loop() {
				Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n)
			}
			reportFlops(b, 2*float64(n)*float64(n)*float64(n), cpu0)
		})
	}
}

// sdDCGANLayers are the convolutions of an SD-DCGAN train step (batch 64,
// 64×64 images). The D layers are 5×5 stride-2 SAME convolutions and the
// merge a 3×3 stride-2 one (batch 32). The G layers are the convolutions
// whose BackwardData is the generator's transposed convolution.
var sdDCGANLayers = []struct {
	name string
	p    ConvParams
}{
	{"D1_64x64x3-32x32x64", sameConv5(64, 64, 3, 64)},
	{"D2_32x32x64-16x16x128", sameConv5(64, 32, 64, 128)},
	{"D3_16x16x128-8x8x256", sameConv5(64, 16, 128, 256)},
	{"D4_8x8x256-4x4x512", sameConv5(64, 8, 256, 512)},
	{"Dmerge_4x4x1024-2x2x512", ConvParams{N: 32, H: 4, W: 4, C: 1024, KH: 3, KW: 3, F: 512, SH: 2, SW: 2, OH: 2, OW: 2}},
	{"G1_4x4x512-8x8x256", tconv5(64, 4, 512, 256)},
	{"G2_8x8x256-16x16x128", tconv5(64, 8, 256, 128)},
	{"G3_16x16x128-32x32x64", tconv5(64, 16, 128, 64)},
	{"G4_32x32x64-64x64x3", tconv5(64, 32, 64, 3)},
}

// sameConv5 is a 5×5 stride-2 SAME convolution of an h×h×c input to f
// channels (OH = h/2, PadTop = 1 as TensorFlow pads the smaller half first).
func sameConv5(n, h, c, f int) ConvParams {
	return ConvParams{N: n, H: h, W: h, C: c, KH: 5, KW: 5, F: f, SH: 2, SW: 2, PadTop: 1, PadLeft: 1, OH: h / 2, OW: h / 2}
}

// tconv5 is the convolution whose BackwardData is a 5×5 stride-2 transposed
// convolution from h×h×cin to 2h×2h×cout.
func tconv5(n, h, cin, cout int) ConvParams {
	return ConvParams{N: n, H: 2 * h, W: 2 * h, C: cout, KH: 5, KW: 5, F: cin, SH: 2, SW: 2, PadTop: 2, PadLeft: 2, OH: h, OW: h}
}

func BenchmarkConv(b *testing.B) {
	for _, l := range sdDCGANLayers {
		p := l.p
		r := rand.New(rand.NewPCG(2, 2))
		x, w, dy := randSlice(r, p.XLen()), randSlice(r, p.WLen()), randSlice(r, p.YLen())
		y, dx, dw := make([]float32, p.YLen()), make([]float32, p.XLen()), make([]float32, p.WLen())
		flops := 2 * float64(p.N*p.OH*p.OW) * float64(p.F*p.KH*p.KW*p.C)
		ops := []struct {
			name string
			run  func()
		}{
			{"Conv2D", func() { Conv2D(p, x, w, y, false) }},
			{"BackwardData", func() { Conv2DBackwardData(p, dy, w, dx, false) }},
			{"BackwardFilter", func() { Conv2DBackwardFilter(p, x, dy, dw, false) }},
		}
		for _, op := range ops {
			b.Run(l.name+"/"+op.name, func(b *testing.B) {
				cpu0 := cpuTime()
				for b.Loop() {
					op.run()
				}
				reportFlops(b, flops, cpu0)
			})
		}
	}
}

// BenchmarkMicroKernel measures each micro-kernel alone on packed panels
// that stay in L1 (the peak the blocked GEMM can approach), the bf16 one
// too where the CPU has it (its panels hold pairs: half the values a step).
func BenchmarkMicroKernel(b *testing.B) {
	kerns := kernelPaths()
	if bf16Kernel != nil {
		kerns = append(kerns, bf16Kernel)
	}
	for _, kern := range kerns {
		b.Run(kern.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 3))
			k, steps := 128, 128 // k multiply-adds per value of C, in steps of the panels
			if kern.pairs {
				k = 256
			}
			ap, bp, c := randSlice(r, steps*kern.mr), randSlice(r, steps*kern.nr), make([]float32, kern.mr*kern.nr)
			cpu0 := cpuTime()
			for b.Loop() {
				kern.kern(k, ap, bp, c, kern.nr, true)
			}
			reportFlops(b, 2*float64(k*kern.mr*kern.nr), cpu0)
		})
	}
}

// BenchmarkConvSplit runs the layers whose filters read padding with K split
// by filter row and unsplit (see kBlocks). GFLOP counts every tap, padding
// included, as in BenchmarkConv, so the two are compared by time.
func BenchmarkConvSplit(b *testing.B) {
	for _, l := range sdDCGANLayers {
		p := l.p
		if !p.splitK() {
			continue
		}
		r := rand.New(rand.NewPCG(2, 2))
		x, w, dy := randSlice(r, p.XLen()), randSlice(r, p.WLen()), randSlice(r, p.YLen())
		y, dx, dw := make([]float32, p.YLen()), make([]float32, p.XLen()), make([]float32, p.WLen())
		flops := 2 * float64(p.N*p.OH*p.OW) * float64(p.F*p.KH*p.KW*p.C)
		rows := p.tileRows()
		for _, split := range []bool{false, true} {
			pl := p.plan(p.workers())
			pl.split = split
			ops := []struct {
				name string
				run  func()
			}{
				{"Conv2D", func() { conv2D(p, x, w, y, false, rows, pl) }},
				{"BackwardData", func() { conv2DBackwardData(p, dy, w, dx, false, rows, pl) }},
				{"BackwardFilter", func() { conv2DBackwardFilter(p, x, dy, dw, false, rows, pl) }},
			}
			for _, op := range ops {
				b.Run(fmt.Sprintf("%s/%s/split=%v", l.name, op.name, split), func(b *testing.B) {
					cpu0 := cpuTime()
					for b.Loop() {
						op.run()
					}
					reportFlops(b, flops, cpu0)
				})
			}
		}
	}
}
