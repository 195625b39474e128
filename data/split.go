package data

import (
	"fmt"
	"math/rand/v2"
)

// Split divides d by identity: heldOut identities, chosen at random with seed, go to test and the rest to train.
// Both keep d's order of identities and share its image slices (nothing is copied). Stats and Skipped stay with
// train; test has empty Stats.
func (d *Dataset) Split(heldOut int, seed uint64) (train, test *Dataset, err error) {
	if heldOut < 0 || heldOut >= len(d.Identities) {
		return nil, nil, fmt.Errorf("split %s: %d held-out identities; expected 0 to %d (there are %d)", d.Name, heldOut, len(d.Identities)-1, len(d.Identities))
	}
	rng := rand.New(rand.NewPCG(seed, ^seed))
	held := map[int]bool{}
	for _, i := range rng.Perm(len(d.Identities))[:heldOut] {
		held[i] = true
	}
	train, test = d.empty(), d.empty()
	train.Stats, train.Skipped = d.Stats, d.Skipped
	for i, id := range d.Identities {
		if held[i] {
			test.Identities = append(test.Identities, id)
		} else {
			train.Identities = append(train.Identities, id)
		}
	}
	return train, test, nil
}

// empty returns a data set with d's description and no identities.
func (d *Dataset) empty() *Dataset {
	return &Dataset{Name: d.Name, Layout: d.Layout, Res: d.Res, Channels: d.Channels, K: d.K, stream: d.stream, maxPixels: d.maxPixels}
}
