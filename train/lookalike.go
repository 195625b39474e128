package train

import (
	"fmt"
	"slices"

	"sdgan/data"
)

// lookGrid is the side of an identity's look: its mean image average-pooled to lookGrid×lookGrid (per channel).
const lookGrid = 8

// identityLooks returns, per identity of ds, its look: the mean of its images, average-pooled to 8×8 per channel.
// For a typeface it summarises stroke weight, width, slant and x-height over its glyphs; --mismatch-hard pairs
// identities that look alike by it. The images must be in memory.
func identityLooks(ds *data.Dataset) ([][]float32, error) {
	if ds.OnTheFly() {
		return nil, fmt.Errorf("--mismatch-hard compares every identity's mean image, so it needs the images in memory: %s is decoded on the fly (raise --memory-budget)", ds.Name)
	}
	res, ch := ds.Res, ds.Channels
	cell := res / lookGrid // Res is a multiple of 16
	looks := make([][]float32, len(ds.Identities))
	for i, id := range ds.Identities {
		look := make([]float32, lookGrid*lookGrid*ch)
		for _, img := range id.Images {
			for y := range res {
				for x := range res {
					for c := range ch {
						look[((y/cell)*lookGrid+x/cell)*ch+c] += img[(y*res+x)*ch+c]
					}
				}
			}
		}
		scale := 1 / float32(len(id.Images)*cell*cell)
		for j := range look {
			look[j] *= scale
		}
		looks[i] = look
	}
	return looks, nil
}

// lookalikes sets partners[i] to the other tuples of a batch ordered by how alike their identity looks to tuple
// i's (squared distance between looks; ties by tuple index), tuples of tuple i's own identity left out. ids are
// the tuples' identities, looks the data set's identityLooks.
func lookalikes(ids []int, looks [][]float32, partners [][]int) {
	dist := make([]float32, len(ids))
	for i, a := range ids {
		p := partners[i][:0]
		for j, b := range ids {
			if b == a {
				continue
			}
			var d float32
			for c, v := range looks[a] {
				e := v - looks[b][c]
				d += e * e
			}
			dist[j] = d
			p = append(p, j)
		}
		slices.SortStableFunc(p, func(x, y int) int {
			switch {
			case dist[x] < dist[y]:
				return -1
			case dist[x] > dist[y]:
				return 1
			}
			return 0
		})
		partners[i] = p
	}
}
