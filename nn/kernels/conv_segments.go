package kernels

// oxSegment is a range x0 ≤ ox < x1 of output columns that read the same
// filter columns kxLo ≤ kx < kxHi inside x (the others read the left or
// right padding); kxLo ≥ kxHi when every tap of those columns is padding.
//
// K split by filter row skips the taps of the top and bottom padding (see
// kBlock) by restricting each filter row's product to a range of rows. The
// taps of the left and right padding are spread over every output row; the
// transposed convolution (Conv2DBackwardData) skips them too: a tile's rows
// are grouped by segment, each segment padded to whole register tiles, and
// each filter row's product skips the register tiles whose rows all read
// padding for the tile's columns (gemmArgs.skip). That keeps one product
// per filter row over the whole tile, so the packed filter is reused as
// much as before. In the 5×5 stride-2 layers of SD-DCGAN, 3/(5·OW) of the
// products are left-right padding: 15 % at OW = 4, 7.5 % at 8.
type oxSegment struct {
	x0, x1     int
	kxLo, kxHi int
}

// validKx returns the filter columns lo ≤ kx < hi whose input column
// ox·SW+kx−PadLeft lies in [0, W); lo ≥ hi when none does.
func (p ConvParams) validKx(ox int) (lo, hi int) {
	ix0 := ox*p.SW - p.PadLeft
	return max(0, -ix0), min(p.KW, p.W-ix0)
}

// oxSegments returns the output columns grouped into maximal runs with the
// same valid filter columns, left to right.
func (p ConvParams) oxSegments() []oxSegment {
	var segs []oxSegment
	for ox := range p.OW {
		lo, hi := p.validKx(ox)
		if n := len(segs); n > 0 && segs[n-1].kxLo == lo && segs[n-1].kxHi == hi {
			segs[n-1].x1 = ox + 1
			continue
		}
		segs = append(segs, oxSegment{ox, ox + 1, lo, hi})
	}
	return segs
}

// segTile is the row order of a tile t with its rows grouped by segment:
// segment by segment, each in (oy, n, ox) order over the segment's columns
// and padded with unused rows to a multiple of mr, so that no register tile
// holds rows of two segments.
type segTile struct {
	t      convTile
	segs   []oxSegment
	seg    []int // seg[ox]: the segment of output column ox
	base   []int // base[s]: the first row of segment s
	rows   []int // rows[s]: the rows of segment s in use (before its padding)
	images int
	len    int // all rows, padding included
}

func newSegTile(p ConvParams, t convTile, segs []oxSegment, seg []int, mr int) segTile {
	st := segTile{t: t, segs: segs, seg: seg, base: make([]int, len(segs)), rows: make([]int, len(segs)),
		images: t.n1 - t.n0}
	lines := st.images * (t.oy1 - t.oy0)
	for s, g := range segs {
		st.base[s] = st.len
		st.rows[s] = lines * (g.x1 - g.x0)
		st.len += ceilDiv(st.rows[s], mr) * mr
	}
	return st
}

// maxSegTileLen bounds segTile.len for the tiles of forTiles(n0, n1, rows).
func (p ConvParams) maxSegTileLen(n0, n1, rows, segments, mr int) int {
	return p.maxTileLen(n0, n1, rows) + segments*mr
}

// segmentOf returns seg[ox] for each output column.
func segmentOf(p ConvParams, segs []oxSegment) []int {
	seg := make([]int, p.OW)
	for s, g := range segs {
		for ox := g.x0; ox < g.x1; ox++ {
			seg[ox] = s
		}
	}
	return seg
}

// row returns the row of (n, oy, ox) in st's order.
func (st segTile) row(n, oy, ox int) int {
	s := st.seg[ox]
	g := st.segs[s]
	return st.base[s] + ((oy-st.t.oy0)*st.images+n-st.t.n0)*(g.x1-g.x0) + ox - g.x0
}

