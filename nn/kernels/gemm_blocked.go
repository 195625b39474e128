package kernels

// microKernel is one implementation of the GEMM inner loop together with the
// cache-blocking sizes that suit it.
type microKernel struct {
	name   string
	mr, nr int // register tile: kern updates an mr×nr block of C
	mc     int // rows of packed A per block (multiple of mr; sized for L2)
	kc     int // largest depth of one packed panel (see depth)
	nc     int // columns of packed B per block (multiple of nr; sized for L3)
	// kern computes, for i < mr and j < nr,
	//	c[i*ldc+j] = Σ_{p<k} a[p*mr+i] · b[p*nr+j]  (+ c[i*ldc+j] if add)
	// where a and b are packed panels (see packA and packB).
	kern func(k int, a, b, c []float32, ldc int, add bool)
	// packRows, if not nil, packs a full panel of mr rows of A faster than
	// the Go loop in packA: for p < kc and i < mr,
	//	dst[p*mr+i] = alpha · a[i*lda+p]
	packRows func(dst, a []float32, lda, kc int, alpha float32)
	// packRowsPairs, if not nil, is packRows followed by toBF16Pairs in one
	// pass, for a kernel of pairs.
	packRowsPairs func(dst, a []float32, lda, kc int, alpha float32)
	// packCols, if not nil, packs full panels of a transposed A (stored
	// k×m) faster than the Go loop in packA: for q < panels, p < kc, i < mr,
	//	dst[q*kc*mr+p*mr+i] = alpha · a[p*lda+q*mr+i]
	packCols func(dst, a []float32, lda, kc, panels int, alpha float32)
	// packColsPairs, if not nil, is packCols followed by toBF16Pairs in one
	// pass, for a kernel of pairs.
	packColsPairs func(dst, a []float32, lda, kc, panels int, alpha float32)
	// packBPairs, if not nil, packs a non-transposed B as packB does for a
	// kernel of pairs, in one pass: rows p < kc and columns j < nc of b (row
	// p at b[p*ldb:]) into panels of nr columns of pairs.
	packBPairs func(dst, b []float32, ldb, kc, nc int)
	// packBT, if not nil, packs a full panel of nr columns of a transposed
	// B (stored n×k) faster than the Go loop in packB: for p < kc, j < nr,
	//	dst[p*nr+j] = b[j*ldb+p]
	packBT func(dst, b []float32, ldb, kc int)
	// packBRows, if not nil, packs a non-transposed B as packB does in fp32,
	// faster than the Go loop there: rows p < kc and columns j < nc of b
	// (row p at b[p*ldb:]) into panels of nr columns, zeros past nc.
	packBRows func(dst, b []float32, ldb, kc, nc int)
	// pairs says that kern reads panels of bfloat16 pairs (see bf16.go):
	// packA and packB round their fp32 panels to pairs in place, and kern's
	// k is still the depth in values.
	pairs bool
}

// blocked computes C[i0:i1, j0:j1] = alpha·op(A)·op(B) + beta·C[…] with the
// packed, cache-blocked algorithm of Goto and van de Geijn: B is packed in
// kc×nc blocks, A in mc×kc blocks, and the micro-kernel runs over their
// panels. With beta == 0 the first kc block overwrites C (no pass to clear
// it); j0 is a multiple of nr.
func (g *gemmArgs) blocked(kern *microKernel, i0, i1, j0, j1 int) {
	if g.beta != 0 {
		scaleC(g.c, g.ldc, i0, i1, j0, j1, g.beta)
	}
	mr, nr := kern.mr, kern.nr
	kcb := kern.depth(g.k)
	mcb := ceilDiv(ceilDiv(i1-i0, ceilDiv(i1-i0, kern.mc)), mr) * mr // balanced row blocks
	ncMax := min(kern.nc, ceilDiv(j1-j0, nr)*nr)
	abuf := getScratch(mcb * kcb)
	defer putScratch(abuf)
	var bbuf *[]float32
	if g.pb == nil {
		bbuf = getScratch(ncMax * kcb)
		defer putScratch(bbuf)
	} else if g.pb.kern != kern || j0%kern.nr != 0 || j1 > g.pb.n || g.k != g.pb.k {
		panic("kernels: prepacked B does not match the product")
	}
	edgeBuf := getScratch(maxTile) // from the pool: a local array would escape (kern.kern is a func value)
	defer putScratch(edgeBuf)
	edge := *edgeBuf
	for jc := j0; jc < j1; {
		nc := min(kern.nc-jc%kern.nc, j1-jc) // blocks end at multiples of nc, as in a prepacked B
		for pc := 0; pc < g.k; pc += kcb {
			kc := min(kcb, g.k-pc)
			var bp []float32
			if g.pb != nil {
				bp = g.pb.block(jc, pc)
			} else {
				g.packB(*bbuf, kern, pc, kc, jc, nc)
				bp = *bbuf
			}
			for ic := i0; ic < i1; ic += mcb {
				mc := min(mcb, i1-ic)
				g.packA(*abuf, kern, ic, mc, pc, kc)
				g.macro(kern, *abuf, bp, ic, mc, jc, nc, kc, g.beta != 0 || pc > 0, edge[:mr*nr])
			}
		}
		jc += nc
	}
}

