package kernels

// convTile is a tile of output positions of a convolution: images
// n0 ≤ n < n1 and output rows oy0 ≤ oy < oy1, all columns ox. Its positions
// are the rows of the tile's column matrix, in one of two orders:
//
//   - (oy, n, ox) when K is split by filter row: the positions whose input
//     row for a given filter row lies inside x (a range of oy, see kBlock)
//     are then a contiguous range of rows. A tile of several images is
//     gathered from and scattered to y.
//   - (n, oy, ox) otherwise (byImage): the order of y, so that a tile is
//     always a contiguous range of positions.
type convTile struct {
	n0, n1, oy0, oy1 int
	byImage          bool
}

// len returns the number of output positions in t.
func (t convTile) len(p ConvParams) int { return (t.n1 - t.n0) * (t.oy1 - t.oy0) * p.OW }

// pos returns the image, output row and output column of row r of t.
func (t convTile) pos(p ConvParams, r int) (n, oy, ox int) {
	q, images, bands := r/p.OW, t.n1-t.n0, t.oy1-t.oy0
	if t.byImage {
		return t.n0 + q/bands, t.oy0 + q%bands, r % p.OW
	}
	return t.n0 + q%images, t.oy0 + q/images, r % p.OW
}

// row is the inverse of pos: it returns the row of t at (n, oy, ox).
func (t convTile) row(p ConvParams, n, oy, ox int) int {
	if t.byImage {
		return ((n-t.n0)*(t.oy1-t.oy0)+oy-t.oy0)*p.OW + ox
	}
	return ((oy-t.oy0)*(t.n1-t.n0)+n-t.n0)*p.OW + ox
}

// rowsFor returns the rows a ≤ r < b of t whose output row lies in
// [oyLo, oyHi); a == b when there are none. In a byImage tile of several
// images, those rows are contiguous only when they are all the rows of t.
func (t convTile) rowsFor(p ConvParams, oyLo, oyHi int) (a, b int) {
	lo, hi := max(oyLo, t.oy0), min(oyHi, t.oy1)
	if lo >= hi {
		return 0, 0
	}
	if t.byImage && t.n1-t.n0 > 1 && (lo > t.oy0 || hi < t.oy1) {
		panic("kernels: rows of some output rows of an image-major tile")
	}
	band := (t.n1 - t.n0) * p.OW // rows per output row
	return (lo - t.oy0) * band, (hi - t.oy0) * band
}

// contiguous reports whether the rows of t are consecutive output positions
// in y, starting at position first.
func (t convTile) contiguous(p ConvParams) (first int, ok bool) {
	return (t.n0*p.OH + t.oy0) * p.OW, t.byImage || t.n1-t.n0 == 1
}

// gather copies the width values of each position of t from src (an
// N·OH·OW × width matrix such as y or dy) into dst, in t's row order.
func (t convTile) gather(p ConvParams, src, dst []float32, width int) {
	band := p.OW * width
	i := 0
	for oy := t.oy0; oy < t.oy1; oy++ {
		for n := t.n0; n < t.n1; n++ {
			s := (n*p.OH + oy) * band
			copy(dst[i:i+band], src[s:s+band])
			i += band
		}
	}
}

// scatter is the inverse of gather: it stores (or, when add, adds) the rows
// of src, in t's row order, into dst.
func (t convTile) scatter(p ConvParams, src, dst []float32, width int, add bool) {
	band := p.OW * width
	i := 0
	for oy := t.oy0; oy < t.oy1; oy++ {
		for n := t.n0; n < t.n1; n++ {
			d := (n*p.OH + oy) * band
			if add {
				addTo(dst[d:d+band], src[i:i+band])
			} else {
				copy(dst[d:d+band], src[i:i+band])
			}
			i += band
		}
	}
}

// forTiles calls fn, in order, on the tiles that cover images n0 ≤ n < n1,
// each of about rows positions: as many whole images as fit in rows
// (at least one), or, when one image holds more, bands of output rows of
// one image (at least one output row). The tiles are byImage unless split.
func (p ConvParams) forTiles(n0, n1, rows int, split bool, fn func(convTile)) {
	if per := p.OH * p.OW; per <= rows {
		step := rows / per
		for n := n0; n < n1; n += step {
			fn(convTile{n, min(n1, n+step), 0, p.OH, !split})
		}
		return
	}
	step := max(1, rows/p.OW)
	for n := n0; n < n1; n++ {
		for oy := 0; oy < p.OH; oy += step {
			fn(convTile{n, n + 1, oy, min(p.OH, oy+step), !split})
		}
	}
}

// maxTileLen returns the most positions a tile of forTiles(n0, n1, rows)
// holds.
func (p ConvParams) maxTileLen(n0, n1, rows int) int {
	if per := p.OH * p.OW; per <= rows {
		return min(rows/per, n1-n0) * per
	}
	return min(max(1, rows/p.OW), p.OH) * p.OW
}
