package serve

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestSampleGrid(t *testing.T) {
	for _, c := range []struct {
		seed         uint64
		n, m, dI, dO int
	}{
		{0, 1, 1, 1, 1}, {7, 3, 5, 5, 7}, {1 << 40, 13, 2, 50, 50}, {12345, 4, 4, 2, 3},
	} {
		zi, zo := SampleGrid(c.seed, c.n, c.m, c.dI, c.dO)
		zi2, zo2 := SampleGrid(c.seed, c.n, c.m, c.dI, c.dO)
		if !reflect.DeepEqual(zi, zi2) || !reflect.DeepEqual(zo, zo2) {
			t.Fatalf("%+v: two draws differ", c)
		}
		if len(zi) != c.n || len(zo) != c.m {
			t.Fatalf("%+v: got %d×%d codes", c, len(zi), len(zo))
		}
		// Reference: one PCG, identities first, then observations, each value 2u−1.
		rng := rand.New(rand.NewPCG(c.seed, streamGrid))
		for _, rows := range [][][]float32{zi, zo} {
			for _, row := range rows {
				for k, v := range row {
					if want := float32(2*rng.Float64() - 1); v != want {
						t.Fatalf("%+v: value %d = %v, want %v", c, k, v, want)
					}
					if v < -1 || v >= 1 {
						t.Fatalf("%+v: value %v outside [−1, 1)", c, v)
					}
				}
			}
		}
		other, _ := SampleGrid(c.seed+1, c.n, c.m, c.dI, c.dO)
		if reflect.DeepEqual(zi, other) {
			t.Fatalf("%+v: seeds %d and %d gave the same codes", c, c.seed, c.seed+1)
		}
	}
}

func TestCodesBySeed(t *testing.T) {
	for _, seed := range []uint64{0, 1, 97, 1<<32 - 1} {
		for _, d := range []int{1, 7, 50} {
			a, b := IdentityCode(seed, d), IdentityCode(seed, d)
			if !reflect.DeepEqual(a, b) || len(a) != d {
				t.Fatalf("IdentityCode(%d, %d) not deterministic or wrong length %d", seed, d, len(a))
			}
			if o := ObservationCode(seed, d); reflect.DeepEqual(a, o) {
				t.Fatalf("seed %d: identity and observation streams gave the same code", seed)
			}
			if o := IdentityCode(seed+1, d); reflect.DeepEqual(a, o) {
				t.Fatalf("seeds %d and %d gave the same identity code", seed, seed+1)
			}
		}
	}
}

func TestLerpRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, c := range []struct{ d, steps int }{{1, 2}, {5, 3}, {7, 4}, {13, 11}} {
		a, b := randomImage(rng, c.d), randomImage(rng, c.d)
		rows := lerpRows(a, b, c.steps)
		if !reflect.DeepEqual(rows[0], a) || !reflect.DeepEqual(rows[c.steps-1], b) {
			t.Fatalf("%+v: end rows are not exactly a and b", c)
		}
		for r, row := range rows {
			for k := range row {
				want := a[k] + (b[k]-a[k])*float32(r)/float32(c.steps-1)
				if diff := row[k] - want; diff > 1e-6 || diff < -1e-6 {
					t.Fatalf("%+v: row %d value %d = %v, want %v", c, r, k, row[k], want)
				}
			}
		}
	}
}
