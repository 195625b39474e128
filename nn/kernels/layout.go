package kernels

import "fmt"

// The kernels of package nn that move values without arithmetic (or, for
// gradients, that add them where they came from): block copies for concat
// and split, transposition, nearest-neighbour upsampling and translation.

// Copy2D copies (or, if add, adds) rows of a row-major matrix into another:
// for r < rows and j < cols,
//
//	dst[dstOff + r·dstLd + j] = src[srcOff + r·srcLd + j]  (+= if add)
//
// (cudaMemcpy2D, in values). It panics if a block does not fit its slice.
func Copy2D(dst []float32, dstOff, dstLd int, src []float32, srcOff, srcLd, rows, cols int, add bool) {
	if rows < 0 || cols < 0 || dstOff < 0 || srcOff < 0 || dstLd < cols || srcLd < cols {
		panic(fmt.Sprintf("kernels: copy2d of %d×%d from offset %d stride %d to offset %d stride %d",
			rows, cols, srcOff, srcLd, dstOff, dstLd))
	}
	if rows == 0 || cols == 0 {
		return
	}
	_, _ = dst[dstOff+(rows-1)*dstLd+cols-1], src[srcOff+(rows-1)*srcLd+cols-1]
	for r := range rows {
		d := dst[dstOff+r*dstLd : dstOff+r*dstLd+cols]
		s := src[srcOff+r*srcLd : srcOff+r*srcLd+cols]
		if add {
			addTo(d, s)
		} else {
			copy(d, s)
		}
	}
}

// Transpose sets (or, if add, adds to) y the permutation of x's axes by perm,
// x having shape xs: axis i of y is axis perm[i] of x, so that
//
//	y[i] = x[j]  (+= if add)  where j is the element of x whose index along axis perm[a] is i's index along axis a
//
// When the last axis stays last, whole rows move together. Each value of y
// is written (or added to) once. It panics unless perm is a permutation of
// xs's axes and x and y hold xs's number of values.
func Transpose(y, x []float32, xs, perm []int, add bool) {
	if len(perm) != len(xs) {
		panic(fmt.Sprintf("kernels: transpose %v by %v", xs, perm))
	}
	shape := make([]int, len(perm))
	seen := make([]bool, len(perm))
	for i, p := range perm {
		if p < 0 || p >= len(perm) || seen[p] {
			panic(fmt.Sprintf("kernels: transpose %v by %v: not a permutation", xs, perm))
		}
		seen[p] = true
		shape[i] = xs[p]
	}
	checkShape("transpose", "x", x, xs)
	checkShape("transpose", "y", y, shape)
	// x's strides permuted, so that element i of y reads x at src(i)
	inStride := make([]int, len(xs))
	s := 1
	for i := len(xs) - 1; i >= 0; i-- {
		inStride[i] = s
		s *= xs[i]
	}
	st := make([]int, len(perm))
	for i, p := range perm {
		st[i] = inStride[p]
	}
	run, axes := 1, len(shape)
	if axes > 0 && perm[axes-1] == axes-1 {
		run, axes = shape[axes-1], axes-1
	}
	total := len(y)
	if total == 0 {
		return
	}
	idx := make([]int, axes)
	src := 0
	for i := 0; i < total; i += run { // i, src: where a run starts in y and in x
		if add {
			addTo(y[i:i+run], x[src:src+run])
		} else {
			copy(y[i:i+run], x[src:src+run])
		}
		for ax := axes - 1; ax >= 0; ax-- {
			idx[ax]++
			src += st[ax]
			if idx[ax] < shape[ax] {
				break
			}
			src -= st[ax] * shape[ax]
			idx[ax] = 0
		}
	}
}

// Upsample2x sets y [n,2h,2w,c] to x [n,h,w,c] (NHWC) repeated 2×2:
// y[b,Y,X,:] = x[b,Y/2,X/2,:].
func Upsample2x(y, x []float32, n, h, w, c int) {
	checkSame("upsample2x", "x", len(x), n*h*w*c)
	checkSame("upsample2x", "y", len(y), 4*n*h*w*c)
	for b := range n {
		for yy := range 2 * h {
			for xx := range 2 * w {
				src := ((b*h+yy/2)*w + xx/2) * c
				dst := ((b*2*h+yy)*2*w + xx) * c
				copy(y[dst:dst+c], x[src:src+c])
			}
		}
	}
}

// Upsample2xGrad adds to dx [n,h,w,c] the gradient of Upsample2x's input
// from dy [n,2h,2w,c]: each dx[b,Y,X,:] adds the four dy[b,2Y+i,2X+j,:] in
// the order (i, j) = (0,0), (0,1), (1,0), (1,1).
func Upsample2xGrad(dx, dy []float32, n, h, w, c int) {
	checkSame("upsample2x gradient", "dx", len(dx), n*h*w*c)
	checkSame("upsample2x gradient", "dy", len(dy), 4*n*h*w*c)
	for b := range n {
		for yy := range 2 * h {
			for xx := range 2 * w {
				src := ((b*h+yy/2)*w + xx/2) * c
				dst := ((b*2*h+yy)*2*w + xx) * c
				addTo(dx[src:src+c], dy[dst:dst+c])
			}
		}
	}
}

// Shift adds to dst, image by image, src translated by sign·(dy[i], dx[i])
// pixels (down and right; negative values go up and left), both [n,h,w,c]
// NHWC:
//
//	dst[i,y,x,:] += src[i, y − sign·dy[i], x − sign·dx[i], :]  where that lies inside the image
//
// With sign 1 onto zeros it is a translation that fills with 0; with sign −1
// it adds the gradient of that translation. dy and dx have n values.
func Shift(dst, src []float32, n, h, w, c int, dy, dx []int, sign int) {
	checkSame("shift", "dst", len(dst), n*h*w*c)
	checkSame("shift", "src", len(src), n*h*w*c)
	if len(dy) != n || len(dx) != n {
		panic(fmt.Sprintf("kernels: shift of %d images by %d and %d offsets", n, len(dy), len(dx)))
	}
	for i := range n {
		oy, ox := sign*dy[i], sign*dx[i]
		x0, x1 := max(0, ox), min(w, w+ox) // destination columns that have a source
		if x0 >= x1 {
			continue
		}
		for y := max(0, oy); y < min(h, h+oy); y++ {
			d := dst[((i*h+y)*w+x0)*c : ((i*h+y)*w+x1)*c]
			s := src[((i*h+y-oy)*w+x0-ox)*c:]
			addTo(d, s[:len(d)])
		}
	}
}
