package kernels

// Conv2D computes y = conv(x, w), or y += conv(x, w) when accumulate (see
// ConvParams for the formula). It panics if the slice lengths do not match p.
func Conv2D(p ConvParams, x, w, y []float32, accumulate bool) {
	conv2D(p, x, w, y, accumulate, p.filterTileRows(), p.plan(p.workers()))
}

// conv2D is Conv2D with the im2col tile height (output positions) and the
// use of goroutines given.
func conv2D(p ConvParams, x, w, y []float32, accumulate bool, rows int, pl convPlan) {
	p.mustValidate(len(x), len(w), len(y))
	k, m := p.KH*p.KW*p.C, p.N*p.OH*p.OW
	if p.pointwise() { // y[M,F] = x[M,C] · w[C,F]
		Sgemm(false, false, m, p.F, k, 1, x, k, w, p.F, betaFor(accumulate), y, p.F)
		return
	}
	blocks := p.kBlocks(pl.split)
	wm := p.filterBlocks(w, blocks, false, rows, pl)
	defer releaseAll(wm)
	forRows(0, p.N, pl.groups, func(_, n0, n1 int) { // images n0 ≤ n < n1
		most := p.maxTileLen(n0, n1, rows)
		buf, ybuf := getScratch(most*k), getScratch(most*p.F)
		defer putScratch(buf)
		defer putScratch(ybuf)
		p.forTiles(n0, n1, rows, pl.split, func(t convTile) {
			tl := t.len(p)
			col := (*buf)[:tl*k]
			forRows(0, tl, pl.inner, func(_, a, b int) { im2col(p, x, col[a*k:b*k], t, a, b) })
			first, direct := t.contiguous(p)
			out, set := y[first*p.F:first*p.F+tl*p.F], accumulate // set: out holds values to add to
			if !direct {
				out, set = (*ybuf)[:tl*p.F], false
			}
			for i, b := range blocks {
				a0, a1 := t.rowsFor(p, b.oyLo, b.oyHi)
				if a0 == a1 {
					continue
				}
				beta := float32(1)
				if !set { // the first product stores its rows; only the rows it leaves out start from zero
					beta = 0
					clear(out[:a0*p.F])
					clear(out[a1*p.F:])
				}
				set = true
				// out[a0:a1, F] (+)= col[a0:a1, k0:k1] · w[k0:k1, F]
				wm[i].mul(pl.strat, a1-a0, col[a0*k+b.k0:], k, beta, out[a0*p.F:], p.F)
			}
			if !set { // every tap of the tile reads padding
				clear(out)
			}
			if !direct {
				t.scatter(p, out, y, p.F, accumulate)
			}
		})
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
	conv2DBackwardData(p, dy, w, dx, accumulate, p.filterTileRows(), p.plan(p.workers()))
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
	blocks := p.kBlocks(pl.split)
	if pl.split {
		if segs := p.oxSegments(); len(segs) > 1 {
			conv2DBackwardDataSegments(p, dy, w, dx, accumulate, rows, pl, blocks, segs)
			return
		}
	}
	wm := p.filterBlocks(w, blocks, true, rows, pl)
	defer releaseAll(wm)
	imageLen := p.H * p.W * p.C
	forRows(0, p.N, pl.groups, func(_, n0, n1 int) { // images n0 ≤ n < n1
		if !accumulate {
			clear(dx[n0*imageLen : n1*imageLen])
		}
		most := p.maxTileLen(n0, n1, rows)
		buf, dybuf := getScratch(most*k), getScratch(most*p.F)
		defer putScratch(buf)
		defer putScratch(dybuf)
		p.forTiles(n0, n1, rows, pl.split, func(t convTile) {
			tl := t.len(p)
			col := (*buf)[:tl*k]
			first, direct := t.contiguous(p)
			in := dy[first*p.F : first*p.F+tl*p.F]
			if !direct {
				in = (*dybuf)[:tl*p.F]
				t.gather(p, dy, in, p.F)
			}
			// col[a0:a1, k0:k1] = in[a0:a1, F] · w[k0:k1, F]ᵀ; the rest of col is
			// padding, which col2im does not read.
			for i, b := range blocks {
				if a0, a1 := t.rowsFor(p, b.oyLo, b.oyHi); a0 < a1 {
					wm[i].mul(pl.strat, a1-a0, in[a0*p.F:], p.F, 0, col[a0*k+b.k0:], k)
				}
			}
			// Scatter the rows back, image by image: goroutines never share an image of dx.
			rowOf := func(n, oy, ox int) int { return t.row(p, n, oy, ox) }
			forRows(t.n0, t.n1, pl.inner, func(_, i0, i1 int) { col2im(p, col, dx, t, rowOf, i0, i1) })
		})
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
// use of goroutines given. Each goroutine (groups·inner of them) owns rows
// c0 ≤ c < c1 of dw (whole panels of mr rows) for the whole pass: tile by
// tile it writes columns c0..c1 of the column matrix and multiplies them, so
// the goroutines never wait for each other between tiles. (They used to
// share each tile, with two waits per tile: the same products and sums.)
func conv2DBackwardFilter(p ConvParams, x, dy, dw []float32, accumulate bool, rows int, pl convPlan) {
	p.mustValidate(len(x), len(dw), len(dy))
	k := p.KH * p.KW * p.C
	if p.pointwise() { // dw[C,F] (+)= x[M,C]ᵀ · dy[M,F]
		Sgemm(true, false, k, p.F, p.N*p.OH*p.OW, 1, x, k, dy, p.F, betaFor(accumulate), dw, p.F)
		return
	}
	workers, mr := pl.groups*pl.inner, activeKernel.mr
	blocks := p.kBlocks(pl.split)
	most := p.maxTileLen(0, p.N, rows)
	forRows(0, ceilDiv(k, mr), workers, func(_, u0, u1 int) {
		c0, c1 := u0*mr, min(k, u1*mr)
		width := c1 - c0
		buf, dybuf := getScratch(most*width), getScratch(most*p.F)
		defer putScratch(buf)
		defer putScratch(dybuf)
		beta := betaFor(accumulate)
		p.forTiles(0, p.N, rows, pl.split, func(t convTile) {
			tl := t.len(p)
			col := (*buf)[:tl*width]
			im2colCols(p, x, col, t, 0, tl, c0, c1)
			first, direct := t.contiguous(p)
			in := dy[first*p.F : first*p.F+tl*p.F]
			if !direct {
				in = (*dybuf)[:tl*p.F]
				t.gather(p, dy, in, p.F)
			}
			for _, b := range blocks {
				lo, hi := max(c0, b.k0), min(c1, b.k1)
				if lo >= hi {
					continue
				}
				a0, a1 := t.rowsFor(p, b.oyLo, b.oyHi)
				if a0 == a1 {
					if beta == 0 {
						clear(dw[lo*p.F : hi*p.F])
					}
					continue
				}
				// dw[lo:hi, F] (+)= col[a0:a1, lo:hi]ᵀ · in[a0:a1, F]
				sgemm(activeKernel, oneThreadStrategy, true, false, hi-lo, p.F, a1-a0, 1, col[a0*width+lo-c0:], width,
					in[a0*p.F:], p.F, beta, dw[lo*p.F:hi*p.F], p.F)
			}
			beta = 1
		})
	})
}

// filterBlocks returns the filter's operand for each block: rows k0 ≤ k < k1
// of w as the K×F matrix, or (transposed, for the data gradient) columns
// k0 ≤ k < k1 of wᵀ as the F×K matrix. They are packed beforehand when
// several products share them: the batch split over goroutines, or more than
// one tile of rows positions.
func (p ConvParams) filterBlocks(w []float32, blocks []kBlock, transposed bool, rows int, pl convPlan) []filterOperand {
	shared := pl.groups > 1 || p.N*p.OH*p.OW > rows
	wm := make([]filterOperand, len(blocks))
	for i, b := range blocks {
		if transposed {
			wm[i] = newFilterOperand(shared, true, p.F, b.k1-b.k0, w[b.k0*p.F:], p.F)
		} else {
			wm[i] = newFilterOperand(shared, false, b.k1-b.k0, p.F, w[b.k0*p.F:], p.F)
		}
	}
	return wm
}

// releaseAll returns the packed data of the filter operands to the pool.
func releaseAll(wm []filterOperand) {
	for _, f := range wm {
		f.release()
	}
}
