package data

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sdgan/internal/pngbomb"
)

// LoadImage preprocesses a file exactly as Open preprocesses the same file in a data set; DecodeImageBytes does the
// same from memory; both say whether the source has colour.
func TestLoadImageMatchesTheLoader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	root := t.TempDir()
	path := filepath.Join(root, "id", "a.png")
	writeImage(t, path, randomRGBA(rng, 45, 37))
	writeImage(t, filepath.Join(root, "id", "b.png"), randomRGBA(rng, 8, 8))
	for _, channels := range []int{1, 3} {
		ds, err := Open(root, Options{Res: 16, Channels: channels, K: 2})
		if err != nil {
			t.Fatal(err)
		}
		img, err := LoadImage(context.Background(), path, 16, channels, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(img.Pixels, ds.Identities[0].Images[0]) || img.Source != image.Pt(45, 37) || !img.Colour {
			t.Errorf("channels %d: LoadImage differs from the data loader (source %v, colour %v)", channels, img.Source, img.Colour)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		mem, err := DecodeImageBytes(context.Background(), "upload", b, 16, channels, 0)
		if err != nil || !slices.Equal(mem.Pixels, img.Pixels) {
			t.Errorf("channels %d: DecodeImageBytes differs from LoadImage (%v)", channels, err)
		}
	}
	// Grey content is grey, whatever the file's colour model.
	rgbGrey := image.NewNRGBA(image.Rect(0, 0, 9, 9))
	for i := range 81 {
		rgbGrey.Set(i%9, i/9, color.NRGBA{uint8(i), uint8(i), uint8(i), 255})
	}
	for name, m := range map[string]image.Image{"grey.png": randomGray(rng, 9, 9), "rgb-grey.png": rgbGrey} {
		p := filepath.Join(t.TempDir(), name)
		writeImage(t, p, m)
		img, err := LoadImage(context.Background(), p, 8, 3, 0)
		if err != nil || img.Colour {
			t.Errorf("%s: colour %v, error %v; want grey", name, img != nil && img.Colour, err)
		}
	}
}

// Files and uploads over the pixel limit are refused from their header, undecoded; broken ones name themselves.
func TestLoadImageRefuses(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.png")
	if err := pngbomb.WriteFile(bomb, 30000, 30000); err != nil {
		t.Fatal(err)
	}
	var tooLarge *TooLargeError
	if _, err := LoadImage(context.Background(), bomb, 32, 1, 0); !errors.As(err, &tooLarge) {
		t.Errorf("a 30000×30000 PNG: error %v; want a TooLargeError", err)
	}
	var b bytes.Buffer
	if err := pngbomb.Write(&b, 100, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeImageBytes(context.Background(), "upload 1", b.Bytes(), 32, 1, 50*50); !errors.As(err, &tooLarge) || !strings.Contains(err.Error(), "upload 1") {
		t.Errorf("a 100×100 upload with a 2500-pixel limit: error %v; want a TooLargeError naming it", err)
	}
	if _, err := DecodeImageBytes(context.Background(), "upload 2", []byte("not an image"), 32, 1, 0); err == nil || !strings.Contains(err.Error(), "upload 2") {
		t.Errorf("garbage: error %v; want one naming the upload", err)
	}
	if _, err := LoadImage(context.Background(), filepath.Join(dir, "missing.png"), 32, 1, 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: error %v", err)
	}
	if _, err := LoadImage(context.Background(), bomb, 32, 2, 0); err == nil || !strings.Contains(err.Error(), "2 channels") {
		t.Errorf("2 channels: error %v", err)
	}
}
