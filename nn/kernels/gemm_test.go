package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// gemmRef is the oracle: the obvious triple loop, in float64. It also
// returns, for each element of C, the magnitude Σ|alpha·A·B| + |beta·C| that
// bounds the rounding error of a float32 computation.
func gemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
	beta float32, c []float32, ldc int) (want, mag []float64) {
	want, mag = make([]float64, len(c)), make([]float64, len(c))
	for i := range c {
		want[i] = float64(c[i])
	}
	for i := range m {
		for j := range n {
			var s, sa float64
			for p := range k {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
				sa += math.Abs(float64(av) * float64(bv))
			}
			old := float64(c[i*ldc+j])
			want[i*ldc+j] = float64(alpha) * s
			mag[i*ldc+j] = math.Abs(float64(alpha)) * sa
			if beta != 0 {
				want[i*ldc+j] += float64(beta) * old
				mag[i*ldc+j] += math.Abs(float64(beta) * old)
			}
		}
	}
	return want, mag
}

// randSlice returns n values uniform in [-1, 1).
func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

// checkClose compares got with want element by element: within the float32
// rounding bound tol·mag where mag > 0 (the computed window) and bit for bit
// elsewhere (guard values that must not be touched).
func checkClose(t *testing.T, what string, got []float32, want, mag []float64, terms int, guard []float32) {
	t.Helper()
	tol := float64(terms+4) * 1.2e-7
	bad := 0
	for i, g := range got {
		inside := guard == nil || mag[i] != 0 || float64(guard[i]) != want[i]
		if guard != nil && !inside {
			if math.Float32bits(g) != math.Float32bits(guard[i]) {
				t.Errorf("%s: guard value %d changed from %v to %v", what, i, guard[i], g)
				bad++
			}
		} else if d := math.Abs(float64(g) - want[i]); !(d <= tol*mag[i]+1e-30) {
			t.Errorf("%s: element %d = %v, want %v (diff %.3g, allowed %.3g)", what, i, g, want[i], d, tol*mag[i])
			bad++
		}
		if bad > 5 {
			t.Fatalf("%s: too many errors", what)
		}
	}
}

var gemmSizes = []struct{ m, n, k int }{
	{1, 1, 1}, {1, 7, 13}, {17, 1, 5}, {2, 3, 1}, {31, 37, 41}, {64, 65, 63}, {129, 3, 257},
	{13, 97, 19}, {5, 33, 300}, {3, 4, 0}, // k = 0: C = beta·C
}

var gemmScalars = []struct{ alpha, beta float32 }{{1, 0}, {0.5, -1.5}, {-2, 1}, {1.25, 0}, {0, 0.75}, {1, -0.5}}

var strategies = []struct {
	name  string
	strat strategy
}{{"auto", autoStrategy}, {"direct", directStrategy}, {"serial", serialStrategy}, {"parallel", parallelStrategy}}

// gemmFunc has the signature of Sgemm.
type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
	beta float32, c []float32, ldc int)

// withKernel returns sgemm with the kernel and strategy fixed.
func withKernel(kern *microKernel, strat strategy) gemmFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
		beta float32, c []float32, ldc int) {
		sgemm(kern, strat, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// withPackedB returns a GEMM that packs B first (newPackedB) and then runs
// gemmPacked with the given strategy; alpha must be 1.
func withPackedB(kern *microKernel, strat strategy) gemmFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int,
		beta float32, c []float32, ldc int) {
		if alpha != 1 {
			panic("withPackedB: alpha must be 1")
		}
		pb := newPackedB(kern, transB, k, n, b, ldb)
		defer pb.release()
		gemmPacked(strat, transA, m, a, lda, pb, beta, c, ldc)
	}
}

