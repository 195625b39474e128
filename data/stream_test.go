package data

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// streamFixture writes a data set in the given layout whose identity i has sizes[i] random images of awkward
// sizes (1×1 to 31×29) and formats (PNG colour and grey, JPEG, GIF), and returns its folder.
func streamFixture(t *testing.T, layout string, sizes []int, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	root := t.TempDir()
	dims := []image.Point{{1, 1}, {13, 7}, {17, 17}, {31, 29}, {8, 19}}
	exts := []string{".png", ".jpg", ".gif", ".png"}
	for i, n := range sizes {
		for j := range n {
			d := dims[rng.IntN(len(dims))]
			ext := exts[(i+j)%len(exts)]
			var m image.Image = randomRGBA(rng, d.X, d.Y)
			if (i+j)%3 == 0 {
				m = randomGray(rng, d.X, d.Y)
			}
			path := filepath.Join(root, fmt.Sprintf("id%02d", i), fmt.Sprintf("%d%s", j, ext))
			if layout == LayoutFlat {
				if ext != ".png" {
					ext = ".png" // the flat layout is PNG by convention; any image extension works
				}
				path = filepath.Join(root, fmt.Sprintf("id_%02d_%d_x%s", i, j, ext))
			}
			writeImage(t, path, m)
		}
	}
	return root
}

// truncatedPNG returns a PNG whose header is intact but whose pixel data is cut short: Open's header scan
// accepts it, decoding fails.
func truncatedPNG(t *testing.T, rng *rand.Rand) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, randomRGBA(rng, 23, 23)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()[:b.Len()/2]
}

// drawBatches samples rounds batches of tuples[r % len(tuples)] tuples each and returns them concatenated.
func drawBatches(t *testing.T, s *Sampler, ds *Dataset, tuples []int, rounds int) []float32 {
	t.Helper()
	var all []float32
	for r := range rounds {
		n := tuples[r%len(tuples)]
		dst := make([]float32, n*s.K()*ds.ImageLen())
		for i := range dst {
			dst[i] = float32(r) + 7 // must be overwritten
		}
		if err := s.SampleErr(n, dst); err != nil {
			t.Fatalf("batch %d: %v", r, err)
		}
		all = append(all, dst...)
	}
	return all
}

func TestOnTheFlyMatchesInMemory(t *testing.T) {
	for _, tc := range []struct {
		layout   string
		channels int
		k        int
		sizes    []int
		tuples   []int // batch sizes, cycled: a change of size discards the prefetched batch
	}{
		{LayoutFolders, 3, 2, []int{3, 5, 2, 7}, []int{3}},
		{LayoutFolders, 1, 3, []int{3, 4, 11}, []int{1, 1, 5, 2}},
		{LayoutFlat, 3, 1, []int{1, 2, 3}, []int{7}},
		{LayoutFlat, 1, 2, []int{2, 13}, []int{2, 3}},
	} {
		t.Run(fmt.Sprintf("%s_c%d_k%d", tc.layout, tc.channels, tc.k), func(t *testing.T) {
			root := streamFixture(t, tc.layout, tc.sizes, uint64(tc.k*10+tc.channels))
			mem, err := Open(root, Options{Res: 11, Channels: tc.channels, K: tc.k})
			if err != nil {
				t.Fatal(err)
			}
			var warn bytes.Buffer
			need := int64(mem.NumImages()) * int64(mem.ImageLen()) * 4
			fly, err := Open(root, Options{Res: 11, Channels: tc.channels, K: tc.k, MemoryBudget: need - 1, Warn: &warn})
			if err != nil {
				t.Fatal(err)
			}
			if mem.OnTheFly() || !fly.OnTheFly() {
				t.Fatalf("OnTheFly: in memory %v, over budget %v; want false, true", mem.OnTheFly(), fly.OnTheFly())
			}
			wantWarn := fmt.Sprintf("decoding %s on the fly: more than the %s memory budget", FormatBytes(need), FormatBytes(need-1))
			if !strings.Contains(warn.String(), wantWarn) {
				t.Errorf("warnings %q lack %q", warn.String(), wantWarn)
			}
			if fly.Layout != tc.layout || fly.NumImages() != mem.NumImages() || fly.MemoryBytes() != need {
				t.Errorf("on the fly: layout %s, %d images, %d bytes; want %s, %d, %d", fly.Layout, fly.NumImages(), fly.MemoryBytes(), tc.layout, mem.NumImages(), need)
			}
			if !reflect.DeepEqual(fly.Stats.SourceSizes, mem.Stats.SourceSizes) || !reflect.DeepEqual(fly.Stats.PerIdentity, mem.Stats.PerIdentity) {
				t.Errorf("stats differ: sizes %v / %v, per identity %v / %v", fly.Stats.SourceSizes, mem.Stats.SourceSizes, fly.Stats.PerIdentity, mem.Stats.PerIdentity)
			}
			for i, id := range fly.Identities {
				if !slices.Equal(id.Sources, mem.Identities[i].Sources) {
					t.Fatalf("identity %s: sources %v, want %v", id.Name, id.Sources, mem.Identities[i].Sources)
				}
				for j, img := range id.Images {
					if img != nil {
						t.Fatalf("identity %s image %d is in memory", id.Name, j)
					}
					got, err := fly.Image(i, j)
					if err != nil || !slices.Equal(got, mem.Identities[i].Images[j]) {
						t.Fatalf("Image(%d, %d): error %v or pixels differ from the in-memory image", i, j, err)
					}
				}
			}

			a, err := NewSampler(mem, tc.k, 5)
			if err != nil {
				t.Fatal(err)
			}
			b, err := NewSampler(fly, tc.k, 5)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			want := drawBatches(t, a, mem, tc.tuples, 9)
			if got := drawBatches(t, b, fly, tc.tuples, 9); !slices.Equal(got, want) {
				t.Fatal("on-the-fly batches differ from the in-memory ones")
			}
			// Next after a prefetch continues the same stream.
			idA, imgsA := a.Next()
			imgsA = slices.Clone(imgsA)
			idB, imgsB := b.Next()
			if idA != idB || !slices.Equal(imgsA, imgsB) {
				t.Errorf("Next after sampling: (%d, %v) on the fly, (%d, %v) in memory", idB, imgsB, idA, imgsA)
			}
		})
	}
}

