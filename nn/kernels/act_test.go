package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The activation passes against per-element loops, bit for bit, on every
// instruction set and on sizes on both sides of parallelMin (one part, two
// halves), in place and not.

// actSizes take one part and two halves (odd and prime).
var actSizes = []int{0, 1, 7, 131, parallelMin + 1, 2*parallelMin + 37}

// refAct is act(x) for one value.
func refAct(act Act, x float32) float32 {
	switch act.Kind {
	case ActLeaky:
		return x * leakyFactor(x, act.Alpha)
	case ActTanh:
		return Tanh32(x)
	case ActELU:
		return ELU32(x)
	}
	return x
}

// refActDeriv is act′ where the output is y.
func refActDeriv(act Act, y float32) float32 {
	switch act.Kind {
	case ActLeaky:
		return leakyDeriv(y, act.Alpha)
	case ActTanh:
		return 1 - y*y
	case ActELU:
		return eluDeriv(y)
	}
	return 1
}

var testActs = []Act{{}, {Kind: ActLeaky}, {Kind: ActLeaky, Alpha: 0.2}, {Kind: ActTanh}, {Kind: ActELU}}

// forEachISA runs fn once per available instruction set.
func forEachISA(t *testing.T, fn func(t *testing.T)) {
	for _, isa := range Available() {
		t.Run(isa.String(), func(t *testing.T) {
			defer Force(isa)()
			fn(t)
		})
	}
}

func TestActivate(t *testing.T) {
	forEachISA(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(51, 52))
		for _, act := range testActs {
			for _, n := range actSizes {
				name := fmt.Sprintf("%+v n=%d", act, n)
				x := randValues(r, n, true)
				want := make([]float32, n)
				for i, v := range x {
					want[i] = refAct(act, v)
				}
				y := make([]float32, n)
				Activate(y, x, act)
				sameBits(t, name, y, want)
				Activate(x, x, act)
				sameBits(t, name+" in place", x, want)

				y = randValues(r, n, false) // an activation's output has no NaN
				for i := range y {
					y[i] = refAct(act, y[i])
				}
				dy, dx := randValues(r, n, false), randValues(r, n, false)
				wantAdd, wantSet := slices.Clone(dx), make([]float32, n)
				for i, v := range y {
					d := refActDeriv(act, v)
					wantAdd[i] += float32(dy[i] * d)
					wantSet[i] = dy[i] * d
				}
				ActivationGrad(dx, dy, y, act, true)
				sameBits(t, name+" gradient added", dx, wantAdd)
				ActivationGrad(dy, dy, y, act, false)
				sameBits(t, name+" gradient in place", dy, wantSet)
			}
		}
	})
}

func TestBiasAct(t *testing.T) {
	forEachISA(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(53, 54))
		for _, act := range testActs {
			for _, c := range []int{1, 3, 17, 64} {
				for _, rows := range []int{0, 1, 5, parallelMin/c + 3} {
					name := fmt.Sprintf("%+v c=%d rows=%d", act, c, rows)
					y0, b := randValues(r, rows*c, false), randValues(r, c, false)
					want := make([]float32, len(y0))
					for i, v := range y0 {
						want[i] = refAct(act, v+b[i%c])
					}
					y := slices.Clone(y0)
					BiasAct(y, b, act)
					sameBits(t, name, y, want)
					db := randValues(r, c, false)
					wdb := slices.Clone(db)
					for i, v := range y0 {
						wdb[i%c] += v
					}
					BiasGrad(db, y0)
					sameBits(t, name+" bias gradient", db, wdb)
				}
			}
		}
	})
}