// runGemmCase runs one GEMM case and compares it with gemmRef. Operands are
// unaligned sub-slices with leading dimensions wider than the rows, and C
// is surrounded by guard values.
func runGemmCase(t *testing.T, r *rand.Rand, gemm gemmFunc, transA, transB bool,
	m, n, k int, alpha, beta float32, pad int) {
	t.Helper()
	ar, br, lda, ldb, ldc := operandShapes(transA, transB, m, n, k, pad)
	off := 1 + r.IntN(3) // unaligned start
	a := randSlice(r, off+ar*lda)[off:]
	b := randSlice(r, off+br*ldb)[off:]
	cbuf := randSlice(r, 2*off+m*ldc+off)
	if beta == 0 { // beta == 0 must overwrite, even NaNs
		for i := range m {
			for j := range n {
				cbuf[off+i*ldc+j] = float32(math.NaN())
			}
		}
	}
	guard := append([]float32(nil), cbuf...)
	want, mag := gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, guard[off:], ldc)
	want = append(make([]float64, off), want...)
	mag = append(make([]float64, off), mag...)
	for i := len(want); i < len(cbuf); i++ {
		want, mag = append(want, float64(cbuf[i])), append(mag, 0)
	}
	for i := range off {
		want[i] = float64(cbuf[i])
	}
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cbuf[off:off+(m-1)*ldc+n], ldc)
	markWindow(mag, off, m, n, ldc)
	checkClose(t, "C", cbuf, want, mag, k, guard)
}

// operandShapes returns the stored rows of A and B and leading dimensions wider than their rows by pad-dependent
// amounts, for op(A) m×k and op(B) k×n.
func operandShapes(transA, transB bool, m, n, k, pad int) (ar, br, lda, ldb, ldc int) {
	ar, ac, br, bc := m, k, k, n
	if transA {
		ar, ac = k, m
	}
	if transB {
		br, bc = n, k
	}
	return ar, br, max(ac, 1) + pad, max(bc, 1) + 2*pad, n + pad + 1
}

// markWindow makes sure every element of the m×n window counts as computed
// (mag > 0) even where the exact result is 0.
func markWindow(mag []float64, off, m, n, ldc int) {
	for i := range m {
		for j := range n {
			mag[off+i*ldc+j] += 1e-30
		}
	}
}

func TestSgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, path := range pathNames() {
		kern := kernelByName(path)
		for _, st := range strategies {
			for si, sz := range gemmSizes {
				for tr := range 4 {
					transA, transB := tr&1 != 0, tr&2 != 0
					for ai, sc := range gemmScalars {
						name := fmt.Sprintf("%s/%s/%dx%dx%d/tA=%v,tB=%v/a=%v,b=%v", path, st.name, sz.m, sz.n, sz.k,
							transA, transB, sc.alpha, sc.beta)
						t.Run(name, func(t *testing.T) {
							runGemmCase(t, r, withKernel(kern, st.strat), transA, transB, sz.m, sz.n, sz.k, sc.alpha, sc.beta,
								(si+ai+tr)%3)
						})
						if sc.alpha == 1 { // the path with B packed once, as the convolutions' filters (alpha 1 only)
							t.Run(name+"/prepackedB", func(t *testing.T) {
								runGemmCase(t, r, withPackedB(kern, st.strat), transA, transB, sz.m, sz.n, sz.k, 1, sc.beta,
									(si+ai+tr)%3)
							})
						}
					}
				}
			}
		}
	}
}

// tinyBlocks returns kern with cache blocks of a few registers tiles, so
// that small products run every blocking loop several times.
func tinyBlocks(kern *microKernel) *microKernel {
	k := *kern
	k.mc, k.kc, k.nc = 2*k.mr, 5, 2*k.nr
	return &k
}

// TestSgemmBlocks covers products larger than one cache block in every
// dimension, so that the jc, pc and ic loops each run more than once: with
// tiny blocks on every path, and with the real blocks on the default one.
func TestSgemmBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, path := range pathNames() {
		kern := tinyBlocks(kernelByName(path))
		m, n, k := 2*kern.mc+kern.mr+3, 2*kern.nc+kern.nr+5, 3*kern.kc+2
		for _, st := range strategies[2:] {
			for tr := range 4 {
				transA, transB := tr&1 != 0, tr&2 != 0
				t.Run(fmt.Sprintf("%s/%s/%dx%dx%d/tA=%v,tB=%v", path, st.name, m, n, k, transA, transB), func(t *testing.T) {
					runGemmCase(t, r, withKernel(kern, st.strat), transA, transB, m, n, k, 0.75, 0.5, tr)
					runGemmCase(t, r, withKernel(kern, st.strat), transA, transB, m, n, k, -1, 0, tr)
				})
			}
		}
	}
	kern := activeKernel
	m, n, k := kern.mc+kern.mr+3, kern.nc+kern.nr+5, kern.kc+7
	t.Run(fmt.Sprintf("%s/real/%dx%dx%d", kern.name, m, n, k), func(t *testing.T) {
		runGemmCase(t, r, withKernel(kern, autoStrategy), false, true, m, n, k, 0.75, 0.5, 1)
	})
}

