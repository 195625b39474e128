package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackRows checks each kernel's fast packing of full A panels against
// the formula, with kc around the 16-column blocks of the assembly and a
// guard after the panel.
func TestPackRows(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, path := range pathNames() {
		kern := kernelByName(path)
		if kern.packRows == nil {
			continue
		}
		for _, kc := range []int{1, 5, 15, 16, 17, 33, 64, 401} {
			for _, alpha := range []float32{1, -0.5} {
				t.Run(fmt.Sprintf("%s/kc=%d/alpha=%v", path, kc, alpha), func(t *testing.T) {
					lda := kc + 3
					a := randSlice(r, 1+kern.mr*lda)[1:] // unaligned
					dst := randSlice(r, kern.mr*kc+17)
					guard := append([]float32(nil), dst[kern.mr*kc:]...)
					kern.packRows(dst[:kern.mr*kc], a, lda, kc, alpha)
					for p := range kc {
						for i := range kern.mr {
							if got, want := dst[p*kern.mr+i], alpha*a[i*lda+p]; got != want {
								t.Fatalf("dst[%d*%d+%d] = %v, want %v", p, kern.mr, i, got, want)
							}
						}
					}
					for i, g := range guard {
						if math.Float32bits(dst[kern.mr*kc+i]) != math.Float32bits(g) {
							t.Fatalf("guard %d after the panel changed", i)
						}
					}
				})
			}
		}
	}
}

// BenchmarkPackA measures packing a 14-row (or mr-row) block of A with
// 400 columns, the Go loop against the kernel's packRows.
func BenchmarkPackA(b *testing.B) {
	for _, path := range pathNames() {
		kern := kernelByName(path)
		kc, lda := 400, 1600
		r := rand.New(rand.NewPCG(4, 4))
		a, dst := randSlice(r, kern.mr*lda), make([]float32, kern.mr*kc)
		g := gemmArgs{a: a, lda: lda, alpha: 1}
		goKern := *kern
		goKern.packRows = nil
		for _, v := range []struct {
			name string
			kern *microKernel
		}{{"go", &goKern}, {"fast", kern}} {
			if v.name == "fast" && kern.packRows == nil {
				continue
			}
			b.Run(path+"/"+v.name, func(b *testing.B) {
				for b.Loop() {
					g.packA(dst, v.kern, 0, kern.mr, 0, kc)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(kern.mr*kc), "ns/value")
			})
		}
	}
}

// TestPackCols checks each kernel's fast packing of transposed-A panels
// against the formula, with a guard after the panels.
func TestPackCols(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, path := range pathNames() {
		kern := kernelByName(path)
		if kern.packCols == nil {
			continue
		}
		for _, sz := range []struct{ kc, panels int }{{1, 1}, {7, 3}, {33, 1}, {64, 5}} {
			t.Run(fmt.Sprintf("%s/kc=%d/panels=%d", path, sz.kc, sz.panels), func(t *testing.T) {
				mr, alpha := kern.mr, float32(-1.5)
				lda := sz.panels*mr + 2 // the last row ends 2 values short of 16-float alignment
				a := randSlice(r, 1+(sz.kc-1)*lda+sz.panels*mr)[1:]
				n := sz.panels * sz.kc * mr
				dst := randSlice(r, n+17)
				guard := append([]float32(nil), dst[n:]...)
				kern.packCols(dst[:n], a, lda, sz.kc, sz.panels, alpha)
				for q := range sz.panels {
					for p := range sz.kc {
						for i := range mr {
							if got, want := dst[q*sz.kc*mr+p*mr+i], alpha*a[p*lda+q*mr+i]; got != want {
								t.Fatalf("panel %d (%d, %d) = %v, want %v", q, p, i, got, want)
							}
						}
					}
				}
				for i, g := range guard {
					if math.Float32bits(dst[n+i]) != math.Float32bits(g) {
						t.Fatalf("guard %d after the panels changed", i)
					}
				}
			})
		}
	}
}

// TestPackBT checks each kernel's fast packing of full transposed-B panels
// against the formula, with kc around the 16-row blocks of the assembly and
// a guard after the panel.
func TestPackBT(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, path := range pathNames() {
		kern := kernelByName(path)
		if kern.packBT == nil {
			continue
		}
		for _, kc := range []int{1, 15, 16, 17, 48, 101} {
			t.Run(fmt.Sprintf("%s/kc=%d", path, kc), func(t *testing.T) {
				nr, ldb := kern.nr, kc+5
				b := randSlice(r, 3+nr*ldb)[3:] // unaligned
				n := nr * kc
				dst := randSlice(r, n+17)
				guard := append([]float32(nil), dst[n:]...)
				kern.packBT(dst[:n], b, ldb, kc)
				for p := range kc {
					for j := range nr {
						if got, want := dst[p*nr+j], b[j*ldb+p]; got != want {
							t.Fatalf("dst[%d*%d+%d] = %v, want %v", p, nr, j, got, want)
						}
					}
				}
				for i, g := range guard {
					if math.Float32bits(dst[n+i]) != math.Float32bits(g) {
						t.Fatalf("guard %d after the panel changed", i)
					}
				}
			})
		}
	}
}

// TestPackBRows checks each kernel's fast packing of a non-transposed B
// against the formula: widths around the 16-column halves and the 32-column
// panels, the columns past nc zero, a guard after the panels.
func TestPackBRows(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, path := range pathNames() {
		kern := kernelByName(path)
		if kern.packBRows == nil {
			continue
		}
		for _, kc := range []int{1, 2, 7, 64} {
			for _, nc := range []int{1, 15, 16, 17, 31, 32, 33, 48, 64, 95, 100} {
				t.Run(fmt.Sprintf("%s/kc=%d/nc=%d", path, kc, nc), func(t *testing.T) {
					nr, ldb := kern.nr, nc+3
					b := randSlice(r, 1+(kc-1)*ldb+nc)[1:] // unaligned, ending at the last value read
					n := ceilDiv(nc, nr) * kc * nr
					dst := randSlice(r, n+17)
					guard := append([]float32(nil), dst[n:]...)
					kern.packBRows(dst[:n], b, ldb, kc, nc)
					for q := range ceilDiv(nc, nr) {
						for p := range kc {
							for j := range nr {
								want := float32(0)
								if q*nr+j < nc {
									want = b[p*ldb+q*nr+j]
								}
								if got := dst[q*kc*nr+p*nr+j]; math.Float32bits(got) != math.Float32bits(want) {
									t.Fatalf("panel %d, dst[%d*%d+%d] = %v, want %v", q, p, nr, j, got, want)
								}
							}
						}
					}
					for i, g := range guard {
						if math.Float32bits(dst[n+i]) != math.Float32bits(g) {
							t.Fatalf("guard %d after the panels changed", i)
						}
					}
				})
			}
		}
	}
}
