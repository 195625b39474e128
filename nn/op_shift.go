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
	return shift(x, dy, dx, 1)
}

// shift is Shift by sign·(dy, dx): with sign −1, Shift's backward as an op.
func shift(x *Tensor, dy, dx []int, sign int) *Tensor {
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	out, record := result("shift", x.Shape, x)
	be := out.dev
	be.Fill(out.data, 0) // a tape's buffer is not zeroed
	be.Shift(out.data, x.data, n, h, w, c, dy, dx, sign)
	if record {
		out.backward = func() { // the adjoint: the gradient moves back by the same offsets
			be.Shift(x.gradBuf(), out.grad, n, h, w, c, dy, dx, -sign)
		}
		out.vjp = func(g *Tensor, gc *gradCtx) { gc.add(x, shift(g, dy, dx, -sign)) }
	}
	return out
}
