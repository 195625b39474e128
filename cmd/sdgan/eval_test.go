package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sdgan/eval"
)

// evalWritePNG writes img as a PNG file under dir and returns its path.
func evalWritePNG(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(dir, name)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// evalRandRGBA returns a w×h opaque image of random pixels and the same pixels as float32 [h, w, 3].
func evalRandRGBA(rng *rand.Rand, w, h int) (*image.RGBA, []float32) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	px := make([]float32, 0, w*h*3)
	for y := range h {
		for x := range w {
			r, g, b := uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))
			img.SetRGBA(x, y, color.RGBA{r, g, b, 255})
			px = append(px, float32(r), float32(g), float32(b))
		}
	}
	return img, px
}

func TestEvalCommand(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	dir := t.TempDir()
	imgA, pxA := evalRandRGBA(rng, 37, 29)
	imgB, pxB := evalRandRGBA(rng, 37, 29)
	small, _ := evalRandRGBA(rng, 16, 16)
	a := evalWritePNG(t, dir, "a.png", imgA)
	b := evalWritePNG(t, dir, "b.png", imgB)
	s := evalWritePNG(t, dir, "small.png", small)
	gray := image.NewGray(image.Rect(0, 0, 5, 7))
	grayPx := make([]float32, 5*7)
	for i := range gray.Pix {
		gray.Pix[i] = uint8(rng.IntN(256))
		grayPx[i] = float32(gray.Pix[i])
	}
	gray2 := image.NewGray(gray.Rect)
	for i := range gray2.Pix {
		gray2.Pix[i] = gray.Pix[i] / 2
	}
	g1 := evalWritePNG(t, dir, "g1.png", gray)
	g2 := evalWritePNG(t, dir, "g2.png", gray2)
	gray2Px := make([]float32, len(gray2.Pix))
	for i, v := range gray2.Pix {
		gray2Px[i] = float32(v)
	}
	notImage := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notImage, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}

	wantMS, _ := eval.MSSSIM(pxA, pxB, 29, 37, 3, eval.MSSSIMOptions{SSIMOptions: eval.SSIMOptions{DataRange: 255}})
	wantS, _ := eval.SSIM(pxA, pxB, 29, 37, 3, eval.SSIMOptions{DataRange: 255})
	wantGray, _ := eval.MSSSIM(grayPx, gray2Px, 7, 5, 1, eval.MSSSIMOptions{SSIMOptions: eval.SSIMOptions{DataRange: 255}})

	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		value      float64 // printed number, checked when code is 0 and value is not NaN
		wantStderr string
	}{
		{"msssim", []string{"eval", "msssim", a, b}, 0, wantMS, ""},
		{"msssim same file", []string{"eval", "msssim", a, a}, 0, 1, ""},
		{"ssim", []string{"eval", "ssim", a, b}, 0, wantS, ""},
		{"grey images", []string{"eval", "msssim", g1, g2}, 0, wantGray, ""},
		{"help", []string{"eval", "msssim", "-h"}, 0, math.NaN(), "Usage: sdgan eval msssim A.png B.png"},
		{"no verb", []string{"eval"}, 2, 0, "no verb or --model given; want --model M ... or one of msssim, ssim"},
		{"model report without --out", []string{"eval", "--model", "run1"}, 2, 0, "--out: missing"},
		{"model report of a missing model", []string{"eval", "--model", filepath.Join(dir, "run1"), "--out", filepath.Join(dir, "r")}, 1, 0, "--model: model " + filepath.Join(dir, "run1")},
		{"one file", []string{"eval", "msssim", a}, 2, 0, "got 1 image files, want 2"},
		{"sizes differ", []string{"eval", "msssim", a, s}, 1, 0, a + " is 37×29 but " + s + " is 16×16"},
		{"missing file", []string{"eval", "ssim", a, filepath.Join(dir, "nope.png")}, 1, 0, "nope.png"},
		{"not an image", []string{"eval", "msssim", notImage, a}, 1, 0, "decode " + notImage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tc.wantStderr)
			}
			if code != 0 || math.IsNaN(tc.value) {
				return
			}
			got, err := strconv.ParseFloat(strings.TrimSpace(stdout.String()), 64)
			if err != nil || math.Abs(got-tc.value) > 5e-7 {
				t.Errorf("printed %q, want %.6f", stdout.String(), tc.value)
			}
		})
	}
}
