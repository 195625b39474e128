// Package picture turns float32 image tensors into images: single pictures, grids of them, and PNG files.
//
// Images are NHWC float32 with values in [−1, 1] and C = 1 (gray) or 3 (RGB): pixel (y, x), channel ch of an
// h×w image is x[(y·w+x)·c+ch]. A value v becomes the byte (v+1)·127.5, clipped to [0, 255] and rounded to
// nearest (halves up); NaN becomes 0.
//
// Functions panic on misuse (a slice of the wrong length, C not 1 or 3, negative sizes), as gonum does,
// and return errors for failed I/O.
package picture

import (
	"fmt"
	"image"
	"image/png"
	"io"

	"sdgan/internal/atomicfile"
)

// ToByte maps a value in [−1, 1] to a pixel byte: (v+1)·127.5, clipped to [0, 255], rounded half up; NaN gives 0.
func ToByte(v float32) uint8 {
	f := (float64(v) + 1) * 127.5
	switch {
	case !(f > 0): // also NaN
		return 0
	case f >= 255:
		return 255
	default:
		return uint8(f + 0.5)
	}
}

// ToImage converts one h×w×c image (c = 1 or 3) to an *image.Gray (c = 1) or an opaque *image.NRGBA (c = 3).
// It panics if len(x) != h·w·c or c is neither 1 nor 3.
func ToImage(x []float32, h, w, c int) image.Image {
	return Grid([][]float32{x}, 1, 1, h, w, c, 0)
}

// padByte is the value of every channel of the padding and of empty cells: white.
const padByte = 255

// Grid lays images out in rows×cols cells of h×w×c pixels each: cell (r, col) shows images[r·cols+col].
// padding pixels of white separate the cells and surround the grid, so the result is
// (rows·h + (rows+1)·padding) high and (cols·w + (cols+1)·padding) wide; padding may be 0.
// Cells past len(images), and cells whose image is nil, are left white.
// The result is an *image.Gray for c = 1 and an opaque *image.NRGBA for c = 3.
//
// It panics if len(images) > rows·cols, if an image's length is not h·w·c, if c is neither 1 nor 3,
// or if a size is negative.
func Grid(images [][]float32, rows, cols, h, w, c, padding int) image.Image {
	if rows < 0 || cols < 0 || h < 0 || w < 0 || padding < 0 {
		panic(fmt.Sprintf("picture: negative size: %d×%d cells of %d×%d pixels, padding %d", rows, cols, h, w, padding))
	}
	if c != 1 && c != 3 {
		panic(fmt.Sprintf("picture: %d channels, want 1 or 3", c))
	}
	if len(images) > rows*cols {
		panic(fmt.Sprintf("picture: %d images for a %d×%d grid", len(images), rows, cols))
	}
	for i, x := range images {
		if x != nil && len(x) != h*w*c {
			panic(fmt.Sprintf("picture: image %d has %d values, want %d×%d×%d = %d", i, len(x), h, w, c, h*w*c))
		}
	}
	bounds := image.Rect(0, 0, cols*w+(cols+1)*padding, rows*h+(rows+1)*padding)

	// pix, stride and bpp (bytes per pixel) describe either image type, so one loop fills both.
	var (
		img         image.Image
		pix         []byte
		stride, bpp int
	)
	if c == 1 {
		g := image.NewGray(bounds)
		img, pix, stride, bpp = g, g.Pix, g.Stride, 1
	} else {
		n := image.NewNRGBA(bounds)
		img, pix, stride, bpp = n, n.Pix, n.Stride, 4
	}
	for i := range pix {
		pix[i] = padByte // also sets the NRGBA alpha to 255
	}
	for i, x := range images {
		if x == nil {
			continue
		}
		top := padding + (i/cols)*(h+padding)
		left := padding + (i%cols)*(w+padding)
		for y := range h {
			row := pix[(top+y)*stride+left*bpp:]
			for xx := range w {
				for ch := range c {
					row[xx*bpp+ch] = ToByte(x[(y*w+xx)*c+ch])
				}
			}
		}
	}
	return img
}

// SavePNG writes img as a PNG file at path, atomically (the previous file stays until the new one is complete).
func SavePNG(path string, img image.Image) error {
	err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
	if err != nil {
		return fmt.Errorf("picture: save PNG: %w", err)
	}
	return nil
}