func TestOnTheFlyExactResume(t *testing.T) {
	root := streamFixture(t, LayoutFolders, []int{4, 2, 9, 3, 5}, 77)
	ds, err := Open(root, Options{Res: 9, K: 2, MemoryBudget: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !ds.OnTheFly() {
		t.Fatal("data set is in memory; want on the fly")
	}
	tuples := []int{3}
	x, _ := NewSampler(ds, 2, 31)
	defer x.Close()
	first := drawBatches(t, x, ds, tuples, 3) // a fourth batch is now prefetched
	state, err := x.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := x.MarshalBinary()
	if err != nil || !bytes.Equal(again, state) {
		t.Fatalf("Close changed the state (error %v)", err)
	}
	want := drawBatches(t, x, ds, tuples, 2)

	y, _ := NewSampler(ds, 2, 999)
	defer y.Close()
	drawBatches(t, y, ds, tuples, 1) // y has a prefetched batch of its own, which the restore must discard
	if err := y.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(drawBatches(t, y, ds, tuples, 2), want) {
		t.Fatal("restored sampler did not continue the saved stream")
	}
	full, _ := NewSampler(ds, 2, 31)
	defer full.Close()
	stream := drawBatches(t, full, ds, tuples, 5)
	if !slices.Equal(stream[:len(first)], first) || !slices.Equal(stream[len(first):], want) {
		t.Fatal("resumed stream differs from an uninterrupted one")
	}
}

// TestOnTheFlyUnreadable uses identity "a" with a file that Open accepts (intact header) but that cannot be
// decoded, and a fully broken file that Open itself skips.
func TestOnTheFlyUnreadable(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	root := t.TempDir()
	for j := range 4 {
		writeImage(t, filepath.Join(root, "a", fmt.Sprintf("%d.png", j)), randomRGBA(rng, 7+j, 9))
	}
	bad := filepath.Join(root, "a", "2.png")
	writeBytes(t, bad, truncatedPNG(t, rng))
	writeBytes(t, filepath.Join(root, "a", "junk.png"), []byte("not a png"))
	for j := range 3 {
		writeImage(t, filepath.Join(root, "b", fmt.Sprintf("%d.jpg", j)), randomRGBA(rng, 5, 3+j))
	}
	tiny := int64(1)

	t.Run("replaced", func(t *testing.T) {
		var warn bytes.Buffer
		ds, err := Open(root, Options{Res: 8, K: 3, MemoryBudget: tiny, Warn: &warn})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Stats.Unreadable) != 1 || !strings.HasSuffix(ds.Stats.Unreadable[0], "junk.png") || len(ds.Identities[0].Sources) != 4 {
			t.Fatalf("unreadable %v, identity a has %d files; want junk.png and 4", ds.Stats.Unreadable, len(ds.Identities[0].Sources))
		}
		// The readable images of identity a, decoded one by one.
		var good [][]float32
		for j := range 4 {
			if img, err := ds.Image(0, j); err == nil {
				good = append(good, img)
			}
		}
		if len(good) != 3 {
			t.Fatalf("%d readable images in identity a; want 3", len(good))
		}
		s, _ := NewSampler(ds, 3, 4)
		defer s.Close()
		n := ds.ImageLen()
		batches := drawBatches(t, s, ds, []int{2, 1}, 20)
		for tp := 0; tp*3*n < len(batches); tp++ {
			var which []int // index in good of each image, or −1 for identity b
			for j := range 3 {
				img := batches[(tp*3+j)*n : (tp*3+j+1)*n]
				w := slices.IndexFunc(good, func(g []float32) bool { return slices.Equal(g, img) })
				which = append(which, w)
			}
			if slices.Contains(which, -1) {
				if slices.ContainsFunc(which, func(w int) bool { return w >= 0 }) {
					t.Fatalf("tuple %d mixes identities: %v", tp, which)
				}
				continue
			}
			if len(slices.Compact(slices.Sorted(slices.Values(which)))) != 3 {
				t.Fatalf("tuple %d of identity a repeats an image: %v", tp, which)
			}
		}
		if c := strings.Count(warn.String(), bad); c != 1 {
			t.Errorf("warnings name %s %d times; want once:\n%s", bad, c, warn.String())
		}
	})

	t.Run("strict", func(t *testing.T) {
		ds, err := Open(root, Options{Res: 8, K: 3, MemoryBudget: tiny})
		if err != nil {
			t.Fatal(err)
		}
		ds.stream.strict = true // Open with Strict would stop at junk.png
		s, _ := NewSampler(ds, 3, 4)
		defer s.Close()
		dst := make([]float32, 2*3*ds.ImageLen())
		for range 50 {
			if err := s.SampleErr(2, dst); err != nil {
				if !strings.Contains(err.Error(), bad) {
					t.Fatalf("error %v does not name %s", err, bad)
				}
				return
			}
		}
		t.Fatal("50 batches of strict sampling met no error")
	})

	t.Run("too few readable", func(t *testing.T) {
		ds, err := Open(root, Options{Res: 8, K: 4, MemoryBudget: tiny})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := NewSampler(ds, 4, 4)
		defer s.Close()
		err = s.SampleErr(1, make([]float32, 4*ds.ImageLen()))
		if err == nil || !strings.Contains(err.Error(), `identity "a" has fewer than k = 4 readable images`) {
			t.Fatalf("error %v; want one saying identity a has fewer than 4 readable images", err)
		}
	})
}

func TestStrictOpenOnTheFly(t *testing.T) {
	root := streamFixture(t, LayoutFolders, []int{2, 3}, 5)
	writeBytes(t, filepath.Join(root, "id00", "broken.png"), []byte("broken"))
	if _, err := Open(root, Options{Res: 8, K: 2, MemoryBudget: 1, Strict: true}); err == nil || !strings.Contains(err.Error(), "broken.png") {
		t.Fatalf("strict Open: error %v; want one naming broken.png", err)
	}
}

func TestSamplerCloseLeavesNoGoroutine(t *testing.T) {
	root := streamFixture(t, LayoutFolders, []int{3, 6}, 12)
	ds, err := Open(root, Options{Res: 16, K: 2, MemoryBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	s, _ := NewSampler(ds, 2, 1)
	drawBatches(t, s, ds, []int{5}, 4)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Close; %d before sampling", n, before)
	}
}

func TestExportOnTheFly(t *testing.T) {
	root := streamFixture(t, LayoutFolders, []int{2, 3}, 9)
	fly, err := Open(root, Options{Res: 10, Channels: 1, K: 1, MemoryBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := fly.WriteFolders(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	mem, err := Open(root, Options{Res: 10, Channels: 1, K: 1})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Open(dir, Options{Res: 10, Channels: 1, K: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range back.Identities {
		for j, img := range id.Images {
			want := mem.Identities[i].Images[j]
			for p, v := range img {
				if d := v - want[p]; d > 1.0/127.5 || d < -1.0/127.5 {
					t.Fatalf("identity %d image %d value %d: %v exported, %v in memory", i, j, p, v, want[p])
				}
			}
		}
	}
}

func BenchmarkSampleOnTheFly16x2At32x3(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	root := b.TempDir()
	for i := range 20 {
		for j := range 5 {
			var buf bytes.Buffer
			if err := png.Encode(&buf, randomRGBA(rng, 64, 64)); err != nil {
				b.Fatal(err)
			}
			writeBenchFile(b, filepath.Join(root, fmt.Sprintf("id%02d", i), fmt.Sprintf("%d.png", j)), buf.Bytes())
		}
	}
	for _, budget := range []int64{0, 1} {
		b.Run(map[int64]string{0: "memory", 1: "fly"}[budget], func(b *testing.B) {
			ds, err := Open(root, Options{Res: 32, K: 2, MemoryBudget: budget})
			if err != nil {
				b.Fatal(err)
			}
			s, _ := NewSampler(ds, 2, 1)
			defer s.Close()
			dst := make([]float32, 16*2*ds.ImageLen())
			b.SetBytes(int64(len(dst) * 4))
			for b.Loop() {
				if err := s.SampleErr(16, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// writeBenchFile writes data to path for a benchmark, creating folders.
func writeBenchFile(b *testing.B, path string, data []byte) {
	b.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
}