// depth returns the depth of the packed blocks for a product with inner
// dimension k: at most kc, and equal for all blocks but the last (so that
// k = 1600 gives 4 blocks of 400, not 3 of 512 and one of 64).
func (kern *microKernel) depth(k int) int {
	return ceilDiv(k, max(ceilDiv(k, kern.kc), 1)) // k = 0: depth 0, no blocks
}

// maxTile bounds mr·nr over all micro-kernels (for the edge-tile buffer).
const maxTile = 16 * 64

// macro runs the micro-kernel over the packed mc×kc block of A and kc×nc
// block of B, adding into C[ic:ic+mc, jc:jc+nc] (or storing there when not
// add). Tiles that overhang C are computed into edge and then copied to the
// part of C that exists.
func (g *gemmArgs) macro(kern *microKernel, ap, bp []float32, ic, mc, jc, nc, kc int, add bool, edge []float32) {
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < nc; jr += nr {
		w := min(nr, nc-jr)
		bpan := bp[jr*kc : jr*kc+kc*nr]
		for ir := 0; ir < mc; ir += mr {
			h := min(mr, mc-ir)
			if g.skip != nil && g.skip(ic+ir, h, jc+jr, w) {
				continue
			}
			apan := ap[ir*kc : ir*kc+kc*mr]
			off := (ic+ir)*g.ldc + jc + jr
			if h == mr && w == nr {
				kern.kern(kc, apan, bpan, g.c[off:], g.ldc, add)
				continue
			}
			kern.kern(kc, apan, bpan, edge, nr, false)
			for i := range h {
				crow := g.c[off+i*g.ldc : off+i*g.ldc+w]
				if !add {
					copy(crow, edge[i*nr:])
					continue
				}
				for j := range crow {
					crow[j] += edge[i*nr+j]
				}
			}
		}
	}
}

// packA copies alpha·op(A)[ic:ic+mc, pc:pc+kc] into dst as panels of mr
// rows: element (i, p) of panel q goes to dst[q*kc*mr + p*mr + i]. Rows past
// mc are zero. For a kernel of pairs each panel is then rounded to bfloat16
// pairs in its first half (in the same pass, for the full panels, where the
// kernel has packRowsPairs or packColsPairs).
func (g *gemmArgs) packA(dst []float32, kern *microKernel, ic, mc, pc, kc int) {
	q0, mr := 0, kern.mr // panels packed as pairs already
	switch {
	case kern.packRowsPairs != nil && !g.transA:
		for ; (q0+1)*mr <= mc; q0++ {
			kern.packRowsPairs(dst[q0*kc*mr:(q0+1)*kc*mr], g.a[(ic+q0*mr)*g.lda+pc:], g.lda, kc, g.alpha)
		}
	case kern.packColsPairs != nil && g.transA:
		if q0 = mc / mr; q0 > 0 {
			kern.packColsPairs(dst, g.a[pc*g.lda+ic:], g.lda, kc, q0, g.alpha)
		}
	}
	if q0*mr == mc {
		return
	}
	g.packAValues(dst[q0*kc*mr:], kern, ic+q0*mr, mc-q0*mr, pc, kc)
	if kern.pairs {
		for q := q0; q*mr < mc; q++ {
			toBF16Pairs(dst[q*kc*mr:(q+1)*kc*mr], kc, mr)
		}
	}
}

