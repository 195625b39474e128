package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The kernels of layout.go against index formulas, bit for bit.

func TestCopy2D(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, tc := range []struct{ dstOff, dstLd, srcOff, srcLd, rows, cols int }{
		{0, 5, 0, 5, 3, 5}, {2, 9, 1, 4, 3, 3}, {0, 7, 3, 3, 1, 3}, {4, 4, 0, 1, 0, 1}, {1, 33, 2, 17, 5, 17},
	} {
		src := randValues(r, tc.srcOff+max(tc.rows-1, 0)*tc.srcLd+tc.cols+2, false)
		dst0 := randValues(r, tc.dstOff+max(tc.rows-1, 0)*tc.dstLd+tc.cols+2, false)
		for _, add := range []bool{false, true} {
			want := slices.Clone(dst0)
			for i := range tc.rows {
				for j := range tc.cols {
					d, s := tc.dstOff+i*tc.dstLd+j, tc.srcOff+i*tc.srcLd+j
					if add {
						want[d] += src[s]
					} else {
						want[d] = src[s]
					}
				}
			}
			dst := slices.Clone(dst0)
			Copy2D(dst, tc.dstOff, tc.dstLd, src, tc.srcOff, tc.srcLd, tc.rows, tc.cols, add)
			sameBits(t, fmt.Sprintf("%+v add %v", tc, add), dst, want)
		}
	}
}

func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, tc := range []struct{ shape, perm []int }{
		{[]int{3, 5, 7}, []int{1, 0, 2}},       // last axis stays: rows move
		{[]int{2, 3, 1, 5}, []int{1, 2, 0, 3}}, // last axis stays, a unit axis
		{[]int{3, 5, 7}, []int{2, 0, 1}},       // last axis moves
		{[]int{4, 3, 2, 5}, []int{3, 2, 1, 0}},
		{[]int{7}, []int{0}},
		{[]int{1, 13}, []int{1, 0}},
		{[]int{0, 3}, []int{1, 0}},
	} {
		x := randValues(r, shapeSize(tc.shape), false)
		ys := make([]int, len(tc.perm))
		for i, p := range tc.perm {
			ys[i] = tc.shape[p]
		}
		strides := make([]int, len(tc.shape))
		s := 1
		for i := len(tc.shape) - 1; i >= 0; i-- {
			strides[i] = s
			s *= tc.shape[i]
		}
		y0 := randValues(r, len(x), false)
		for _, add := range []bool{false, true} {
			want := slices.Clone(y0)
			for i := range want {
				rem, src := i, 0 // y's multi-index → x's index: y axis a is x axis perm[a]
				for a := len(tc.perm) - 1; a >= 0; a-- {
					src += rem % ys[a] * strides[tc.perm[a]]
					rem /= ys[a]
				}
				if add {
					want[i] += x[src]
				} else {
					want[i] = x[src]
				}
			}
			y := slices.Clone(y0)
			Transpose(y, x, tc.shape, tc.perm, add)
			sameBits(t, fmt.Sprintf("%v by %v add %v", tc.shape, tc.perm, add), y, want)
		}
	}
}

func TestUpsample2x(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, s := range [][4]int{{1, 1, 1, 1}, {2, 3, 5, 3}, {3, 4, 2, 17}} {
		n, h, w, c := s[0], s[1], s[2], s[3]
		x := randValues(r, n*h*w*c, false)
		at := func(b, yy, xx, ch, hh, ww int) int { return ((b*hh+yy)*ww+xx)*c + ch }
		want := make([]float32, 4*len(x))
		for b := range n {
			for yy := range 2 * h {
				for xx := range 2 * w {
					for ch := range c {
						want[at(b, yy, xx, ch, 2*h, 2*w)] = x[at(b, yy/2, xx/2, ch, h, w)]
					}
				}
			}
		}
		y := randValues(r, len(want), false)
		Upsample2x(y, x, n, h, w, c)
		sameBits(t, fmt.Sprintf("%v", s), y, want)
		dy, dx := randValues(r, len(y), false), randValues(r, len(x), false)
		wdx := slices.Clone(dx)
		for b := range n {
			for yy := range h {
				for xx := range w {
					for ch := range c {
						i := at(b, yy, xx, ch, h, w)
						for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
							wdx[i] += dy[at(b, 2*yy+d[0], 2*xx+d[1], ch, 2*h, 2*w)]
						}
					}
				}
			}
		}
		Upsample2xGrad(dx, dy, n, h, w, c)
		sameBits(t, fmt.Sprintf("%v gradient", s), dx, wdx)
	}
}

func TestShift(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	const n, h, w, c = 5, 4, 6, 3
	dy, dx := []int{0, 1, -3, 4, 2}, []int{2, -1, 0, 1, -7}
	src := randValues(r, n*h*w*c, false)
	for _, sign := range []int{1, -1} {
		dst := randValues(r, len(src), false)
		want := slices.Clone(dst)
		for i := range n {
			for y := range h {
				for x := range w {
					sy, sx := y-sign*dy[i], x-sign*dx[i]
					if sy < 0 || sy >= h || sx < 0 || sx >= w {
						continue
					}
					for ch := range c {
						want[((i*h+y)*w+x)*c+ch] += src[((i*h+sy)*w+sx)*c+ch]
					}
				}
			}
		}
		Shift(dst, src, n, h, w, c, dy, dx, sign)
		sameBits(t, fmt.Sprintf("sign %d", sign), dst, want)
	}
}
