package data

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomRGBA returns a w×h opaque image of random colours.
func randomRGBA(rng *rand.Rand, w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	return m
}

// randomGray returns a w×h image of random grey levels.
func randomGray(rng *rand.Rand, w, h int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
	}
	return m
}

// writeImage encodes m by the extension of path (.png, .jpg, .gif) and writes it, creating folders.
func writeImage(t *testing.T, path string, m image.Image) {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		err = png.Encode(&b, m)
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&b, m, &jpeg.Options{Quality: 95})
	case ".gif":
		err = gif.Encode(&b, m, nil)
	default:
		t.Fatalf("writeImage %s: unknown extension", path)
	}
	if err != nil {
		t.Fatalf("encode %s: %v", path, err)
	}
	writeBytes(t, path, b.Bytes())
}

// writeBytes writes data to path, creating folders.
func writeBytes(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
