package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"sdgan/internal/pngbomb"
)

// bombFixture writes identity "a" with two small images and a 30000×30000 PNG of zeros (5.6 MB on disk, 900 MB
// as grey pixels, 15 GB by the time the loader had converted it), and returns the folder and the bomb's path.
func bombFixture(t *testing.T) (root, bomb string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	root = t.TempDir()
	writeImage(t, filepath.Join(root, "a", "1.png"), randomRGBA(rng, 20, 20))
	writeImage(t, filepath.Join(root, "a", "2.png"), randomRGBA(rng, 20, 20))
	bomb = filepath.Join(root, "a", "3.png")
	if err := pngbomb.WriteFile(bomb, 30000, 30000); err != nil {
		t.Fatal(err)
	}
	return root, bomb
}

// TestOpenRefusesBomb opens a folder holding a decompression bomb, in memory and on the fly, strict and not: the
// bomb is refused from its header, fast and without allocating its pixels, with an error naming the file, its
// size, the limit and the flag.
func TestOpenRefusesBomb(t *testing.T) {
	root, bomb := bombFixture(t)
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"in memory", Options{Res: 16, K: 1}},
		{"on the fly", Options{Res: 16, K: 1, MemoryBudget: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			ds, err := Open(root, tc.opt)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if elapsed > time.Second {
				t.Errorf("Open took %v; want under a second", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 50<<20 {
				t.Errorf("Open allocated %d MB; want under 50 MB (the bomb is 900 MB of pixels)", alloc>>20)
			}
			if ds.NumImages() != 2 || len(ds.Stats.Unreadable) != 1 || ds.Stats.Unreadable[0] != bomb {
				t.Fatalf("%d images, unreadable %v; want 2 images and the bomb unreadable", ds.NumImages(), ds.Stats.Unreadable)
			}
			var tl *TooLargeError
			if !errors.As(ds.Stats.UnreadableErrs[0], &tl) || tl.Path != bomb || tl.Width != 30000 || tl.Height != 30000 || tl.Max != DefaultMaxPixels {
				t.Errorf("unreadable because of %v; want a *TooLargeError for %s, 30000×30000, limit %d", ds.Stats.UnreadableErrs[0], bomb, DefaultMaxPixels)
			}

			strict := tc.opt
			strict.Strict = true
			_, err = Open(root, strict)
			for _, want := range []string{bomb, "30000×30000", "900000000 pixels", "limit of 67108864", "--max-pixels"} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("strict: error %v; want one containing %q", err, want)
				}
			}
		})
	}
}

