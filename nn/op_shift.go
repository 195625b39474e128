package nn

import "fmt"

// Shift translates each image of NHWC x [n,h,w,c] by its own whole number of pixels, dy[i] down and dx[i] right
// (negative values go up and left), filling the uncovered pixels with 0: out[i,y,x] = x[i,y−dy[i],x−dx[i]] where
// that lies inside the image. It is DiffAugment's translation. Shifts of an image's full size or more give zeros.
// It panics unless x has rank 4 and dy, dx have one entry per image.
func Shift(x *Tensor, dy, dx []int) *Tensor {
	if len(x.Shape) != 4 || len(dy) != x.Shape[0] || len(dx) != x.Shape[0] {
		panic(fmt.Sprintf("nn: shift %v by %d and %d offsets; want [n h w c] and n of each", x.Shape, len(dy), len(dx)))
	}
	out, record := result(x.Shape, x)
	clear(out.Data) // a tape's buffer is not zeroed
	shiftInto(out.Data, x.Data, x.Shape, dy, dx, 1)
	if record {
		out.backward = func() { // the adjoint: the gradient moves back by the same offsets
			shiftInto(x.gradBuf(), out.Grad, x.Shape, dy, dx, -1)
		}
	}
	return out
}

// shiftInto adds to dst, image by image, src moved by sign·(dy[i], dx[i]), the two [n,h,w,c] NHWC.
func shiftInto(dst, src []float32, shape, dy, dx []int, sign int) {
	n, h, w, c := shape[0], shape[1], shape[2], shape[3]
	for i := range n {
		oy, ox := sign*dy[i], sign*dx[i]
		x0, x1 := max(0, ox), min(w, w+ox) // destination columns that have a source
		if x0 >= x1 {
			continue
		}
		for y := max(0, oy); y < min(h, h+oy); y++ {
			d := dst[((i*h+y)*w+x0)*c : ((i*h+y)*w+x1)*c]
			s := src[((i*h+y-oy)*w+x0-ox)*c:]
			for j := range d {
				d[j] += s[j]
			}
		}
	}
}
