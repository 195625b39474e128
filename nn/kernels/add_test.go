package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAddTo checks addTo against the loop on lengths around its 8-, 16-, 32- and 64-value steps, unaligned, with a
// guard after dst, on every instruction set this CPU has.
func TestAddTo(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, isa := range Available() {
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 75, 79, 320, 1001} {
			t.Run(fmt.Sprintf("%v/%d", isa, n), func(t *testing.T) {
				defer Force(isa)()
				src := randSlice(r, n+1)[1:]
				dst := randSlice(r, n+5)[1:]
				want := append([]float32(nil), dst...)
				for i, v := range src {
					want[i] += v
				}
				addTo(dst[:n], src)
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("dst[%d] = %v, want %v", i, dst[i], want[i])
					}
				}
			})
		}
	}
}
