package serve

import (
	"sdgan/picture"

	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"
)

// refByte is the plain formula: round((v+1)/2·255), clamped, NaN → 0.
func refByte(v float32) uint8 {
	if math.IsNaN(float64(v)) {
		return 0
	}
	x := math.Round((float64(v) + 1) / 2 * 255)
	return uint8(math.Max(0, math.Min(255, x)))
}

// refPixel reads pixel (x, y) from an NHWC slice the slow way.
func refPixel(data []float32, res, channels, x, y int) color.NRGBA {
	at := func(c int) uint8 { return refByte(data[(y*res+x)*channels+c]) }
	if channels == 1 {
		g := at(0)
		return color.NRGBA{g, g, g, 255}
	}
	return color.NRGBA{at(0), at(1), at(2), 255}
}

func randomImage(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.Float64()*2.2 - 1.1)
	}
	return d
}

func TestGridImage(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ rows, cols, res, channels, pad int }{
		{1, 1, 1, 3, 0}, {1, 1, 3, 1, 2}, {2, 3, 5, 3, 1}, {3, 2, 4, 1, 0}, {5, 7, 3, 3, 3}, {2, 2, 150, 3, 4},
		{3, 1, 200, 1, 0},
	} {
		data := make([][]float32, c.rows*c.cols)
		for i := range data {
			data[i] = randomImage(rng, c.res*c.res*c.channels)
		}
		grid := picture.Grid(data, c.rows, c.cols, c.res, c.res, c.channels, c.pad)
		// Round-trip through PNG so the test also covers the encoder.
		b, err := encodePNG(newPNGEncoder(), grid, c.channels)
		if err != nil {
			t.Fatal(err)
		}
		// Noise does not compress: its PNG must still fit pngBound, the buffer the memory estimate counts.
		size := grid.Bounds().Size()
		if bound := pngBound(int64(size.X), int64(size.Y), int64(c.channels)); int64(cap(b)) != bound {
			t.Fatalf("%+v: PNG of %d bytes in a buffer of %d; want it within the bound, %d", c, len(b), cap(b), bound)
		}
		dec, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		w, h := c.cols*c.res+(c.cols+1)*c.pad, c.rows*c.res+(c.rows+1)*c.pad
		if got := dec.Bounds(); got != image.Rect(0, 0, w, h) {
			t.Fatalf("%+v: bounds %v, want %dx%d", c, got, w, h)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				// Reference: which cell, if any, covers (x, y)?
				want := color.NRGBA{255, 255, 255, 255}
				cx, cy := (x-c.pad)%(c.res+c.pad), (y-c.pad)%(c.res+c.pad)
				col, row := (x-c.pad)/(c.res+c.pad), (y-c.pad)/(c.res+c.pad)
				if x >= c.pad && y >= c.pad && cx < c.res && cy < c.res && col < c.cols && row < c.rows {
					want = refPixel(data[row*c.cols+col], c.res, c.channels, cx, cy)
				}
				got := color.NRGBAModel.Convert(dec.At(x, y)).(color.NRGBA)
				if got != want {
					t.Fatalf("%+v: pixel (%d,%d) = %v, want %v", c, x, y, got, want)
				}
			}
		}
	}
}
