package data

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// labelled builds a data set whose identity i has sizes[i] images of len values each, image j of identity i
// filled with i·1000 + j, so that any value tells where it came from.
func labelled(sizes []int, res, channels int) *Dataset {
	ds := &Dataset{Name: "labelled", Res: res, Channels: channels}
	for i, n := range sizes {
		id := Identity{Name: fmt.Sprintf("id%03d", i)}
		for j := range n {
			img := make([]float32, res*res*channels)
			for p := range img {
				img[p] = float32(i*1000 + j)
			}
			id.Images = append(id.Images, img)
		}
		ds.Identities = append(ds.Identities, id)
	}
	return ds
}

func TestSamplerTuplesAreDistinctAndOneIdentity(t *testing.T) {
	for _, k := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("k%d", k), func(t *testing.T) {
			sizes := []int{k, k, k + 1, 7, 13, 50} // includes identities with exactly k images
			ds := labelled(sizes, 3, 1)
			s, err := NewSampler(ds, k, 42)
			if err != nil {
				t.Fatal(err)
			}
			const tuples = 5
			n := ds.ImageLen()
			dst := make([]float32, tuples*k*n)
			seenAll := map[int]bool{} // for identities of exactly k images: each tuple must be all of them
			for range 400 {
				s.Sample(tuples, dst)
				for tp := range tuples {
					var ids, imgs []int
					for j := range k {
						img := dst[(tp*k+j)*n : (tp*k+j+1)*n]
						if slices.Min(img) != slices.Max(img) {
							t.Fatalf("image %d of tuple %d is a mix of images", j, tp)
						}
						ids = append(ids, int(img[0])/1000)
						imgs = append(imgs, int(img[0])%1000)
					}
					if slices.Min(ids) != slices.Max(ids) {
						t.Fatalf("tuple mixes identities %v", ids)
					}
					sorted := slices.Sorted(slices.Values(imgs))
					if len(slices.Compact(sorted)) != k {
						t.Fatalf("tuple of identity %d repeats an image: %v", ids[0], imgs)
					}
					if slices.Max(imgs) >= sizes[ids[0]] {
						t.Fatalf("image index %d out of range for identity %d of %d images", slices.Max(imgs), ids[0], sizes[ids[0]])
					}
					if sizes[ids[0]] == k {
						seenAll[ids[0]] = true
					}
				}
			}
			if !seenAll[0] || !seenAll[1] {
				t.Errorf("identities with exactly k images were never drawn: %v", seenAll)
			}
		})
	}
}

// chiSquare999 holds the 0.999 quantiles of the chi-square distribution by degrees of freedom: a uniform sampler
// exceeds them with probability 0.001. The seeds are fixed, so each test is deterministic.
var chiSquare999 = map[int]float64{4: 18.467, 9: 27.877, 49: 85.351}

func chiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	e := float64(total) / float64(len(counts))
	x := 0.0
	for _, c := range counts {
		x += (float64(c) - e) * (float64(c) - e) / e
	}
	return x
}

// TestSamplerUniformByIdentity draws from identities of very unequal sizes and checks, with a chi-square test at
// significance 0.001, that identities are drawn uniformly (not in proportion to their size), and that images
// within the largest identity, and positions within a tuple, are uniform too.
func TestSamplerUniformByIdentity(t *testing.T) {
	for _, k := range []int{2, 3} {
		t.Run(fmt.Sprintf("k%d", k), func(t *testing.T) {
			sizes := []int{k, 50, 3, k, 40, 7, k, 11, 50, 5} // 10 identities, k to 50 images
			ds := labelled(sizes, 1, 1)
			total := 0
			for _, n := range sizes {
				total += n
			}
			s, err := NewSampler(ds, k, uint64(100+k))
			if err != nil {
				t.Fatal(err)
			}
			byID := make([]int, len(sizes))
			byImage := make([]int, 50)  // images of identity 1 (50 images)
			firstSlot := make([]int, 5) // which of identity 9's 5 images comes first in a tuple
			const draws = 200000
			for range draws {
				id, imgs := s.Next()
				byID[id]++
				if id == 1 {
					for _, i := range imgs {
						byImage[i]++
					}
				}
				if id == 9 {
					firstSlot[imgs[0]]++
				}
			}
			// The test has power: drawing by image would give identity i a share sizes[i]/total, far off uniform.
			byImageShare := make([]int, len(sizes))
			for i, n := range sizes {
				byImageShare[i] = draws * n / total
			}
			if x := chiSquare(byImageShare); x < 1000*chiSquare999[9] {
				t.Fatalf("chi-square of by-image draws is only %.0f", x)
			}
			for _, c := range []struct {
				name   string
				counts []int
			}{{"identities", byID}, {"images of identity 1", byImage}, {"first image of identity 9", firstSlot}} {
				x, crit := chiSquare(c.counts), chiSquare999[len(c.counts)-1]
				t.Logf("%s: chi-square %.1f (0.999 quantile %.1f)", c.name, x, crit)
				if x > crit {
					t.Errorf("%s: chi-square %.1f > %.1f (df %d, significance 0.001); counts %v", c.name, x, crit, len(c.counts)-1, c.counts)
				}
			}
		})
	}
}

