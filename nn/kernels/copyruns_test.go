package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestCopyRuns checks copyRuns on every instruction set against the formula, with runs around the 16 values of
// the masked path and strides that leave gaps in dst (which must keep their values) or overlap in src.
func TestCopyRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, isa := range Available() {
		for _, c := range []struct{ n, run, dstStride, srcStride int }{
			{1, 1, 1, 1}, {3, 5, 25, 2}, {16, 5, 25, 2}, {7, 15, 75, 6}, {4, 16, 20, 16}, {5, 17, 40, 3},
			{9, 320, 1600, 128}, {2, 3, 3, 3},
		} {
			t.Run(fmt.Sprintf("%v/%+v", isa, c), func(t *testing.T) {
				defer Force(isa)()
				src := randSlice(r, 1+(c.n-1)*c.srcStride+c.run)[1:] // unaligned, ending at the last value read
				dst := randSlice(r, (c.n-1)*c.dstStride+c.run+9)
				want := append([]float32(nil), dst...)
				for i := range c.n {
					for j := range c.run {
						want[i*c.dstStride+j] = src[i*c.srcStride+j]
					}
				}
				copyRuns(dst, src, c.n, c.dstStride, c.srcStride, c.run)
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("dst[%d] = %v, want %v", i, dst[i], want[i])
					}
				}
			})
		}
	}
}

// TestAddRuns checks addRuns on every instruction set against the same adds done in order, with runs around
// the 16 values of the masked path, runs that overlap in dst (each must add onto what the one before stored),
// and gaps that must keep their values.
func TestAddRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for _, isa := range Available() {
		for _, c := range []struct{ n, run, dstStride, srcStride int }{
			{1, 1, 1, 1}, {16, 5, 2, 25}, {7, 15, 6, 75}, {4, 16, 20, 16}, {5, 17, 3, 40}, {9, 320, 128, 1600},
			{3, 3, 3, 3}, {6, 9, 12, 9},
		} {
			t.Run(fmt.Sprintf("%v/%+v", isa, c), func(t *testing.T) {
				defer Force(isa)()
				src := randSlice(r, 1+(c.n-1)*c.srcStride+c.run)[1:]
				dst := randSlice(r, (c.n-1)*c.dstStride+c.run+9)
				want := append([]float32(nil), dst...)
				for i := range c.n {
					for j := range c.run {
						want[i*c.dstStride+j] += src[i*c.srcStride+j]
					}
				}
				addRuns(dst, src, c.n, c.dstStride, c.srcStride, c.run)
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("dst[%d] = %v, want %v", i, dst[i], want[i])
					}
				}
			})
		}
	}
}
