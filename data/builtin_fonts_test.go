package data

import (
	"math"
	"testing"
)

// NearDuplicate is the criterion builtin:fonts was pruned with: two typefaces whose 62 glyphs, rendered at 32×32,
// differ by less than this mean absolute pixel difference (values in [−1, 1]) look alike at that size (Latin
// Modern's optical sizes 8, 9, 10 and 12 did, at 0.016 to 0.053; the closest distinct pair left is STIX Two Text
// Medium Italic and SemiBold Italic at 0.068, the median pair 0.34). Only one of each such group is kept.
const nearDuplicate = 0.06

func TestBuiltinFontsHaveNoNearDuplicates(t *testing.T) {
	ds, err := Open(BuiltinFonts, Options{Res: 32, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ds.Identities); n != 100 {
		t.Errorf("%d typefaces, want the 100 of the pruned list", n)
	}
	for a := range ds.Identities {
		for b := a + 1; b < len(ds.Identities); b++ {
			var sum float64
			var count int
			for g := range ds.Identities[a].Images {
				ia, ib := ds.Identities[a].Images[g], ds.Identities[b].Images[g]
				for p := range ia {
					sum += math.Abs(float64(ia[p] - ib[p]))
				}
				count += len(ia)
			}
			if d := sum / float64(count); d < nearDuplicate {
				t.Errorf("%s and %s differ by %.4f per pixel: near-duplicates (< %g)", ds.Identities[a].Name, ds.Identities[b].Name, d, nearDuplicate)
			}
		}
	}
}
