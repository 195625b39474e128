package kernels

// im2col writes the receptive fields of rows r0 ≤ r < r1 of tile t (see
// convTile for their order) as the rows of col, an (r1−r0)×(KH·KW·C) matrix
// whose columns are ordered (ky, kx, c) like the rows of an HWIO filter.
// Out-of-range x contributes zeros: for row r at position (n, oy, ox),
//
//	col[(r−r0)*K + (ky*KW+kx)*C + c] = x[n, oy·SH+ky−PadTop, ox·SW+kx−PadLeft, c]
func im2col(p ConvParams, x, col []float32, t convTile, r0, r1 int) {
	im2colCols(p, x, col, t, r0, r1, 0, p.KH*p.KW*p.C)
}

// im2colCols is im2col for columns c0 ≤ j < c1 of the column matrix only: col
// is (r1−r0)×(c1−c0), column j of the full matrix at column j−c0. It works a
// band of positions of one image and output row at a time, filter row by
// filter row, so that the bookkeeping is per band and the inner loop copies
// one run of x per position (the first layer's runs are only KW·C = 15
// values).
func im2colCols(p ConvParams, x, col []float32, t convTile, r0, r1, c0, c1 int) {
	rowLen, width, xRow := p.KW*p.C, c1-c0, p.W*p.C
	for r := r0; r < r1; {
		n, oy, ox0 := t.pos(p, r)
		ox1 := min(p.OW, ox0+r1-r) // the band's positions in [r0, r1)
		band := col[(r-r0)*width : (r-r0+ox1-ox0)*width]
		for ky := c0 / rowLen; ky*rowLen < c1; ky++ {
			s, e := max(c0-ky*rowLen, 0), min(c1-ky*rowLen, rowLen) // this filter row's offsets in [c0, c1)
			off := ky*rowLen + s - c0                               // and where they go in a row of col
			iy := oy*p.SH + ky - p.PadTop
			if iy < 0 || iy >= p.H {
				for i := range ox1 - ox0 {
					clear(band[i*width+off : i*width+off+e-s])
				}
				continue
			}
			xr := x[(n*p.H+iy)*xRow : (n*p.H+iy+1)*xRow]
			// x supplies the offsets [vs, ve) of position i: the ones that land inside the row. The positions
			// where that is all of [s, e) are a range [lo, hi), copied in one copyRuns; the others, at the
			// row's ends, one by one.
			edge := func(i int) (vs, ve, ix0 int) {
				ix0 = (ox0+i)*p.SW - p.PadLeft
				return max(s, -ix0*p.C), min(e, (p.W-ix0)*p.C), ix0
			}
			inside := func(i int) bool { vs, ve, _ := edge(i); return vs == s && ve == e }
			partial := func(i int) {
				d := band[i*width+off : i*width+off+e-s]
				vs, ve, ix0 := edge(i)
				if vs >= ve {
					clear(d)
					return
				}
				clear(d[:vs-s])
				copy(d[vs-s:ve-s], xr[ix0*p.C+vs:ix0*p.C+ve])
				clear(d[ve-s:])
			}
			lo, hi := 0, ox1-ox0
			for lo < hi && !inside(lo) {
				partial(lo)
				lo++
			}
			for hi > lo && !inside(hi-1) {
				hi--
				partial(hi)
			}
			if lo < hi {
				_, _, ix0 := edge(lo)
				copyRuns(band[lo*width+off:], xr[ix0*p.C+s:], hi-lo, width, p.SW*p.C, e-s)
			}
		}
		r += ox1 - ox0
	}
}

// col2im is the transpose of im2col for the rows of tile t that belong to
// images n0 ≤ n < n1: it adds each of those rows of col (the tile's whole
// column matrix, position (n, oy, ox) in row rowOf(n, oy, ox)) back into the
// positions of dx that im2col read it from,
//
//	dx[n, oy·SH+ky−PadTop, ox·SW+kx−PadLeft, c] += col[r*K + (ky*KW+kx)*C + c]
//
// skipping out-of-range positions (whose values in col are never read).
// Each value of dx adds its terms in the order of ox within an output row
// (one filter row ky reaches a given input row from a given output row), and
// output rows in order. The positions whose receptive field lies inside the
// input row, when their rows of col follow each other, go in one addRuns a
// filter row; the others, at the row's ends, one by one.
func col2im(p ConvParams, col, dx []float32, t convTile, rowOf func(n, oy, ox int) int, n0, n1 int) {
	rowLen := p.KW * p.C
	k := p.KH * rowLen
	inside := func(ox int) bool { lo, hi := p.validKx(ox); return lo == 0 && hi == p.KW }
	for n := n0; n < n1; n++ {
		for oy := t.oy0; oy < t.oy1; oy++ {
			xLo, xHi := 0, p.OW // the positions inside: [xLo, xHi)
			for xLo < xHi && !inside(xLo) {
				xLo++
			}
			for xHi > xLo && !inside(xHi-1) {
				xHi--
			}
			runs := xHi-xLo > 1 && rowOf(n, oy, xHi-1)-rowOf(n, oy, xLo) == xHi-1-xLo
			for ky := range p.KH {
				iy := oy*p.SH + ky - p.PadTop
				if iy < 0 || iy >= p.H {
					continue
				}
				one := func(ox int) {
					lo, hi := p.validKx(ox)
					if lo >= hi {
						return
					}
					r := rowOf(n, oy, ox)
					dst := ((n*p.H+iy)*p.W + ox*p.SW - p.PadLeft) * p.C
					addTo(dx[dst+lo*p.C:dst+hi*p.C], col[r*k+ky*rowLen+lo*p.C:r*k+ky*rowLen+hi*p.C])
				}
				for ox := 0; ox < xLo; ox++ {
					one(ox)
				}
				if runs {
					r := rowOf(n, oy, xLo)
					dst := ((n*p.H+iy)*p.W + xLo*p.SW - p.PadLeft) * p.C
					addRuns(dx[dst:], col[r*k+ky*rowLen:], xHi-xLo, p.SW*p.C, k, rowLen)
				} else {
					for ox := xLo; ox < xHi; ox++ {
						one(ox)
					}
				}
				for ox := xHi; ox < p.OW; ox++ {
					one(ox)
				}
			}
		}
	}
}
