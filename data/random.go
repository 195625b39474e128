package data

import (
	"fmt"
	"math/rand/v2"
)

// Random returns an in-memory data set of ids identities with per images each of uniform noise in [−1, 1], for
// benchmarks and tests that need data of a given shape but not its content.
func Random(res, channels, ids, per int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 0))
	ds := &Dataset{Name: "random", Layout: "random", Res: res, Channels: channels, K: per}
	for i := range ids {
		id := Identity{Name: fmt.Sprintf("id%04d", i)}
		for j := range per {
			img := make([]float32, res*res*channels)
			for p := range img {
				img[p] = float32(2*rng.Float64() - 1)
			}
			id.Images = append(id.Images, img)
			id.Sources = append(id.Sources, fmt.Sprintf("random:%d:%d", i, j))
		}
		ds.Identities = append(ds.Identities, id)
	}
	return ds
}
