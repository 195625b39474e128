package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-fonts/stix/stix2mathregular"
	"golang.org/x/image/font/gofont/goregular"
)

// hashDataset hashes names, sources and every value's bits.
func hashDataset(ds *Dataset) [32]byte {
	h := sha256.New()
	for _, id := range ds.Identities {
		h.Write([]byte(id.Name + "\x00" + strings.Join(id.Sources, "\x00")))
		for _, img := range id.Images {
			for _, v := range img {
				binary.Write(h, binary.LittleEndian, math.Float32bits(v))
			}
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func TestBuiltinFonts(t *testing.T) {
	const res = 32
	ds, err := Open(BuiltinFonts, Options{Res: res, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Identities) < 80 || ds.Channels != 1 || ds.Layout != LayoutFonts {
		t.Fatalf("%d typefaces with %d channels (layout %q); want at least 80 with 1", len(ds.Identities), ds.Channels, ds.Layout)
	}
	if len(ds.Stats.Unreadable) > 0 || len(ds.Stats.Ignored) > 0 || ds.Skipped > 0 {
		t.Errorf("unreadable %v, ignored %v, skipped %d; want none", ds.Stats.Unreadable, ds.Stats.Ignored, ds.Skipped)
	}
	margin := max(1, res/16)
	for _, id := range ds.Identities {
		if len(id.Images) != len(Glyphs) {
			t.Errorf("%s: %d glyphs, want %d", id.Name, len(id.Images), len(Glyphs))
		}
		for j, img := range id.Images {
			lit, minV, maxV := 0, float32(2), float32(-2)
			x0, y0, x1, y1 := res, res, -1, -1 // bounding box of inked pixels
			for i, v := range img {
				minV, maxV = min(minV, v), max(maxV, v)
				if v > -1 {
					lit++
					x, y := i%res, i/res
					x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
				}
			}
			src := id.Sources[j]
			if minV != -1 || maxV < 0.5 || maxV > 1 {
				t.Fatalf("%s: values in [%v, %v]; want a dark background at −1 and light ink up to at least 0.5", src, minV, maxV)
			}
			if lit < res || lit > res*res*9/10 {
				t.Fatalf("%s: %d of %d pixels inked; want a visible, not solid, glyph", src, lit, res*res)
			}
			// Scaled to fit: the longer side spans the box less the margins (±1 pixel of anti-aliasing); centred
			// to within a pixel on both axes.
			w, h := x1-x0+1, y1-y0+1
			if long := max(w, h); long < res-2*margin-1 || long > res-2*margin+2 {
				t.Fatalf("%s: ink box %d×%d; want its longer side about %d", src, w, h, res-2*margin)
			}
			if dx, dy := x0-(res-1-x1), y0-(res-1-y1); dx < -2 || dx > 2 || dy < -2 || dy > 2 {
				t.Fatalf("%s: ink box (%d,%d)-(%d,%d) off centre by (%d,%d) half-pixels", src, x0, y0, x1, y1, dx, dy)
			}
		}
	}

	again, err := Open(BuiltinFonts, Options{Res: res, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if hashDataset(ds) != hashDataset(again) {
		t.Error("two loads of builtin:fonts differ")
	}

	rgb, err := Open(BuiltinFonts, Options{Res: res, Channels: 3, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range rgb.Identities[7].Images[11] {
		if want := ds.Identities[7].Images[11][i/3]; v != want {
			t.Fatalf("3 channels: value %d is %v, want the grey value %v replicated", i, v, want)
		}
	}
}

func TestFontDirs(t *testing.T) {
	dir := t.TempDir()
	writeBytes(t, filepath.Join(dir, "a.ttf"), goregular.TTF)        // duplicate of a built-in face
	writeBytes(t, filepath.Join(dir, "sub", "b.TTF"), goregular.TTF) // and again
	writeBytes(t, filepath.Join(dir, "sub", "math.otf"), stix2mathregular.TTF)
	writeBytes(t, filepath.Join(dir, "corrupt.ttf"), []byte("not a font at all"))
	writeBytes(t, filepath.Join(dir, ".hidden.ttf"), []byte("ignored"))
	writeBytes(t, filepath.Join(dir, "readme.txt"), []byte("ignored"))

	base, err := Open(BuiltinFonts, Options{Res: 16, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	ds, err := Open(BuiltinFonts, Options{Res: 16, K: 2, FontDirs: []string{dir}, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for _, id := range ds.Identities {
		if !slices.ContainsFunc(base.Identities, func(b Identity) bool { return b.Name == id.Name }) {
			added = append(added, id.Name)
			if len(id.Images) < 2 || !strings.HasPrefix(id.Sources[0], filepath.Join(dir, "sub", "math.otf")+":") {
				t.Errorf("added %s: %d glyphs from %v", id.Name, len(id.Images), id.Sources[:1])
			}
		}
	}
	if len(added) != 1 || len(ds.Identities) != len(base.Identities)+1 {
		t.Errorf("added %v (%d → %d identities); want just the STIX math face", added, len(base.Identities), len(ds.Identities))
	}
	if len(ds.Stats.Ignored) != 2 || !strings.Contains(ds.Stats.Ignored[0], "a.ttf") || !strings.Contains(ds.Stats.Ignored[1], "b.TTF") ||
		!strings.Contains(ds.Stats.Ignored[0], `"Go Regular"`) {
		t.Errorf("ignored %q; want a.ttf and sub/b.TTF as duplicates of Go Regular", ds.Stats.Ignored)
	}
	if len(ds.Stats.Unreadable) != 1 || !strings.HasSuffix(ds.Stats.Unreadable[0], "corrupt.ttf") || !strings.Contains(warn.String(), "corrupt.ttf") {
		t.Errorf("unreadable %v, warnings %q; want corrupt.ttf in both", ds.Stats.Unreadable, warn.String())
	}
	if strings.Contains(warn.String(), "hidden") || strings.Contains(warn.String(), "readme") {
		t.Errorf("warnings mention hidden or non-font files: %q", warn.String())
	}
	_, err = Open(BuiltinFonts, Options{Res: 16, K: 2, FontDirs: []string{dir}, Strict: true})
	if err == nil || !strings.Contains(err.Error(), "corrupt.ttf") {
		t.Errorf("strict: error %v, want one naming corrupt.ttf", err)
	}
}

func BenchmarkOpenFonts64(b *testing.B) {
	for b.Loop() {
		if _, err := Open(BuiltinFonts, Options{Res: 64, K: 2}); err != nil {
			b.Fatal(err)
		}
	}
}
