package pngbomb

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// TestDecodes decodes small bombs of several sizes, including remainders of 0, 1 and 257 bytes after the
// 258-byte matches, with the standard decoder: every pixel zero, and the stream checks out (Adler-32, length).
func TestDecodes(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {257, 1}, {128, 2}, {300, 200}, {1, 1000}, {1031, 77}} {
		var b bytes.Buffer
		if err := Write(&b, sz[0], sz[1]); err != nil {
			t.Fatal(err)
		}
		m, err := png.Decode(&b)
		if err != nil {
			t.Fatalf("%d×%d: %v", sz[0], sz[1], err)
		}
		g, ok := m.(*image.Gray)
		if !ok || g.Rect.Dx() != sz[0] || g.Rect.Dy() != sz[1] {
			t.Fatalf("%d×%d: decoded %T %v", sz[0], sz[1], m, m.Bounds())
		}
		for _, p := range g.Pix {
			if p != 0 {
				t.Fatalf("%d×%d: a pixel is %d", sz[0], sz[1], p)
			}
		}
	}
}

// TestSmall checks that a 30000×30000 bomb is small on disk and declares its size.
func TestSmall(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, 30000, 30000); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 6<<20 {
		t.Errorf("30000×30000 bomb is %d bytes; want at most 6 MiB", b.Len())
	}
	cfg, err := png.DecodeConfig(&b)
	if err != nil || cfg.Width != 30000 || cfg.Height != 30000 {
		t.Errorf("header: %+v, %v", cfg, err)
	}
	if err := Write(&b, 0, 5); err == nil {
		t.Error("a 0×5 bomb was written")
	}
}