// packAValues is packA in fp32.
func (g *gemmArgs) packAValues(dst []float32, kern *microKernel, ic, mc, pc, kc int) {
	mr, alpha := kern.mr, g.alpha
	if g.transA { // op(A)[i, p] = a[p*lda+i]: read each row of a once, spread it over the panels
		q0 := 0
		if kern.packCols != nil {
			q0 = mc / mr
			kern.packCols(dst, g.a[pc*g.lda+ic:], g.lda, kc, q0, alpha)
		}
		for p := range kc {
			src := g.a[(pc+p)*g.lda+ic : (pc+p)*g.lda+ic+mc]
			for q := q0; q*mr < mc; q++ {
				d := dst[q*kc*mr+p*mr : q*kc*mr+p*mr+mr]
				s := src[q*mr : min(q*mr+mr, mc)]
				for i, v := range s {
					d[i] = alpha * v
				}
				clear(d[len(s):])
			}
		}
		return
	}
	for q := 0; q*mr < mc; q++ {
		pan := dst[q*kc*mr : (q+1)*kc*mr]
		rows := min(mr, mc-q*mr)
		if rows == mr && kern.packRows != nil {
			kern.packRows(pan, g.a[(ic+q*mr)*g.lda+pc:], g.lda, kc, alpha)
			continue
		}
		for i := range rows {
			src := g.a[(ic+q*mr+i)*g.lda+pc:]
			src = src[:kc]
			for p, v := range src {
				pan[p*mr+i] = alpha * v
			}
		}
		for i := rows; i < mr; i++ {
			for p := range kc {
				pan[p*mr+i] = 0
			}
		}
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as panels of nr columns:
// element (p, j) of panel q goes to dst[q*kc*nr + p*nr + j]. Columns past nc
// are zero. For a kernel of pairs each panel is then rounded to bfloat16
// pairs in its first half (in the same pass where B is not transposed and
// the kernel has packBPairs).
func (g *gemmArgs) packB(dst []float32, kern *microKernel, pc, kc, jc, nc int) {
	if kern.packBPairs != nil && !g.transB {
		kern.packBPairs(dst, g.b[pc*g.ldb+jc:], g.ldb, kc, nc)
		return
	}
	g.packBValues(dst, kern, pc, kc, jc, nc)
	if kern.pairs {
		for q := 0; q*kern.nr < nc; q++ {
			toBF16Pairs(dst[q*kc*kern.nr:(q+1)*kc*kern.nr], kc, kern.nr)
		}
	}
}

// packBValues is packB in fp32.
func (g *gemmArgs) packBValues(dst []float32, kern *microKernel, pc, kc, jc, nc int) {
	nr := kern.nr
	if !g.transB && kern.packBRows != nil {
		kern.packBRows(dst, g.b[pc*g.ldb+jc:], g.ldb, kc, nc)
		return
	}
	if !g.transB { // op(B)[p, j] = b[p*ldb+j]: read each row of b once, in order, and deal it out to the panels
		for p := range kc {
			src := g.b[(pc+p)*g.ldb+jc : (pc+p)*g.ldb+jc+nc]
			for q := 0; q*nr < nc; q++ {
				d := dst[q*kc*nr+p*nr : q*kc*nr+p*nr+nr]
				clear(d[copy(d, src[q*nr:]):])
			}
		}
		return
	}
	for q := 0; q*nr < nc; q++ {
		pan := dst[q*kc*nr : (q+1)*kc*nr]
		cols := min(nr, nc-q*nr)
		if cols == nr && kern.packBT != nil {
			kern.packBT(pan, g.b[(jc+q*nr)*g.ldb+pc:], g.ldb, kc)
			continue
		}
		for j := range cols {
			src := g.b[(jc+q*nr+j)*g.ldb+pc:]
			src = src[:kc]
			for p, v := range src {
				pan[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := range kc {
				pan[p*nr+j] = 0
			}
		}
	}
}
