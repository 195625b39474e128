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
	"sdgan/model"
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

// `sdgan eval -h` shows the report's flags and the verbs.
func TestEvalHelpShowsFlags(t *testing.T) {
	for _, args := range [][]string{{"eval", "-h"}, {"help", "eval"}, {"eval", "--model", "m", "-h"}} {
		code, _, stderr := sdgan(args...)
		for _, want := range []string{"-model", "-verifier", "-pairs", "-out", "msssim", "ssim"} {
			if code != 0 || !strings.Contains(stderr, want) {
				t.Errorf("sdgan %q: exit %d, help lacks %q:\n%s", args, code, want, stderr)
			}
		}
	}
}

// --pairs past its limits is a usage error naming the limit: a fixed one, and the memory one at the model's size.
func TestEvalPairsLimit(t *testing.T) {
	ckpt := testCheckpoint(t, model.DefaultConfig(model.DCGAN, 32, 1))
	out := filepath.Join(t.TempDir(), "report")
	for _, tc := range []struct {
		pairs string
		want  string
	}{
		{"1000000", "--pairs 1000000: want 2 to 100000"},
		{"40000", "the limit is 32768 pairs"}, // 32×32 grey: 8 images of 4 KiB a pair, 1 GiB
		{"1", "--pairs 1: want 2"},
	} {
		code, _, stderr := sdgan("eval", "--model", ckpt, "--out", out, "--pairs", tc.pairs)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("--pairs %s: exit %d, stderr %q; want 2 and %q", tc.pairs, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused eval left %s behind", out)
	}
}

// An interrupted report exits 130 and leaves no report folder; so does one that fails after the first checks.
func TestEvalInterruptedOrFailedLeavesNoFolder(t *testing.T) {
	ckpt := testCheckpoint(t, model.DefaultConfig(model.DCGAN, 32, 1))
	parent := t.TempDir()
	out := filepath.Join(parent, "new", "report")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"eval", "--model", ckpt, "--out", out, "--pairs", "4"}, &stdout, &stderr); code != 130 {
		t.Errorf("eval with a cancelled context: exit %d, want 130; stderr %q", code, stderr.String())
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("an interrupted eval left %v in the output's parent", left)
	}

	// A generator of NaN weights draws NaN images, which cannot be measured: the report fails, and leaves nothing.
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range g.Params() {
		for i := range p.CPUData() {
			p.CPUData()[i] = float32(math.NaN())
		}
	}
	nan := filepath.Join(t.TempDir(), "nan.safetensors")
	if err := model.SaveCheckpoint(nan, cfg, 1, append(g.Params(), g.Buffers()...), nil); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := sdgan("eval", "--model", nan, "--out", out, "--pairs", "4"); code != 1 {
		t.Errorf("eval of a NaN generator: exit %d, want 1; stderr %q", code, stderr)
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("a failed eval left %v in the output's parent", left)
	}
}