// TestMaxPixels checks the limit's edge: an image of exactly MaxPixels pixels is read, one more pixel is refused,
// whether the image is decoded at once, its header scanned, or it is decoded on the fly later; DecodeImage too.
func TestMaxPixels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	root := t.TempDir()
	writeImage(t, filepath.Join(root, "a", "1.png"), randomRGBA(rng, 10, 12))
	writeImage(t, filepath.Join(root, "a", "2.png"), randomRGBA(rng, 12, 10))
	writeImage(t, filepath.Join(root, "b", "1.png"), randomRGBA(rng, 10, 10))
	writeImage(t, filepath.Join(root, "b", "2.png"), randomRGBA(rng, 10, 10))
	for _, budget := range []int64{0, 1} { // in memory, on the fly
		if ds, err := Open(root, Options{Res: 8, K: 2, MaxPixels: 120, MemoryBudget: budget, Strict: true}); err != nil {
			t.Errorf("budget %d: 120-pixel images with MaxPixels 120: %v", budget, err)
		} else if _, err := ds.Image(0, 1); err != nil {
			t.Errorf("budget %d: Image: %v", budget, err)
		}
		_, err := Open(root, Options{Res: 8, K: 2, MaxPixels: 119, MemoryBudget: budget, Strict: true})
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Max != 119 {
			t.Errorf("budget %d: MaxPixels 119: error %v; want a *TooLargeError with limit 119", budget, err)
		}
	}
	if _, err := Open(root, Options{Res: 8, MaxPixels: -1}); err == nil || !strings.Contains(err.Error(), "pixel limit -1") {
		t.Errorf("MaxPixels -1: error %v", err)
	}

	// A file replaced by a bomb after Open is refused when it is decoded on the fly.
	ds, err := Open(root, Options{Res: 8, K: 2, MemoryBudget: 1, MaxPixels: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if err := pngbomb.WriteFile(filepath.Join(root, id, "1.png"), 100, 100); err != nil {
			t.Fatal(err)
		}
	}
	train, test, err := ds.Split(1, 1) // both halves keep the limit
	if err != nil {
		t.Fatal(err)
	}
	var tl *TooLargeError
	for _, d := range []*Dataset{ds, train, test} {
		if _, err := d.Image(0, 0); !errors.As(err, &tl) || tl.Max != 1000 {
			t.Errorf("on the fly, a file become a bomb: error %v; want a *TooLargeError with limit 1000", err)
		}
	}

	m, err := DecodeImage(filepath.Join(root, "a", "2.png"), 120)
	if err != nil || m.Bounds().Dx() != 12 {
		t.Errorf("DecodeImage of a 12×10 image: %v, %v", m, err)
	}
	if _, err := DecodeImage(filepath.Join(root, "a", "1.png"), 0); err != nil {
		t.Errorf("DecodeImage of a 100×100 image at the default limit: %v", err)
	}
	if _, err := DecodeImage(filepath.Join(root, "a", "1.png"), 9999); !errors.As(err, &tl) {
		t.Errorf("DecodeImage of a 100×100 image with limit 9999: error %v; want a *TooLargeError", err)
	}
}

// TestPixelGate checks the semaphore: concurrent holders never exceed the capacity, and a request above the
// capacity runs alone.
func TestPixelGate(t *testing.T) {
	g := newPixelGate(100)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		held int64
		bad  []string
	)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := int64([]int{10, 30, 60, 250}[i%4])
			n := g.acquire(want)
			mu.Lock()
			held += n
			if held > 100 || (want > 100 && held != 100) {
				bad = append(bad, fmt.Sprintf("%d held after taking %d for %d", held, n, want))
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			held -= n
			mu.Unlock()
			g.release(n)
		}()
	}
	wg.Wait()
	if len(bad) > 0 || g.used != 0 || g.peak > 100 {
		t.Errorf("gate of 100: %v; used %d at the end, peak %d", bad, g.used, g.peak)
	}
}

// TestLoadersUseTheGate loads a folder with many decode workers through a small gate: the pixels decoded at once
// never exceed it (a larger image runs alone), in memory and on the fly.
func TestLoadersUseTheGate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	root := t.TempDir()
	for i := range 12 {
		writeImage(t, filepath.Join(root, fmt.Sprintf("id%d", i%3), fmt.Sprintf("%d.png", i)), randomRGBA(rng, 40, 40))
	}
	writeImage(t, filepath.Join(root, "id0", "big.png"), randomRGBA(rng, 100, 100)) // 10000 pixels, above the gate
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	saved := decodeGate
	defer func() { decodeGate = saved }()
	for _, budget := range []int64{0, 1} {
		decodeGate = newPixelGate(2 * 40 * 40)
		ds, err := Open(root, Options{Res: 8, K: 2, MemoryBudget: budget, Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		if budget == 1 {
			s, err := NewSampler(ds, 2, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SampleErr(8, make([]float32, 16*ds.ImageLen())); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
		if decodeGate.peak == 0 || decodeGate.peak > 2*40*40 || decodeGate.used != 0 {
			t.Errorf("budget %d: peak %d pixels decoding at once, %d still held; want 1 to %d, then 0", budget, decodeGate.peak, decodeGate.used, 2*40*40)
		}
	}
}
