package kernels

// Conv2D computes y = conv(x, w), or y += conv(x, w) when accumulate (see
// ConvParams for the formula). It panics if the slice lengths do not match p.
func Conv2D(p ConvParams, x, w, y []float32, accumulate bool) {
	conv2D(p, x, w, y, accumulate, p.tileRows(), p.plan(p.workers()))
}

// conv2D is Conv2D with the im2col tile height (output positions) and the
// use of goroutines given.
func conv2D(p ConvParams, x, w, y []float32, accumulate bool, rows int, pl convPlan) {
	p.mustValidate(len(x), len(w), len(y))
	k, m := p.KH*p.KW*p.C, p.N*p.OH*p.OW
	beta := betaFor(accumulate)
	if p.pointwise() { // y[M,F] = x[M,C] · w[C,F]
		Sgemm(false, false, m, p.F, k, 1, x, k, w, p.F, beta, y, p.F)
		return
	}
	wm := newFilterOperand(pl.groups > 1 || m > rows, false, k, p.F, w, p.F) // w as the K×F matrix
	defer wm.release()
	forRows(0, p.N, pl.groups, func(n0, n1 int) { // images n0 ≤ n < n1
		r0, r1 := n0*p.OH*p.OW, n1*p.OH*p.OW
		buf := getScratch(min(rows, r1-r0) * k)
		defer putScratch(buf)
		for t0 := r0; t0 < r1; t0 += rows {
			t1 := min(r1, t0+rows)
			col := (*buf)[:(t1-t0)*k]
			forRows(t0, t1, pl.inner, func(a, b int) { im2col(p, x, col[(a-t0)*k:(b-t0)*k], a, b) })
			// y[t0:t1, F] = col[t0:t1, K] · w[K, F]
			wm.mul(pl.strat, t1-t0, col, k, beta, y[t0*p.F:], p.F)
		}
	})
}

// Conv2DBackwardData computes dx = ∂L/∂x given dy = ∂L/∂y (the transpose of
// Conv2D in x), or dx += … when accumulate:
//
//	dx[n,iy,ix,c] = Σ dy[n,oy,ox,f] · w[ky,kx,c,f] over iy = oy·SH+ky−PadTop, ix = ox·SW+kx−PadLeft
//
// It is also the forward pass of a transposed convolution. It panics if the
// slice lengths do not match p.
func Conv2DBackwardData(p ConvParams, dy, w, dx []float32, accumulate bool) {
	conv2DBackwardData(p, dy, w, dx, accumulate, p.tileRows(), p.plan(p.workers()))
}

// conv2DBackwardData is Conv2DBackwardData with the tile height and the use
// of goroutines given.
func conv2DBackwardData(p ConvParams, dy, w, dx []float32, accumulate bool, rows int, pl convPlan) {
	p.mustValidate(len(dx), len(w), len(dy))
	k, m := p.KH*p.KW*p.C, p.N*p.OH*p.OW
	if p.pointwise() { // dx[M,C] (+)= dy[M,F] · w[C,F]ᵀ
		Sgemm(false, true, m, p.C, p.F, 1, dy, p.F, w, p.F, betaFor(accumulate), dx, p.C)
		return
	}
	wm := newFilterOperand(pl.groups > 1 || m > rows, true, p.F, k, w, p.F) // wᵀ as the F×K matrix
	defer wm.release()
	imageLen, ohw := p.H*p.W*p.C, p.OH*p.OW
	forRows(0, p.N, pl.groups, func(n0, n1 int) { // images n0 ≤ n < n1
		if !accumulate {
			clear(dx[n0*imageLen : n1*imageLen])
		}
		r0, r1 := n0*ohw, n1*ohw
		buf := getScratch(min(rows, r1-r0) * k)
		defer putScratch(buf)
		for t0 := r0; t0 < r1; t0 += rows {
			t1 := min(r1, t0+rows)
			col := (*buf)[:(t1-t0)*k]
			// col[t0:t1, K] = dy[t0:t1, F] · w[K, F]ᵀ
			wm.mul(pl.strat, t1-t0, dy[t0*p.F:], p.F, 0, col, k)
			// Scatter the rows back, image by image: goroutines never share an image of dx.
			forRows(t0/ohw, ceilDiv(t1, ohw), pl.inner, func(i0, i1 int) {
				a, b := max(t0, i0*ohw), min(t1, i1*ohw)
				col2im(p, col[(a-t0)*k:(b-t0)*k], dx, a, b)
			})
		}
	})
}

// Conv2DBackwardFilter computes dw = ∂L/∂w given x and dy = ∂L/∂y, or
// dw += … when accumulate:
//
//	dw[ky,kx,c,f] = Σ_{n,oy,ox} x[n, oy·SH+ky−PadTop, ox·SW+kx−PadLeft, c] · dy[n,oy,ox,f]
//
// It panics if the slice lengths do not match p.
func Conv2DBackwardFilter(p ConvParams, x, dy, dw []float32, accumulate bool) {
	conv2DBackwardFilter(p, x, dy, dw, accumulate, p.tileRows(), p.plan(p.workers()))
}

// conv2DBackwardFilter is Conv2DBackwardFilter with the tile height and the
// use of goroutines given. All goroutines (groups·inner) share each tile:
// they fill parts of the column matrix, then the GEMM splits dw.
func conv2DBackwardFilter(p ConvParams, x, dy, dw []float32, accumulate bool, rows int, pl convPlan) {
	p.mustValidate(len(x), len(dw), len(dy))
	k, m := p.KH*p.KW*p.C, p.N*p.OH*p.OW
	beta := betaFor(accumulate)
	if p.pointwise() { // dw[C,F] (+)= x[M,C]ᵀ · dy[M,F]
		Sgemm(true, false, k, p.F, m, 1, x, k, dy, p.F, beta, dw, p.F)
		return
	}
	workers := pl.groups * pl.inner
	strat := autoStrategy
	if workers <= 1 {
		strat = oneThreadStrategy
	}
	buf := getScratch(min(rows, m) * k)
	defer putScratch(buf)
	for t0 := 0; t0 < m; t0 += rows {
		t1 := min(m, t0+rows)
		col := (*buf)[:(t1-t0)*k]
		forRows(t0, t1, workers, func(a, b int) { im2col(p, x, col[(a-t0)*k:(b-t0)*k], a, b) })
		// dw[K, F] (+)= col[t0:t1, K]ᵀ · dy[t0:t1, F]
		sgemm(activeKernel, strat, true, false, k, p.F, t1-t0, 1, col, k, dy[t0*p.F:], p.F, beta, dw, p.F)
		beta = 1
	}
}
