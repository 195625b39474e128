package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// ImageRef names one image of a set grouped by identity: the group's index and the image's index in it.
type ImageRef struct{ Group, Index int }

// SamplePairs draws n same-identity and n different-identity pairs from groups of the given sizes (sizes[g]
// images in group g), deterministically for rng's state:
//   - a same pair picks a group uniformly among those with at least 2 images, then 2 distinct images of it;
//   - a different pair picks 2 distinct groups uniformly (among non-empty ones), then one image of each.
//
// Groups are weighted equally, not by size, as SD-GAN's real sampler does. It returns an error if n < 1, no group
// has 2 images, or fewer than 2 groups have any.
func SamplePairs(rng *rand.Rand, sizes []int, n int) (same, diff [][2]ImageRef, err error) {
	if n < 1 {
		return nil, nil, fmt.Errorf("pairs: n %d, want at least 1", n)
	}
	var twos, ones []int
	for g, s := range sizes {
		if s >= 1 {
			ones = append(ones, g)
		}
		if s >= 2 {
			twos = append(twos, g)
		}
	}
	if len(twos) == 0 {
		return nil, nil, fmt.Errorf("pairs: no identity has 2 images (%d identities); same-identity pairs need one", len(sizes))
	}
	if len(ones) < 2 {
		return nil, nil, fmt.Errorf("pairs: %d identities with images; different-identity pairs need at least 2", len(ones))
	}
	for range n {
		g := twos[rng.IntN(len(twos))]
		a := rng.IntN(sizes[g])
		b := rng.IntN(sizes[g] - 1)
		if b >= a {
			b++
		}
		same = append(same, [2]ImageRef{{g, a}, {g, b}})
	}
	for range n {
		i := rng.IntN(len(ones))
		j := rng.IntN(len(ones) - 1)
		if j >= i {
			j++
		}
		ga, gb := ones[i], ones[j]
		diff = append(diff, [2]ImageRef{{ga, rng.IntN(sizes[ga])}, {gb, rng.IntN(sizes[gb])}})
	}
	return same, diff, nil
}

// RMSDistance returns the root-mean-square difference of two images of one size: √(Σ(a−b)²/len(a)), the
// Euclidean distance scaled so that it does not grow with the image size. It panics if the lengths differ or
// are 0.
func RMSDistance(a, b []float32) float64 {
	checkSameLen("rms distance", a, b)
	var s float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s / float64(len(a)))
}

// MeanAbsDistance returns the mean absolute difference of two images of one size: Σ|a−b|/len(a). It panics if
// the lengths differ or are 0.
func MeanAbsDistance(a, b []float32) float64 {
	checkSameLen("mean absolute distance", a, b)
	var s float64
	for i, v := range a {
		s += math.Abs(float64(v) - float64(b[i]))
	}
	return s / float64(len(a))
}

func checkSameLen(op string, a, b []float32) {
	if len(a) != len(b) || len(a) == 0 {
		panic(fmt.Sprintf("eval: %s of images of %d and %d values", op, len(a), len(b)))
	}
}

// ToPixelRange maps a generator's [−1, 1] values to [0, 255], (v+1)·127.5 clamped, without rounding: the
// range MS-SSIM and SSIM expect with DataRange 255 (see SSIMOptions.DataRange).
func ToPixelRange(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = min(max((v+1)*127.5, 0), 255)
	}
	return out
}

// Mean returns the arithmetic mean of xs, or NaN when xs is empty.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range xs {
		s += v
	}
	return s / float64(len(xs))
}

// SplitPairs cuts the 4n images generated from model.PairCodes' codes, in order, into n same-z_I pairs and n
// different-z_I pairs.
func SplitPairs(imgs [][]float32) (same, diff [][2][]float32) {
	n := len(imgs) / 4
	for i := range n {
		same = append(same, [2][]float32{imgs[2*i], imgs[2*i+1]})
		diff = append(diff, [2][]float32{imgs[2*(n+i)], imgs[2*(n+i)+1]})
	}
	return same, diff
}

// RealPairs draws n same-identity and n different-identity pairs (SamplePairs) of images grouped by identity,
// sizes[g] images in group g, reading each with image(group, index). It stops with ctx's error when ctx is
// cancelled.
func RealPairs(ctx context.Context, rng *rand.Rand, sizes []int, n int, image func(group, index int) ([]float32, error)) (same, diff [][2][]float32, err error) {
	s, d, err := SamplePairs(rng, sizes, n)
	if err != nil {
		return nil, nil, err
	}
	read := func(refs [][2]ImageRef) ([][2][]float32, error) {
		out := make([][2][]float32, 0, len(refs))
		for _, p := range refs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			a, err := image(p[0].Group, p[0].Index)
			if err != nil {
				return nil, err
			}
			b, err := image(p[1].Group, p[1].Index)
			if err != nil {
				return nil, err
			}
			out = append(out, [2][]float32{a, b})
		}
		return out, nil
	}
	if same, err = read(s); err != nil {
		return nil, nil, err
	}
	if diff, err = read(d); err != nil {
		return nil, nil, err
	}
	return same, diff, nil
}