// TestSgemmActive checks the exported entry point with the default kernel.
func TestSgemmActive(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, n, k := 70, 90, 110
	a, b, c := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
	want, mag := gemmRef(false, false, m, n, k, 1, a, k, b, n, 1, c, n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 1, c, n)
	checkClose(t, "C", c, want, mag, k, nil)
}

func TestSgemmPanics(t *testing.T) {
	tests := []struct {
		name, want string
		run        func()
	}{
		{"short A", "A has 5 values", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 5), 3, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}},
		{"small ldb", "ldb=1, want ≥ 2", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 3, make([]float32, 6), 1, 0, make([]float32, 4), 2)
		}},
		{"short C", "C has 3 values", func() {
			Sgemm(false, true, 2, 2, 3, 1, make([]float32, 6), 3, make([]float32, 6), 3, 0, make([]float32, 3), 2)
		}},
		{"negative", "negative dimension", func() {
			Sgemm(false, false, -1, 2, 3, 1, nil, 3, nil, 2, 0, nil, 2)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tt.want) {
					t.Errorf("panic %q, want it to contain %q", msg, tt.want)
				}
			}()
			tt.run()
		})
	}
}

// kernelByName returns the micro-kernel with the given name.
func kernelByName(name string) *microKernel {
	for _, k := range kernelPaths() {
		if k.name == name {
			return k
		}
	}
	panic("no kernel " + name)
}

// newPackedB splits the panels of a large operand over goroutines: the packed data has the same bits as packing
// on one, for every kernel (bf16 pairs too), both layouts of B, real and tiny blocks (panel ranges that start and
// end inside a block), and sizes whose last panel and last block are partial.
func TestNewPackedBParallelMatchesSerial(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	kerns := map[string]*microKernel{}
	for _, path := range pathNames() {
		kerns[path] = kernelByName(path)
		kerns[path+"-tiny"] = tinyBlocks(kernelByName(path))
	}
	if bf16Kernel != nil {
		kerns["bf16"], kerns["bf16-tiny"] = bf16Kernel, tinyBlocks(bf16Kernel)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for name, kern := range kerns {
		for _, size := range []struct{ k, n int }{{301, 233}, {1600, 64}, {75, 1000}, {17, 4099}} {
			if size.k*size.n < parallelMin {
				t.Fatalf("%v: below parallelMin, so it would not split", size)
			}
			for _, transB := range []bool{false, true} {
				ldb := size.n + 3
				if transB {
					ldb = size.k + 3
				}
				b := randSlice(r, max(size.k, size.n)*ldb)
				runtime.GOMAXPROCS(1)
				one := newPackedB(kern, transB, size.k, size.n, b, ldb)
				want := packedRead(one)
				for i := range *one.data { // a panel left unpacked below must not find these values again
					(*one.data)[i] = float32(math.NaN())
				}
				one.release()
				runtime.GOMAXPROCS(3)
				many := newPackedB(kern, transB, size.k, size.n, b, ldb)
				got := packedRead(many)
				many.release()
				if len(got) != len(want) {
					t.Fatalf("%s k %d n %d transB %v: %d values, want %d", name, size.k, size.n, transB, len(got), len(want))
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s k %d n %d transB %v: value %d = %v, one goroutine %v", name, size.k, size.n,
							transB, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// packedRead returns the values of a packed B that the micro-kernel reads, block by block and panel by panel: all
// of each panel, or for a kernel of pairs its first half (the pairs; the rest is left undefined).
func packedRead(pb *packedB) []float32 {
	kern, kcb := pb.kern, pb.kern.depth(pb.k)
	var out []float32
	for j := 0; j < pb.n; j += kern.nr {
		for pc := 0; pc < pb.k; pc += kcb {
			kc := min(kcb, pb.k-pc)
			used := kc * kern.nr
			if kern.pairs {
				used = (kc + 1) / 2 * kern.nr
			}
			out = append(out, pb.block(j, pc)[:used]...)
		}
	}
	return out
}
