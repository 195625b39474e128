package kernels

// im2col writes the receptive fields of output positions r0 ≤ r < r1 (r
// indexes (n, oy, ox) in row-major order) as the rows of col, an
// (r1−r0)×(KH·KW·C) matrix whose columns are ordered (ky, kx, c) like the
// rows of an HWIO filter. Out-of-range x contributes zeros:
//
//	col[(r−r0)*K + (ky*KW+kx)*C + c] = x[n, oy·SH+ky−PadTop, ox·SW+kx−PadLeft, c]
func im2col(p ConvParams, x, col []float32, r0, r1 int) {
	rowLen := p.KW * p.C
	k := p.KH * rowLen
	for r := r0; r < r1; r++ {
		ox, oy, n := r%p.OW, r/p.OW%p.OH, r/(p.OW*p.OH)
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

// col2im is the transpose of im2col: it adds each row of col back into the
// positions of dx that im2col read it from,
//
//	dx[n, oy·SH+ky−PadTop, ox·SW+kx−PadLeft, c] += col[(r−r0)*K + (ky*KW+kx)*C + c]
//
// skipping out-of-range positions.
func col2im(p ConvParams, col, dx []float32, r0, r1 int) {
	rowLen := p.KW * p.C
	k := p.KH * rowLen
	for r := r0; r < r1; r++ {
		ox, oy, n := r%p.OW, r/p.OW%p.OH, r/(p.OW*p.OH)
		src := col[(r-r0)*k : (r-r0+1)*k]
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
