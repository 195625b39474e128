package kernels

import (
	"fmt"
	"runtime"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C where op(A) is m×k and op(B)
// is k×n, row-major with leading dimensions lda, ldb, ldc (as in BLAS, but
// row-major). transA means A is stored k×m; transB means B is n×k.
// beta == 0 means C is overwritten (NaNs in C are not propagated).
//
// Sgemm panics if a dimension is negative, a leading dimension is smaller
// than the stored row width, or a slice is too short for its shape.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
	beta float32, c []float32, ldc int) {
	sgemm(activeKernel, autoStrategy, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// strategy says how sgemm runs: autoStrategy picks by size; the others force
// one code path so that tests can reach each of them on small inputs.
type strategy int

const (
	autoStrategy      strategy = iota
	directStrategy             // plain loops, no packing
	serialStrategy             // packed and blocked, one goroutine
	oneThreadStrategy          // like autoStrategy, but on the calling goroutine only
	parallelStrategy           // packed and blocked, C split over 3 goroutines
)

// sgemm is Sgemm with the micro-kernel and the strategy given explicitly.
func sgemm(kern *microKernel, strat strategy, transA, transB bool, m, n, k int, alpha float32,
	a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: sgemm negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", ar, ac, a, lda)
	checkMatrix("B", br, bc, b, ldb)
	checkMatrix("C", m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(c, ldc, 0, m, 0, n, beta)
		return
	}
	g := gemmArgs{transA: transA, transB: transB, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
		beta: beta, c: c, ldc: ldc}
	g.run(kern, strat, m, n)
}

// run computes C = alpha·op(A)·op(B) + beta·C on the m×n matrix C with
// strategy strat. With a prepacked B (g.pb) or a kernel of bfloat16 pairs
// (whose rounding is in the packing) it never takes the direct path.
func (g *gemmArgs) run(kern *microKernel, strat strategy, m, n int) {
	flops := m * n * g.k
	small := flops <= smallGemmFlops && (strat == autoStrategy || strat == oneThreadStrategy)
	switch {
	case g.pb == nil && g.skip == nil && !kern.pairs && (strat == directStrategy || small):
		g.direct(0, m, 0, n)
	case strat == serialStrategy || strat == directStrategy || strat == oneThreadStrategy ||
		strat == autoStrategy && flops < parallelGemmFlops:
		g.blocked(kern, 0, m, 0, n)
	case strat == parallelStrategy:
		g.parallel(kern, m, n, 3)
	default:
		g.parallel(kern, m, n, runtime.GOMAXPROCS(0))
	}
}

// smallGemmFlops is the m·n·k below which Sgemm skips packing and threads and
// runs a plain loop: packing costs more than it saves on tiny products.
const smallGemmFlops = 32 * 1024

// parallelGemmFlops is the m·n·k below which Sgemm runs on one goroutine.
const parallelGemmFlops = 1 << 20

// checkMatrix panics unless s can hold a rows×cols row-major matrix with
// leading dimension ld.
func checkMatrix(name string, rows, cols int, s []float32, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("kernels: sgemm ld%s=%d, want ≥ %d (the row width of the stored %d×%d %s)",
			lowerName(name), ld, max(cols, 1), rows, cols, name))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("kernels: sgemm %s has %d values, want ≥ (rows-1)·ld+cols = (%d-1)·%d+%d = %d",
			name, len(s), rows, ld, cols, need))
	}
}

func lowerName(name string) string { return string(name[0] + 'a' - 'A') }

// scaleC computes C = beta·C on C[i0:i1, j0:j1]; beta == 0 stores zeros.
func scaleC(c []float32, ldc, i0, i1, j0, j1 int, beta float32) {
	if beta == 1 {
		return
	}
	for i := i0; i < i1; i++ {
		row := c[i*ldc+j0 : i*ldc+j1]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemmArgs holds the operands of C = alpha·op(A)·op(B) + beta·C, shared by
// all workers (each writes a disjoint block of C).
type gemmArgs struct {
	transA, transB bool
	k              int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
	pb             *packedB // if not nil, op(B) already packed (b and ldb unused)
	// skip, if not nil, names the register tiles of C that the caller will never read: the blocked GEMM leaves
	// the h×w tile at row i, column j as it is when skip(i, h, j, w) is true (the plain-loop path computes
	// everything). Convolutions use it to step over products that would only read padding.
	skip func(i, h, j, w int) bool
}

// direct computes C[i0:i1, j0:j1] = alpha·op(A)·op(B) + beta·C[…] with
// plain loops.
func (g *gemmArgs) direct(i0, i1, j0, j1 int) {
	scaleC(g.c, g.ldc, i0, i1, j0, j1, g.beta)
	for i := i0; i < i1; i++ {
		crow := g.c[i*g.ldc+j0 : i*g.ldc+j1]
		for p := range g.k {
			aip := g.alpha * g.atA(i, p)
			if aip == 0 {
				continue
			}
			if g.transB {
				for j := range crow {
					crow[j] += aip * g.b[(j0+j)*g.ldb+p]
				}
				continue
			}
			brow := g.b[p*g.ldb+j0 : p*g.ldb+j1]
			for j, bv := range brow {
				crow[j] += aip * bv
			}
		}
	}
}

// atA returns op(A)[i, p].
func (g *gemmArgs) atA(i, p int) float32 {
	if g.transA {
		return g.a[p*g.lda+i]
	}
	return g.a[i*g.lda+p]
}

// parallel splits C into one block of rows (or columns, when C is wide) for
// each of up to workers goroutines and runs the blocked algorithm on each.
// It takes g by value so that only its own copy, not the caller's, moves
// to the heap for the goroutines.
func (g gemmArgs) parallel(kern *microKernel, m, n, workers int) {
	splitRows := m >= n
	units, unit := ceilDiv(n, kern.nr), kern.nr
	if splitRows {
		units, unit = ceilDiv(m, kern.mr), kern.mr
	}
	workers = min(workers, units)
	if workers <= 1 {
		g.blocked(kern, 0, m, 0, n)
		return
	}
	forParts(0, units, workers, func(_, u0, u1 int) {
		lo, hi := u0*unit, u1*unit
		if splitRows {
			g.blocked(kern, lo, min(hi, m), 0, n)
		} else {
			g.blocked(kern, 0, m, lo, min(hi, n))
		}
	})
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