// gather copies the width values of each position of st from src (an
// N·OH·OW × width matrix such as dy) into dst, in st's row order, and zeroes
// the padding rows.
func (st segTile) gather(p ConvParams, src, dst []float32, width int) {
	for s, g := range st.segs {
		i := st.base[s] * width
		n := (g.x1 - g.x0) * width
		for oy := st.t.oy0; oy < st.t.oy1; oy++ {
			for img := st.t.n0; img < st.t.n1; img++ {
				o := ((img*p.OH+oy)*p.OW + g.x0) * width
				copy(dst[i:i+n], src[o:o+n])
				i += n
			}
		}
		end := st.len * width
		if s+1 < len(st.segs) {
			end = st.base[s+1] * width
		}
		clear(dst[i:end])
	}
}

// unread reports whether the rows i ≤ r < i+h of st, in the product of
// block b whose columns j ≤ c < j+w are filter taps (ky, kx, channel) with
// kx = c / C, are never read by col2im: every one of those rows either is
// padding, or lies outside the block's output rows, or reads only padding
// at those filter columns.
func (st segTile) unread(p ConvParams, b kBlock, i, h, j, w int) bool {
	s := len(st.base) - 1
	for s > 0 && st.base[s] > i {
		s--
	}
	if s+1 < len(st.base) && i+h > st.base[s+1] {
		return false // spans two segments (cannot happen with whole register tiles)
	}
	g := st.segs[s]
	if kxA, kxB := j/p.C, (j+w-1)/p.C; kxB < g.kxLo || kxA >= g.kxHi {
		return true
	}
	q0, q1 := i-st.base[s], min(i+h-st.base[s], st.rows[s]) // rows in use, relative to the segment
	if q1 <= q0 {
		return true
	}
	band := st.images * (g.x1 - g.x0) // rows per output row
	oyA, oyB := st.t.oy0+q0/band, st.t.oy0+(q1-1)/band
	return oyB < b.oyLo || oyA >= b.oyHi
}

// conv2DBackwardDataSegments is conv2DBackwardData split by filter row,
// with the tile's rows grouped by output-column segment so that each filter
// row's product skips the register tiles that only read padding (see
// oxSegment).
func conv2DBackwardDataSegments(p ConvParams, dy, w, dx []float32, accumulate bool, rows int, pl convPlan,
	blocks []kBlock, segs []oxSegment) {
	k := p.KH * p.KW * p.C
	mr := activeKernel.mr
	wm := p.filterBlocks(w, blocks, true, rows, pl)
	defer releaseAll(wm)
	seg := segmentOf(p, segs)
	imageLen := p.H * p.W * p.C
	forRows(0, p.N, pl.groups, func(_, n0, n1 int) { // images n0 ≤ n < n1
		if !accumulate {
			clear(dx[n0*imageLen : n1*imageLen])
		}
		most := p.maxSegTileLen(n0, n1, rows, len(segs), mr)
		buf, dybuf := getScratch(most*k), getScratch(most*p.F)
		defer putScratch(buf)
		defer putScratch(dybuf)
		p.forTiles(n0, n1, rows, true, func(t convTile) {
			st := newSegTile(p, t, segs, seg, mr)
			col, in := (*buf)[:st.len*k], (*dybuf)[:st.len*p.F]
			st.gather(p, dy, in, p.F)
			// col[:, k0:k1] = in · (rows k0:k1 of w)ᵀ, except the register tiles that col2im never reads.
			for i, b := range blocks {
				if b.oyLo >= b.oyHi {
					continue
				}
				wm[i].mulSkipping(pl.strat, st.len, in, p.F, col[b.k0:], k, func(r, h, c, n int) bool {
					return st.unread(p, b, r, h, c, n)
				})
			}
			forRows(t.n0, t.n1, pl.inner, func(_, i0, i1 int) { col2im(p, col, dx, t, st.row, i0, i1) })
		})
	})
}
