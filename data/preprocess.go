package data

import (
	"image"
	"image/color"
	"image/draw"
)

// preprocess turns m into a res×res image with the given channels (1 or 3), NHWC, in [−1, 1]: it crops the
// centred square, converts the colours (grey = 0.299R + 0.587G + 0.114B; grey → RGB replicates), resizes
// (resampleTaps) and scales each 8-bit value p to p/127.5 − 1. Transparent pixels are composited over black.
func preprocess(m image.Image, res, channels int) []float32 {
	b := m.Bounds()
	side := min(b.Dx(), b.Dy())
	corner := image.Pt(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2)
	rgba := image.NewRGBA(image.Rect(0, 0, side, side)) // premultiplied, so alpha composites over black
	draw.Draw(rgba, rgba.Rect, m, corner, draw.Src)

	planes := make([][]float32, channels)
	for c := range planes {
		planes[c] = make([]float32, side*side)
	}
	for i := range side * side {
		p := rgba.Pix[4*i : 4*i+3]
		r, g, bl := float32(p[0]), float32(p[1]), float32(p[2])
		if channels == 3 {
			planes[0][i], planes[1][i], planes[2][i] = r, g, bl
			continue
		}
		if p[0] == p[1] && p[1] == p[2] {
			planes[0][i] = r // grey stays exact
		} else {
			planes[0][i] = 0.299*r + 0.587*g + 0.114*bl
		}
	}

	out := make([]float32, res*res*channels)
	for c, pl := range planes {
		if side != res {
			pl = resizePlane(pl, side, res)
		}
		for i, v := range pl {
			out[i*channels+c] = min(max(v/127.5-1, -1), 1)
		}
	}
	return out
}

// sourceChannels classifies m for the statistics: 1 grey, 3 colour, 4 colour with transparent pixels.
func sourceChannels(m image.Image) int {
	switch m.ColorModel() {
	case color.GrayModel, color.Gray16Model:
		return 1
	}
	if o, ok := m.(interface{ Opaque() bool }); ok && !o.Opaque() {
		return 4
	}
	return 3
}
