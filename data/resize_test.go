package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refAreaResize is area averaging done the obvious way: replicate every input pixel out×out times, giving an
// (in·out)² image, then average blocks of in×in. Each output pixel is then exactly the mean of its footprint.
func refAreaResize(src []float32, in, out int) []float64 {
	big := in * out
	dst := make([]float64, out*out)
	for Y := range big {
		for X := range big {
			dst[(Y/in)*out+X/in] += float64(src[(Y/out)*in+X/out])
		}
	}
	for i := range dst {
		dst[i] /= float64(in * in)
	}
	return dst
}

// refBilinear samples src at each output pixel centre mapped back to input coordinates, clamped at the edges.
func refBilinear(src []float32, in, out int) []float64 {
	s := float64(in) / float64(out)
	coord := func(o int) (int, int, float64) {
		c := math.Min(math.Max((float64(o)+0.5)*s-0.5, 0), float64(in-1))
		i0 := int(math.Floor(c))
		return i0, min(i0+1, in-1), c - float64(i0)
	}
	dst := make([]float64, out*out)
	for y := range out {
		y0, y1, fy := coord(y)
		for x := range out {
			x0, x1, fx := coord(x)
			at := func(yy, xx int) float64 { return float64(src[yy*in+xx]) }
			dst[y*out+x] = (1-fy)*((1-fx)*at(y0, x0)+fx*at(y0, x1)) + fy*((1-fx)*at(y1, x0)+fx*at(y1, x1))
		}
	}
	return dst
}

func TestResizePlaneMatchesReference(t *testing.T) {
	cases := []struct{ in, out int }{
		{1, 1}, {1, 8}, {2, 1}, {7, 3}, {13, 5}, {13, 13}, {17, 8}, {64, 32}, {31, 8}, {100, 64}, // down or same
		{3, 8}, {5, 13}, {8, 31}, {32, 64}, // up
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(fmt.Sprintf("%dto%d", c.in, c.out), func(t *testing.T) {
			src := make([]float32, c.in*c.in)
			for i := range src {
				src[i] = float32(rng.IntN(256))
			}
			got := resizePlane(src, c.in, c.out)
			var want []float64
			if c.in > c.out {
				want = refAreaResize(src, c.in, c.out)
			} else {
				want = refBilinear(src, c.in, c.out)
			}
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-3 {
					t.Fatalf("pixel %d: got %v, want %v", i, got[i], want[i])
				}
			}
			if c.in == c.out {
				for i := range src {
					if got[i] != src[i] {
						t.Fatalf("same size must copy exactly: pixel %d got %v, want %v", i, got[i], src[i])
					}
				}
			}
		})
	}
}

func TestResampleTapsSumToOne(t *testing.T) {
	for _, in := range []int{1, 2, 7, 13, 64, 250} {
		for _, out := range []int{1, 3, 8, 31, 64} {
			for o, ts := range resampleTaps(in, out) {
				var sum float64
				for _, tp := range ts {
					if tp.i < 0 || tp.i >= in || tp.w <= 0 {
						t.Fatalf("%d→%d output %d: bad tap %+v", in, out, o, tp)
					}
					sum += float64(tp.w)
				}
				if math.Abs(sum-1) > 1e-5 {
					t.Fatalf("%d→%d output %d: weights sum to %v, want 1", in, out, o, sum)
				}
			}
		}
	}
}

func BenchmarkResizePlane250to64(b *testing.B) {
	src := make([]float32, 250*250)
	for i := range src {
		src[i] = float32(i % 251)
	}
	b.SetBytes(int64(len(src) * 4))
	for b.Loop() {
		resizePlane(src, 250, 64)
	}
}
