package kernels

import "runtime"

// packedB is op(B) packed once, block by block, in the layout the blocked
// GEMM reads, so that several products with the same right-hand matrix
// (the filter of a convolution, applied tile after tile of im2col rows)
// share one packing. Release it with release.
type packedB struct {
	kern *microKernel
	k, n int // op(B) is k×n
	data *[]float32
}

// newPackedB packs the k×n matrix op(B) (B stored n×k when transB) for the
// micro-kernel kern: block (jc, pc) of nc columns and kc rows is stored as
// packB leaves it, after all the blocks before it in (jc, pc) order.
func newPackedB(kern *microKernel, transB bool, k, n int, b []float32, ldb int) *packedB {
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("B", br, bc, b, ldb)
	pb := &packedB{kern: kern, k: k, n: n, data: getScratch(k * ceilDiv(n, kern.nr) * kern.nr)}
	g := gemmArgs{transB: transB, k: k, b: b, ldb: ldb}
	kcb, nr := kern.depth(k), kern.nr
	panels := 0 // panels of nr columns and one block's rows, in (jc, pc) order
	if k > 0 {
		panels = ceilDiv(n, nr) * ceilDiv(k, kcb)
	}
	workers := 1
	if k*n >= parallelMin {
		workers = min(runtime.GOMAXPROCS(0), panels)
	}
	// Each goroutine packs its range [t0, t1) of the panels, block by block: the convolutions pack their filter
	// before their goroutines start, so packing it on one would leave the others waiting.
	forParts(0, panels, workers, func(_, t0, t1 int) {
		t := 0 // panels of the blocks before this one
		for jc := 0; jc < n; jc += kern.nc {
			width := ceilDiv(min(kern.nc, n-jc), nr)
			for pc := 0; pc < k; pc += kcb {
				if q0, q1 := max(t0-t, 0), min(t1-t, width); q0 < q1 {
					j := jc + q0*nr
					g.packB(pb.block(j, pc), kern, pc, min(kcb, k-pc), j, min((q1-q0)*nr, n-j))
				}
				t += width
			}
		}
	})
	return pb
}

// block returns the packed panels for rows pc ≤ p < pc+kc and columns from
// j on: pc is a multiple of kern.depth(k), j a multiple of kern.nr, and the
// panels run to the end of j's block of nc columns.
func (pb *packedB) block(j, pc int) []float32 {
	jc := j - j%pb.kern.nc // the block that holds column j
	width := ceilDiv(min(pb.kern.nc, pb.n-jc), pb.kern.nr) * pb.kern.nr
	kc := min(pb.kern.depth(pb.k), pb.k-pc)
	off := jc*pb.k + pc*width // full column blocks before jc hold k·nc values each
	return (*pb.data)[off+(j-jc)*kc : off+kc*width]
}

// release returns the packed data to the scratch pool.
func (pb *packedB) release() { putScratch(pb.data) }

// gemmPacked computes C = op(A)·B + beta·C for the m×k matrix op(A) and a
// prepacked k×n matrix B, splitting C over goroutines as strat says.
func gemmPacked(strat strategy, transA bool, m int, a []float32, lda int, pb *packedB,
	beta float32, c []float32, ldc int) {
	ar, ac := m, pb.k
	if transA {
		ar, ac = pb.k, m
	}
	checkMatrix("A", ar, ac, a, lda)
	checkMatrix("C", m, pb.n, c, ldc)
	if m == 0 || pb.n == 0 {
		return
	}
	if pb.k == 0 {
		scaleC(c, ldc, 0, m, 0, pb.n, beta)
		return
	}
	g := gemmArgs{transA: transA, k: pb.k, alpha: 1, a: a, lda: lda, beta: beta, c: c, ldc: ldc, pb: pb}
	g.run(pb.kern, strat, m, pb.n)
}

// filterOperand is the right-hand operand B of the GEMMs of a convolution
// (the filter, or its transpose): packed once when several products share
// it, otherwise left as it is for Sgemm to pack block by block (packing all
// of a large filter for one product would only add a pass over memory).
type filterOperand struct {
	pb     *packedB // nil when not prepacked
	transB bool
	k, n   int // op(B) is k×n
	b      []float32
	ldb    int
}

// newFilterOperand returns op(B) for products C = A·op(B), prepacked for the
// active kernel when shared.
func newFilterOperand(shared, transB bool, k, n int, b []float32, ldb int) filterOperand {
	f := filterOperand{transB: transB, k: k, n: n, b: b, ldb: ldb}
	if shared {
		f.pb = newPackedB(activeKernel, transB, k, n, b, ldb)
	}
	return f
}

// mulSkipping is mul with beta 0 that leaves the tiles of C for which skip is true as they are (see
// gemmArgs.skip).
func (f filterOperand) mulSkipping(strat strategy, m int, a []float32, lda int, c []float32, ldc int,
	skip func(i, h, j, w int) bool) {
	checkMatrix("A", m, f.k, a, lda)
	checkMatrix("C", m, f.n, c, ldc)
	if m == 0 || f.n == 0 {
		return
	}
	if f.k == 0 {
		scaleC(c, ldc, 0, m, 0, f.n, 0)
		return
	}
	g := gemmArgs{k: f.k, alpha: 1, a: a, lda: lda, c: c, ldc: ldc, skip: skip}
	kern := activeKernel
	if f.pb != nil {
		g.pb, kern = f.pb, f.pb.kern
	} else {
		if f.transB {
			checkMatrix("B", f.n, f.k, f.b, f.ldb)
		} else {
			checkMatrix("B", f.k, f.n, f.b, f.ldb)
		}
		g.transB, g.b, g.ldb = f.transB, f.b, f.ldb
	}
	g.run(kern, strat, m, f.n)
}

// mul computes C = A·op(B) + beta·C for the m×k matrix A.
func (f filterOperand) mul(strat strategy, m int, a []float32, lda int, beta float32, c []float32, ldc int) {
	if f.pb != nil {
		gemmPacked(strat, false, m, a, lda, f.pb, beta, c, ldc)
		return
	}
	sgemm(activeKernel, strat, false, f.transB, m, f.n, f.k, 1, a, lda, f.b, f.ldb, beta, c, ldc)
}

// release returns the packed data, if any, to the scratch pool.
func (f filterOperand) release() {
	if f.pb != nil {
		f.pb.release()
	}
}
