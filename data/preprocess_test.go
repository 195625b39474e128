package data

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// TestPreprocessSameSize checks colour conversion and scaling pixel by pixel against the formulas, at a size where
// no resizing happens.
func TestPreprocessSameSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rgb := randomRGBA(rng, 11, 11)
	grey := randomGray(rng, 11, 11)
	cases := []struct {
		name     string
		m        image.Image
		channels int
		want     func(x, y, c int) float64 // 8-bit value before scaling
	}{
		{"rgb to rgb", rgb, 3, func(x, y, c int) float64 { return float64(rgb.Pix[rgb.PixOffset(x, y)+c]) }},
		{"rgb to grey", rgb, 1, func(x, y, c int) float64 {
			p := rgb.Pix[rgb.PixOffset(x, y):]
			return 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
		}},
		{"grey to grey", grey, 1, func(x, y, c int) float64 { return float64(grey.GrayAt(x, y).Y) }},
		{"grey to rgb", grey, 3, func(x, y, c int) float64 { return float64(grey.GrayAt(x, y).Y) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := preprocess(tc.m, 11, tc.channels)
			if len(got) != 11*11*tc.channels {
				t.Fatalf("len %d, want %d", len(got), 11*11*tc.channels)
			}
			for y := range 11 {
				for x := range 11 {
					for c := range tc.channels {
						want := tc.want(x, y, c)/127.5 - 1
						if g := got[(y*11+x)*tc.channels+c]; math.Abs(float64(g)-want) > 1e-5 {
							t.Fatalf("(%d,%d,%d): got %v, want %v", x, y, c, g, want)
						}
					}
				}
			}
		})
	}
}

// TestPreprocessCropsCentre puts a 5-pixel-wide bright square between dark side bands: the centre crop of the
// 9×5 image is exactly the bright square, for landscape and portrait, from a non-zero origin.
func TestPreprocessCropsCentre(t *testing.T) {
	for _, r := range []image.Rectangle{image.Rect(3, 7, 12, 12), image.Rect(-2, 1, 3, 10)} {
		m := image.NewGray(r)
		side := min(r.Dx(), r.Dy())
		inner := image.Rect(0, 0, side, side).Add(r.Min).Add(image.Pt((r.Dx()-side)/2, (r.Dy()-side)/2))
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if (image.Point{x, y}).In(inner) {
					m.SetGray(x, y, color.Gray{200})
				} else {
					m.SetGray(x, y, color.Gray{10})
				}
			}
		}
		for i, v := range preprocess(m, 8, 1) {
			if want := float32(200/127.5 - 1); math.Abs(float64(v-want)) > 1e-5 {
				t.Fatalf("rect %v pixel %d: got %v, want %v (only the centred square)", r, i, v, want)
			}
		}
	}
}

func TestPreprocessRangeAndAlpha(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
	}
	for _, res := range []int{8, 13, 64} {
		for _, v := range preprocess(m, res, 3) {
			if v < -1 || v > 1 || math.IsNaN(float64(v)) {
				t.Fatalf("res %d: value %v outside [−1, 1]", res, v)
			}
		}
	}
	// Half-transparent white over black is mid grey: 255·128/255 = 128.
	half := image.NewNRGBA(image.Rect(0, 0, 3, 3))
	for i := 0; i < len(half.Pix); i += 4 {
		half.Pix[i], half.Pix[i+1], half.Pix[i+2], half.Pix[i+3] = 255, 255, 255, 128
	}
	for _, v := range preprocess(half, 8, 1) {
		if want := float32(128/127.5 - 1); math.Abs(float64(v-want)) > 1e-5 {
			t.Fatalf("half-transparent white: got %v, want %v", v, want)
		}
	}
	if got := sourceChannels(half); got != 4 {
		t.Errorf("sourceChannels(translucent NRGBA) = %d, want 4", got)
	}
	if got := sourceChannels(randomGray(rng, 2, 2)); got != 1 {
		t.Errorf("sourceChannels(Gray) = %d, want 1", got)
	}
	if got := sourceChannels(randomRGBA(rng, 2, 2)); got != 3 {
		t.Errorf("sourceChannels(opaque RGBA) = %d, want 3", got)
	}
}
