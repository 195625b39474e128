package picture

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestToByte(t *testing.T) {
	tests := []struct {
		v    float32
		want uint8
	}{
		{-1, 0}, {1, 255}, {0, 128}, // 127.5 rounds up
		{-0.5, 64}, {0.5, 191}, {0.25, 159}, {0.75, 223}, {-0.75, 32}, // 63.75, 191.25, 159.375, 223.125, 31.875
		{-1 + 1.0/256, 0}, {-1 + 1.0/128, 1}, // 0.498…, 0.996…
		{-1.5, 0}, {-100, 0}, {1.5, 255}, {7, 255}, // clipped
		{float32(math.Inf(1)), 255}, {float32(math.Inf(-1)), 0}, {float32(math.NaN()), 0},
	}
	for _, tt := range tests {
		if got := ToByte(tt.v); got != tt.want {
			t.Errorf("ToByte(%v) = %d, want %d", tt.v, got, tt.want)
		}
	}
}

// slowPixel finds the bytes at output pixel (px, py) of a grid by working backwards from the pixel to its
// cell: the reference for Grid.
func slowPixel(images [][]float32, cols, h, w, c, padding, px, py int) []uint8 {
	white := []uint8{255, 255, 255}[:c]
	cellX, inX := (px-padding)/(w+padding), (px-padding)%(w+padding)
	cellY, inY := (py-padding)/(h+padding), (py-padding)%(h+padding)
	if px < padding || py < padding || inX >= w || inY >= h {
		return white
	}
	i := cellY*cols + cellX
	if i >= len(images) || images[i] == nil {
		return white
	}
	out := make([]uint8, c)
	for ch := range c {
		v := float64(images[i][(inY*w+inX)*c+ch])
		out[ch] = uint8(math.Floor(min(max((v+1)*127.5, 0), 255) + 0.5))
	}
	return out
}

// channels reads pixel (x, y) of a Gray or NRGBA image as c bytes, checking NRGBA's alpha is opaque.
func channels(t *testing.T, img image.Image, x, y, c int) []uint8 {
	t.Helper()
	switch im := img.(type) {
	case *image.Gray:
		if c != 1 {
			t.Fatalf("got *image.Gray for %d channels", c)
		}
		return []uint8{im.GrayAt(x, y).Y}
	case *image.NRGBA:
		if c != 3 {
			t.Fatalf("got *image.NRGBA for %d channels", c)
		}
		p := im.NRGBAAt(x, y)
		if p.A != 255 {
			t.Fatalf("pixel (%d, %d) has alpha %d, want 255", x, y, p.A)
		}
		return []uint8{p.R, p.G, p.B}
	default:
		t.Fatalf("unexpected image type %T", img)
		return nil
	}
}

func TestGridMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	tests := []struct {
		rows, cols, h, w, c, padding, n int // n images
	}{
		{2, 3, 3, 2, 1, 0, 6},
		{2, 3, 3, 2, 1, 2, 6},
		{2, 3, 3, 2, 3, 0, 6},
		{2, 3, 3, 2, 3, 2, 6},
		{1, 1, 5, 7, 3, 1, 1},
		{3, 2, 1, 1, 1, 3, 5}, // one empty cell
		{1, 5, 13, 11, 3, 1, 4},
		{6, 8, 4, 4, 3, 2, 48},
	}
	for _, tt := range tests {
		images := make([][]float32, tt.n)
		for i := range images {
			images[i] = make([]float32, tt.h*tt.w*tt.c)
			for j := range images[i] {
				images[i][j] = float32(rng.Float64()*3 - 1.5) // a third are out of [−1, 1]
			}
		}
		if tt.n > 2 {
			images[1] = nil // a nil image leaves its cell blank
		}
		img := Grid(images, tt.rows, tt.cols, tt.h, tt.w, tt.c, tt.padding)
		wantW := tt.cols*tt.w + (tt.cols+1)*tt.padding
		wantH := tt.rows*tt.h + (tt.rows+1)*tt.padding
		if b := img.Bounds(); b != image.Rect(0, 0, wantW, wantH) {
			t.Fatalf("%+v: bounds %v, want %dx%d", tt, b, wantW, wantH)
		}
		for y := range wantH {
			for x := range wantW {
				got := channels(t, img, x, y, tt.c)
				want := slowPixel(images, tt.cols, tt.h, tt.w, tt.c, tt.padding, x, y)
				if string(got) != string(want) {
					t.Fatalf("%+v: pixel (%d, %d) = %v, want %v", tt, x, y, got, want)
				}
			}
		}
	}
}

func TestGridByHand(t *testing.T) {
	// Two 1×2 gray images side by side with 1 pixel of white padding: a 7×3 image.
	img := Grid([][]float32{{-1, 0}, {1, -0.5}}, 1, 2, 1, 2, 1, 1).(*image.Gray)
	want := [][]uint8{
		{255, 255, 255, 255, 255, 255, 255},
		{255, 0, 128, 255, 255, 64, 255},
		{255, 255, 255, 255, 255, 255, 255},
	}
	for y, row := range want {
		for x, v := range row {
			if got := img.GrayAt(x, y).Y; got != v {
				t.Errorf("pixel (%d, %d) = %d, want %d", x, y, got, v)
			}
		}
	}
	// One 1×1 RGB image, no padding.
	rgb := ToImage([]float32{1, -1, 0.5}, 1, 1, 3).(*image.NRGBA)
	if got, want := rgb.NRGBAAt(0, 0), (color.NRGBA{255, 0, 191, 255}); got != want {
		t.Errorf("RGB pixel = %v, want %v", got, want)
	}
}

func TestGridPanics(t *testing.T) {
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"2 channels", func() { Grid(nil, 1, 1, 2, 2, 2, 0) }, "2 channels"},
		{"too many images", func() { Grid(make([][]float32, 3), 1, 2, 1, 1, 1, 0) }, "3 images for a 1×2 grid"},
		{"wrong length", func() { Grid([][]float32{make([]float32, 5)}, 1, 1, 2, 2, 1, 0) }, "image 0 has 5 values, want 2×2×1 = 4"},
		{"negative padding", func() { Grid(nil, 1, 1, 2, 2, 1, -1) }, "negative size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tt.want) {
					t.Fatalf("panic %v, want one containing %q", r, tt.want)
				}
			}()
			tt.call()
		})
	}
}

func TestSavePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	dir := t.TempDir()
	for _, c := range []int{1, 3} {
		images := make([][]float32, 5)
		for i := range images {
			images[i] = make([]float32, 7*5*c)
			for j := range images[i] {
				images[i][j] = float32(rng.Float64()*2 - 1)
			}
		}
		img := Grid(images, 2, 3, 7, 5, c, 1)
		path := filepath.Join(dir, "grid.png")
		if err := SavePNG(path, img); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		back, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if back.Bounds() != img.Bounds() {
			t.Fatalf("c=%d: decoded bounds %v, want %v", c, back.Bounds(), img.Bounds())
		}
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				got, want := color.NRGBAModel.Convert(back.At(x, y)), color.NRGBAModel.Convert(img.At(x, y))
				if got != want {
					t.Fatalf("c=%d: pixel (%d, %d) = %v after the PNG round trip, want %v", c, x, y, got, want)
				}
			}
		}
	}
	bad := filepath.Join(dir, "no-such-folder", "x.png")
	if err := SavePNG(bad, ToImage([]float32{0}, 1, 1, 1)); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("SavePNG into a missing folder: error %v, want one naming %s", err, bad)
	}
}
