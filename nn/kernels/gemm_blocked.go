package kernels

// microKernel is one implementation of the GEMM inner loop together with the
// cache-blocking sizes that suit it.
type microKernel struct {
	name   string
	mr, nr int // register tile: kern updates an mr×nr block of C
	mc     int // rows of packed A per block (multiple of mr; sized for L2)
	kc     int // depth of one packed panel (sized so a kc×nr B panel stays in L1)
	nc     int // columns of packed B per block (multiple of nr; sized for L3)
	// kern computes, for i < mr and j < nr,
	//	c[i*ldc+j] += Σ_{p<k} a[p*mr+i] · b[p*nr+j]
	// where a and b are packed panels (see packA and packB).
	kern func(k int, a, b, c []float32, ldc int)
}

// blocked computes C[i0:i1, j0:j1] += alpha·op(A)·op(B) with the packed,
// cache-blocked algorithm of Goto and van de Geijn: B is packed in kc×nc
// blocks, A in mc×kc blocks, and the micro-kernel runs over their panels.
func (g *gemmArgs) blocked(kern *microKernel, i0, i1, j0, j1 int) {
	mr, nr := kern.mr, kern.nr
	kcMax := min(kern.kc, g.k)
	mcMax := min(kern.mc, ceilDiv(i1-i0, mr)*mr)
	ncMax := min(kern.nc, ceilDiv(j1-j0, nr)*nr)
	abuf := getScratch(mcMax * kcMax)
	bbuf := getScratch(ncMax * kcMax)
	defer putScratch(abuf)
	defer putScratch(bbuf)
	var edge [maxTile]float32
	for jc := j0; jc < j1; jc += kern.nc {
		nc := min(kern.nc, j1-jc)
		for pc := 0; pc < g.k; pc += kern.kc {
			kc := min(kern.kc, g.k-pc)
			g.packB(*bbuf, nr, pc, kc, jc, nc)
			for ic := i0; ic < i1; ic += kern.mc {
				mc := min(kern.mc, i1-ic)
				g.packA(*abuf, mr, ic, mc, pc, kc)
				g.macro(kern, *abuf, *bbuf, ic, mc, jc, nc, kc, edge[:mr*nr])
			}
		}
	}
}

// maxTile bounds mr·nr over all micro-kernels (for the edge-tile buffer).
const maxTile = 16 * 64

// macro runs the micro-kernel over the packed mc×kc block of A and kc×nc
// block of B, adding into C[ic:ic+mc, jc:jc+nc]. Tiles that overhang C are
// computed into edge and then added to the part of C that exists.
func (g *gemmArgs) macro(kern *microKernel, ap, bp []float32, ic, mc, jc, nc, kc int, edge []float32) {
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < nc; jr += nr {
		w := min(nr, nc-jr)
		bpan := bp[jr*kc : jr*kc+kc*nr]
		for ir := 0; ir < mc; ir += mr {
			h := min(mr, mc-ir)
			apan := ap[ir*kc : ir*kc+kc*mr]
			off := (ic+ir)*g.ldc + jc + jr
			if h == mr && w == nr {
				kern.kern(kc, apan, bpan, g.c[off:], g.ldc)
				continue
			}
			clear(edge)
			kern.kern(kc, apan, bpan, edge, nr)
			for i := range h {
				crow := g.c[off+i*g.ldc : off+i*g.ldc+w]
				for j := range crow {
					crow[j] += edge[i*nr+j]
				}
			}
		}
	}
}

// packA copies alpha·op(A)[ic:ic+mc, pc:pc+kc] into dst as panels of mr
// rows: element (i, p) of panel q goes to dst[q*kc*mr + p*mr + i]. Rows past
// mc are zero.
func (g *gemmArgs) packA(dst []float32, mr, ic, mc, pc, kc int) {
	alpha := g.alpha
	for q := 0; q*mr < mc; q++ {
		pan := dst[q*kc*mr : (q+1)*kc*mr]
		rows := min(mr, mc-q*mr)
		if g.transA { // op(A)[i, p] = a[p*lda+i]: rows of the panel are contiguous in a
			for p := range kc {
				src := g.a[(pc+p)*g.lda+ic+q*mr:]
				d := pan[p*mr : p*mr+mr]
				for i := range rows {
					d[i] = alpha * src[i]
				}
				clear(d[rows:])
			}
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
// are zero.
func (g *gemmArgs) packB(dst []float32, nr, pc, kc, jc, nc int) {
	for q := 0; q*nr < nc; q++ {
		pan := dst[q*kc*nr : (q+1)*kc*nr]
		cols := min(nr, nc-q*nr)
		if !g.transB { // op(B)[p, j] = b[p*ldb+j]: rows of the panel are contiguous in b
			for p := range kc {
				src := g.b[(pc+p)*g.ldb+jc+q*nr:]
				d := pan[p*nr : p*nr+nr]
				copy(d[:cols], src[:cols])
				clear(d[cols:])
			}
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
