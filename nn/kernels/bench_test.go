package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkSgemm(b *testing.B) {
	for _, n := range []int{256, 1024, 4096} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			x, y, z := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
			for b.Loop() {
				Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n)
			}
			b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
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
		x, w, y := randSlice(r, p.XLen()), randSlice(r, p.WLen()), randSlice(r, p.YLen())
		flops := 2 * float64(p.N*p.OH*p.OW) * float64(p.F*p.KH*p.KW*p.C)
		ops := []struct {
			name string
			run  func()
		}{
			{"Conv2D", func() { Conv2D(p, x, w, y, false) }},
			{"BackwardData", func() { Conv2DBackwardData(p, y, w, x, false) }},
			{"BackwardFilter", func() { Conv2DBackwardFilter(p, x, y, w, false) }},
		}
		for _, op := range ops {
			b.Run(l.name+"/"+op.name, func(b *testing.B) {
				for b.Loop() {
					op.run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkMicroKernel measures each micro-kernel alone on packed panels
// that stay in L1 (the peak the blocked GEMM can approach).
func BenchmarkMicroKernel(b *testing.B) {
	for _, path := range pathNames() {
		kern := kernelByName(path)
		b.Run(path, func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 3))
			k := 128
			ap, bp, c := randSlice(r, k*kern.mr), randSlice(r, k*kern.nr), make([]float32, kern.mr*kern.nr)
			for b.Loop() {
				kern.kern(k, ap, bp, c, kern.nr)
			}
			b.ReportMetric(2*float64(k*kern.mr*kern.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
