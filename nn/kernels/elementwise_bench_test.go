package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchSizes are the slice lengths of the elementwise benchmarks: one that
// fits in L2 (64Ki values, 256 KiB a slice) and one that does not (1Mi).
var benchSizes = []int{1 << 16, 1 << 20}

// benchPaths runs fn as a sub-benchmark per kernel path and size, with
// SetBytes(bytesPerValue·n).
func benchPaths(b *testing.B, bytesPerValue int, fn func(b *testing.B, r *rand.Rand, n int)) {
	for _, asm := range []bool{false, true} {
		name := "go"
		if asm {
			name = "avx512"
		}
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				if asm && !canAVX512 {
					b.Skip("no AVX-512 kernels in this build or on this CPU")
				}
				defer forceAVX512(asm)()
				b.SetBytes(int64(bytesPerValue * n))
				fn(b, rand.New(rand.NewPCG(1, 2)), n)
			})
		}
	}
}

func BenchmarkLeaky(b *testing.B) {
	benchPaths(b, 8, func(b *testing.B, r *rand.Rand, n int) {
		x, y := randValues(r, n, false), make([]float32, n)
		for b.Loop() {
			Leaky(y, x, 0.2)
		}
	})
}

func BenchmarkTanh(b *testing.B) {
	benchPaths(b, 8, func(b *testing.B, r *rand.Rand, n int) {
		x, y := randValues(r, n, false), make([]float32, n)
		for b.Loop() {
			Tanh(y, x)
		}
	})
}

func BenchmarkLeakyGradAdd(b *testing.B) {
	benchPaths(b, 16, func(b *testing.B, r *rand.Rand, n int) {
		y, gy, gx := randValues(r, n, false), randValues(r, n, false), make([]float32, n)
		for b.Loop() {
			LeakyGradAdd(gx, gy, y, 0.2)
		}
	})
}

// BenchmarkBatchNormRowsLeaky uses 64 channels (a DCGAN layer's).
func BenchmarkBatchNormRowsLeaky(b *testing.B) {
	const c = 64
	benchPaths(b, 8, func(b *testing.B, r *rand.Rand, n int) {
		x, y := randValues(r, n, false), make([]float32, n)
		mu, k, beta := randValues(r, c, false), randValues(r, c, false), randValues(r, c, false)
		for b.Loop() {
			BatchNormRowsLeaky(y, x, mu, k, beta, 0.2)
		}
	})
}

// BenchmarkBatchNormGradRows uses 64 channels, in place (as in training).
func BenchmarkBatchNormGradRows(b *testing.B) {
	const c = 64
	benchPaths(b, 12, func(b *testing.B, r *rand.Rand, n int) {
		x, dz := randValues(r, n, false), randValues(r, n, false)
		mu, invStd, k := randValues(r, c, false), randValues(r, c, false), randValues(r, c, false)
		mg, mgx := randValues(r, c, false), randValues(r, c, false)
		for b.Loop() {
			BatchNormGradRows(dz, x, dz, mu, invStd, k, mg, mgx, false)
		}
	})
}

func BenchmarkAdamStep(b *testing.B) {
	benchPaths(b, 32, func(b *testing.B, r *rand.Rand, n int) {
		p, g, m, v := randValues(r, n, false), make([]float32, n), randValues(r, n, false), make([]float32, n)
		co := adamCoeffs(10)
		for b.Loop() {
			AdamStep(p, g, m, v, co)
		}
	})
}

// The comparison map of --d-compare (model/dcgan.go) on a 32×32 batch: the tuples' features [16 tuples, 4·4
// positions, k = 2, 512 channels] less their mean over the k, and that mean (a sum over an inner axis): the
// general broadcasting walk.
func BenchmarkBroadcastCompare(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	hs, ms := []int{16, 16, 2, 512}, []int{16, 16, 1, 512}
	h, m := randSlice(r, shapeSize(hs)), randSlice(r, shapeSize(ms))
	y, dh, dm := make([]float32, len(h)), make([]float32, len(h)), make([]float32, len(m))
	b.Run("sub", func(b *testing.B) {
		for b.Loop() {
			Binary(OpSub, y, h, m, hs, hs, ms)
		}
	})
	b.Run("sub-grad", func(b *testing.B) {
		for b.Loop() {
			BinaryGrad(OpSub, dh, dm, y, h, m, hs, hs, ms)
		}
	})
	b.Run("mean", func(b *testing.B) {
		for b.Loop() {
			SumAxes(m, h, hs, ms, 0.5)
		}
	})
	b.Run("mean-grad", func(b *testing.B) {
		for b.Loop() {
			SumAxesGrad(dh, m, hs, ms, 0.5)
		}
	})
}
