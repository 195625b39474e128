package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSgemmPrepackedB checks the GEMM whose B is packed once and reused (the convolutions' filters) against the
// reference, on every kernel and strategy, with awkward sizes and both transpositions (alpha is 1 on that path).
func TestSgemmPrepackedB(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for _, path := range pathNames() {
		kern := kernelByName(path)
		for _, st := range strategies {
			for si, sz := range gemmSizes {
				for tr := range 4 {
					transA, transB := tr&1 != 0, tr&2 != 0
					for _, beta := range []float32{0, 1, -0.5} {
						name := fmt.Sprintf("%s/%s/%dx%dx%d/tA=%v,tB=%v/b=%v", path, st.name, sz.m, sz.n, sz.k, transA, transB, beta)
						t.Run(name, func(t *testing.T) {
							runGemmCase(t, r, withPackedB(kern, st.strat), transA, transB, sz.m, sz.n, sz.k, 1, beta, (si+tr)%3)
						})
					}
				}
			}
		}
	}
}