func TestSamplerDeterministicAndResumable(t *testing.T) {
	ds := labelled([]int{3, 5, 4, 9, 3, 17, 6}, 2, 3)
	const k, tuples = 3, 4
	draw := func(s *Sampler, rounds int) []float32 {
		var all []float32
		for range rounds {
			dst := make([]float32, tuples*k*ds.ImageLen())
			s.Sample(tuples, dst)
			all = append(all, dst...)
		}
		return all
	}
	a, _ := NewSampler(ds, k, 7)
	b, _ := NewSampler(ds, k, 7)
	c, _ := NewSampler(ds, k, 8)
	streamA := draw(a, 20)
	if !slices.Equal(streamA, draw(b, 20)) {
		t.Fatal("same seed gave different tuples")
	}
	if slices.Equal(streamA, draw(c, 20)) {
		t.Fatal("different seeds gave the same tuples")
	}

	// Resume: draw 7 rounds, save, draw 13 more; a fresh sampler restored from the save draws the same 13.
	x, _ := NewSampler(ds, k, 99)
	draw(x, 7)
	state, err := x.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := draw(x, 13)
	y, _ := NewSampler(ds, k, 12345)
	if err := y.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(draw(y, 13), want) {
		t.Fatal("restored sampler did not continue the saved stream")
	}
	full, _ := NewSampler(ds, k, 99)
	if !slices.Equal(draw(full, 20)[7*tuples*k*ds.ImageLen():], want) {
		t.Fatal("resumed stream differs from an uninterrupted one")
	}

	// A state only fits a sampler of the same k and number of identities.
	for _, tc := range []struct {
		name  string
		ds    *Dataset
		k     int
		state []byte
		want  string
	}{
		{"other k", ds, 2, state, "saved for k = 3"},
		{"other data", labelled([]int{3, 3}, 2, 3), 3, state, "7 identities"},
		{"garbage", ds, 3, []byte("hello"), "bad header"},
		{"truncated", ds, 3, state[:len(state)-3], "sampler state"},
	} {
		s, err := NewSampler(tc.ds, tc.k, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UnmarshalBinary(tc.state); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestNewSamplerErrors(t *testing.T) {
	ds := labelled([]int{4, 2, 6}, 1, 1)
	for _, tc := range []struct {
		name string
		ds   *Dataset
		k    int
		want string
	}{
		{"k 0", ds, 0, "k = 0"},
		{"identity too small", ds, 3, `identity "id001" has 2 images, fewer than k = 3`},
		{"empty", labelled(nil, 1, 1), 2, "no identities"},
	} {
		if _, err := NewSampler(tc.ds, tc.k, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestSamplePanicsOnWrongLength(t *testing.T) {
	s, err := NewSampler(labelled([]int{3, 3}, 2, 1), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Sample(3 tuples)") {
			t.Errorf("panic %v, want one naming Sample(3 tuples)", r)
		}
	}()
	s.Sample(3, make([]float32, 3*2*4-1))
}

func BenchmarkSample16x2At64x3(b *testing.B) {
	ds := labelled([]int{2, 50, 3, 17, 9}, 64, 3)
	s, _ := NewSampler(ds, 2, 1)
	dst := make([]float32, 16*2*ds.ImageLen())
	b.SetBytes(int64(len(dst) * 4))
	for b.Loop() {
		s.Sample(16, dst)
	}
}

// SampleIdentities draws exactly SampleErr's stream (so SD-GAN runs resume identically whichever is called) and
// names each tuple's identity, in memory and on the fly; at k = 1 it hands out single labelled images, identities
// drawn uniformly.
func TestSampleIdentities(t *testing.T) {
	ds := labelled([]int{3, 5, 4, 9}, 2, 1)
	for _, k := range []int{1, 2} {
		plain, _ := NewSampler(ds, k, 4)
		named, _ := NewSampler(ds, k, 4)
		counts := make([]int, len(ds.Identities))
		for range 200 {
			a := make([]float32, 6*k*ds.ImageLen())
			b := make([]float32, len(a))
			ids := make([]int, 6)
			plain.Sample(6, a)
			if err := named.SampleIdentities(6, b, ids); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a, b) {
				t.Fatalf("k %d: SampleIdentities drew other images than SampleErr", k)
			}
			for tu, id := range ids {
				for j := range k {
					if got := int(b[(tu*k+j)*ds.ImageLen()]) / 1000; got != id {
						t.Fatalf("k %d: tuple %d image %d is identity %d's, labelled %d", k, tu, j, got, id)
					}
				}
				counts[id]++
			}
		}
		for id, c := range counts { // 300 expected each
			if c < 220 || c > 380 {
				t.Errorf("k %d: identity %d drawn %d times of 1200; want about 300 (uniform by identity)", k, id, c)
			}
		}
	}
	s, _ := NewSampler(ds, 1, 1)
	if err := s.SampleIdentities(3, make([]float32, 3*ds.ImageLen()), make([]int, 2)); err == nil || !strings.Contains(err.Error(), "identity slots") {
		t.Errorf("2 identity slots for 3 tuples: %v", err)
	}
}

func TestSampleIdentitiesOnTheFly(t *testing.T) {
	root := streamFixture(t, LayoutFolders, []int{3, 5, 2, 7}, 9)
	mem, err := Open(root, Options{Res: 8, Channels: 1, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	fly, err := Open(root, Options{Res: 8, Channels: 1, K: 2, MemoryBudget: mem.MemoryBytes() - 1, Warn: io.Discard})
	if err != nil || !fly.OnTheFly() {
		t.Fatalf("on the fly: %v, %v", fly.OnTheFly(), err)
	}
	a, _ := NewSampler(mem, 1, 3)
	b, _ := NewSampler(fly, 1, 3)
	defer b.Close()
	for round := range 5 {
		da, db := make([]float32, 8*mem.ImageLen()), make([]float32, 8*mem.ImageLen())
		ia, ib := make([]int, 8), make([]int, 8)
		if err := a.SampleIdentities(8, da, ia); err != nil {
			t.Fatal(err)
		}
		if err := b.SampleIdentities(8, db, ib); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(da, db) || !slices.Equal(ia, ib) {
			t.Fatalf("round %d: on the fly gave identities %v, in memory %v (or other images)", round, ib, ia)
		}
	}
}
