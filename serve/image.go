package serve

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"sync"
)

// toByte maps a generator value in [−1, 1] to a pixel byte: −1 → 0, 1 → 255, rounded to nearest; values
// outside the range are clamped and NaN becomes 0.
func toByte(v float32) uint8 {
	x := (float64(v) + 1) * 127.5
	switch {
	case !(x > 0): // also NaN
		return 0
	case x >= 255:
		return 255
	}
	return uint8(math.Round(x))
}

// toImage converts one NHWC image of res×res×channels values into an image: Gray for 1 channel, NRGBA for 3
// (opaque) or 4.
func toImage(data []float32, res, channels int) image.Image {
	if channels == 1 {
		img := image.NewGray(image.Rect(0, 0, res, res))
		for i, v := range data {
			img.Pix[i] = toByte(v)
		}
		return img
	}
	img := image.NewNRGBA(image.Rect(0, 0, res, res))
	for p := 0; p < res*res; p++ {
		src, dst := data[p*channels:(p+1)*channels], img.Pix[p*4:p*4+4]
		dst[0], dst[1], dst[2], dst[3] = toByte(src[0]), toByte(src[1]), toByte(src[2]), 255
		if channels == 4 {
			dst[3] = toByte(src[3])
		}
	}
	return img
}

// gridImage lays out rows×cols cells of res×res pixels, row-major, with pad pixels of white between cells and
// around the border: (cols·res + (cols+1)·pad) × (rows·res + (rows+1)·pad) pixels. The cells are what toImage
// returns, all of one type (*image.Gray or *image.NRGBA); the grid has that type too. It panics on other types.
func gridImage(cells []image.Image, rows, cols, res, pad int) image.Image {
	bounds := image.Rect(0, 0, cols*res+(cols+1)*pad, rows*res+(rows+1)*pad)
	var (
		grid image.Image
		pix  []byte
		bpp  int // bytes per pixel
	)
	if _, gray := cells[0].(*image.Gray); gray {
		g := image.NewGray(bounds)
		grid, pix, bpp = g, g.Pix, 1
	} else {
		g := image.NewNRGBA(bounds)
		grid, pix, bpp = g, g.Pix, 4
	}
	for i := range pix {
		pix[i] = 0xff // white and opaque
	}
	stride := bounds.Dx() * bpp
	for i, cell := range cells {
		var src []byte
		switch c := cell.(type) {
		case *image.Gray:
			src = c.Pix
		case *image.NRGBA:
			src = c.Pix
		}
		if len(src) != res*res*bpp {
			panic(fmt.Sprintf("serve: grid cell %d is a %T of %d bytes; expected %d", i, cell, len(src), res*res*bpp))
		}
		x0, y0 := pad+(i%cols)*(res+pad), pad+(i/cols)*(res+pad)
		for y := 0; y < res; y++ {
			copy(pix[(y0+y)*stride+x0*bpp:], src[y*res*bpp:(y+1)*res*bpp])
		}
	}
	return grid
}

// pngEncoder encodes with fast compression (grids are encoded on every request, and speed matters more than
// a few percent of size) and reuses its buffers through a sync.Pool, which png.Encoder documents as safe for
// concurrent use.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}

// pngBuffers is a png.EncoderBufferPool backed by a sync.Pool: a cache of encoder buffers, not state.
type pngBuffers struct{ pool sync.Pool }

func (p *pngBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// encodePNG encodes img as PNG.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
