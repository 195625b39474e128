package kernels

// colTileFloats bounds the im2col buffer (in float32s, 16 MB): convolutions
// process the N·OH·OW output positions in tiles of at most this many values.
const colTileFloats = 4 << 20

// tileRows returns how many output positions (rows of the column matrix) one
// im2col tile holds.
func (p ConvParams) tileRows() int {
	return max(1, colTileFloats/(p.KH*p.KW*p.C))
}

// pointwise reports whether the convolution is a 1×1, stride-1, unpadded one
// whose column matrix is x itself (viewed as N·H·W × C).
func (p ConvParams) pointwise() bool {
	return p.KH == 1 && p.KW == 1 && p.SH == 1 && p.SW == 1 && p.PadTop == 0 && p.PadLeft == 0 &&
		p.OH == p.H && p.OW == p.W
}

// Conv2D computes y = conv(x, w), or y += conv(x, w) when accumulate (see
// ConvParams for the formula). It panics if the slice lengths do not match p.
func Conv2D(p ConvParams, x, w, y []float32, accumulate bool) {
	conv2D(p, x, w, y, accumulate, p.tileRows())
}

// conv2D is Conv2D with the im2col tile height (output positions) given.
func conv2D(p ConvParams, x, w, y []float32, accumulate bool, rows int) {
	p.mustValidate(len(x), len(w), len(y))
	k, m := p.KH*p.KW*p.C, p.N*p.OH*p.OW
	beta := betaFor(accumulate)
	if p.pointwise() { // y[M,F] = x[M,C] · w[C,F]
		Sgemm(false, false, m, p.F, k, 1, x, k, w, p.F, beta, y, p.F)
		return
	}
	buf := getScratch(min(rows, m) * k)
	defer putScratch(buf)
	for r0 := 0; r0 < m; r0 += rows {
		r1 := min(m, r0+rows)
		col := (*buf)[:(r1-r0)*k]
		im2col(p, x, col, r0, r1)
		// y[r0:r1, F] = col[r0:r1, K] · w[K, F]
		Sgemm(false, false, r1-r0, p.F, k, 1, col, k, w, p.F, beta, y[r0*p.F:], p.F)
	}
}

// Conv2DBackwardData computes dx = ∂L/∂x given dy = ∂L/∂y (the transpose of
// Conv2D in x), or dx += … when accumulate:
//
//	dx[n,iy,ix,c] = Σ dy[n,oy,ox,f] · w[ky,kx,c,f] over iy = oy·SH+ky−PadTop, ix = ox·SW+kx−PadLeft
//
// It is also the forward pass of a transposed convolution. It panics if the
// slice lengths do not match p.
func Conv2DBackwardData(p ConvParams, dy, w, dx []float32, accumulate bool) {
	conv2DBackwardData(p, dy, w, dx, accumulate, p.tileRows())
}

// conv2DBackwardData is Conv2DBackwardData with the tile height given.
func conv2DBackwardData(p ConvParams, dy, w, dx []float32, accumulate bool, rows int) {
	p.mustValidate(len(dx), len(w), len(dy))
	k, m := p.KH*p.KW*p.C, p.N*p.OH*p.OW
	if p.pointwise() { // dx[M,C] (+)= dy[M,F] · w[C,F]ᵀ
		Sgemm(false, true, m, p.C, p.F, 1, dy, p.F, w, p.F, betaFor(accumulate), dx, p.C)
		return
	}
	if !accumulate {
		clear(dx)
	}
	buf := getScratch(min(rows, m) * k)
	defer putScratch(buf)
	for r0 := 0; r0 < m; r0 += rows {
		r1 := min(m, r0+rows)
		col := (*buf)[:(r1-r0)*k]
		// col[r0:r1, K] = dy[r0:r1, F] · w[K, F]ᵀ
		Sgemm(false, true, r1-r0, k, p.F, 1, dy[r0*p.F:], p.F, w, p.F, 0, col, k)
		col2im(p, col, dx, r0, r1)
	}
}

// Conv2DBackwardFilter computes dw = ∂L/∂w given x and dy = ∂L/∂y, or
// dw += … when accumulate:
//
//	dw[ky,kx,c,f] = Σ_{n,oy,ox} x[n, oy·SH+ky−PadTop, ox·SW+kx−PadLeft, c] · dy[n,oy,ox,f]
//
// It panics if the slice lengths do not match p.
func Conv2DBackwardFilter(p ConvParams, x, dy, dw []float32, accumulate bool) {
	conv2DBackwardFilter(p, x, dy, dw, accumulate, p.tileRows())
}

// conv2DBackwardFilter is Conv2DBackwardFilter with the tile height given.
func conv2DBackwardFilter(p ConvParams, x, dy, dw []float32, accumulate bool, rows int) {
	p.mustValidate(len(x), len(dw), len(dy))
	k, m := p.KH*p.KW*p.C, p.N*p.OH*p.OW
	beta := betaFor(accumulate)
	if p.pointwise() { // dw[C,F] (+)= x[M,C]ᵀ · dy[M,F]
		Sgemm(true, false, k, p.F, m, 1, x, k, dy, p.F, beta, dw, p.F)
		return
	}
	buf := getScratch(min(rows, m) * k)
	defer putScratch(buf)
	for r0 := 0; r0 < m; r0 += rows {
		r1 := min(m, r0+rows)
		col := (*buf)[:(r1-r0)*k]
		im2col(p, x, col, r0, r1)
		// dw[K, F] (+)= col[r0:r1, K]ᵀ · dy[r0:r1, F]
		Sgemm(true, false, k, p.F, r1-r0, 1, col, k, dy[r0*p.F:], p.F, beta, dw, p.F)
		beta = 1
	}
}

// betaFor returns the Sgemm beta that overwrites (0) or accumulates (1).
func betaFor(accumulate bool) float32 {
	if accumulate {
		return 1
	}
	return 0
}
