package kernels

// im2col writes the receptive fields of rows r0 ≤ r < r1 of tile t (see
// convTile for their order) as the rows of col, an (r1−r0)×(KH·KW·C) matrix
// whose columns are ordered (ky, kx, c) like the rows of an HWIO filter.
// Out-of-range x contributes zeros: for row r at position (n, oy, ox),
//
//	col[(r−r0)*K + (ky*KW+kx)*C + c] = x[n, oy·SH+ky−PadTop, ox·SW+kx−PadLeft, c]
func im2col(p ConvParams, x, col []float32, t convTile, r0, r1 int) {
	rowLen := p.KW * p.C
	k := p.KH * rowLen
	for r := r0; r < r1; r++ {
		n, oy, ox := t.pos(p, r)
		dst := col[(r-r0)*k : (r-r0+1)*k]
		ix0 := ox*p.SW - p.PadLeft
		lo, hi := max(0, -ix0), min(p.KW, p.W-ix0) // kx range that lands inside x
		for ky := range p.KH {
			d := dst[ky*rowLen : (ky+1)*rowLen]
			iy := oy*p.SH + ky - p.PadTop
			if iy < 0 || iy >= p.H || lo >= hi {
				clear(d)
				continue
			}
			clear(d[:lo*p.C])
			src := ((n*p.H+iy)*p.W + ix0) * p.C
			copy(d[lo*p.C:hi*p.C], x[src+lo*p.C:src+hi*p.C])
			clear(d[hi*p.C:])
		}
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
func col2im(p ConvParams, col, dx []float32, t convTile, rowOf func(n, oy, ox int) int, n0, n1 int) {
	rowLen := p.KW * p.C
	k := p.KH * rowLen
	for n := n0; n < n1; n++ {
		for oy := t.oy0; oy < t.oy1; oy++ {
			for ox := range p.OW {
				r := rowOf(n, oy, ox)
				src := col[r*k : (r+1)*k]
				ix0 := ox*p.SW - p.PadLeft
				lo, hi := max(0, -ix0), min(p.KW, p.W-ix0)
				if lo >= hi {
					continue
				}
				for ky := range p.KH {
					iy := oy*p.SH + ky - p.PadTop
					if iy < 0 || iy >= p.H {
						continue
					}
					dst := ((n*p.H+iy)*p.W + ix0) * p.C
					addTo(dx[dst+lo*p.C:dst+hi*p.C], src[ky*rowLen+lo*p.C:ky*rowLen+hi*p.C])
				}
			}
		}
	}
}
