package plot

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/vector"
)

// drawSeries strokes one series inside its panel, anti-aliased, lineWidth wide. Runs of finite points are
// joined; a point alone between gaps is drawn as a dot.
func drawSeries(img *image.RGBA, p *panel, s Series, col color.Color) {
	w, h := float64(p.rect.Dx()), float64(p.rect.Dy())
	r := vector.NewRasterizer(p.rect.Dx(), p.rect.Dy()) // clips to the panel
	ox, oy := float64(p.rect.Min.X), float64(p.rect.Min.Y)
	for _, run := range runs(p, s) {
		if len(run) == 1 { // a lone point: a small square
			segment(r, run[0].x-ox-lineWidth/2, run[0].y-oy, run[0].x-ox+lineWidth/2, run[0].y-oy, w, h)
		}
		for i := 1; i < len(run); i++ {
			segment(r, run[i-1].x-ox, run[i-1].y-oy, run[i].x-ox, run[i].y-oy, w, h)
		}
	}
	r.Draw(img, p.rect, image.NewUniform(col), image.Point{})
}

// point is a position in image pixels.
type point struct{ x, y float64 }

// runs maps a series to pixels and splits it at its non-finite points. Within a run, consecutive points that
// fall in the same pixel column are reduced to the first, lowest, highest and last of them (in their order):
// the drawn line looks the same, and 100k-step curves draw in milliseconds.
func runs(p *panel, s Series) [][]point {
	var out [][]point
	var run []point
	var group []point // consecutive points in one pixel column
	flushGroup := func() {
		if len(group) <= 4 {
			run = append(run, group...)
		} else {
			lo, hi := 0, 0
			for i, q := range group {
				if q.y < group[lo].y {
					lo = i
				}
				if q.y > group[hi].y {
					hi = i
				}
			}
			keep := []int{0, min(lo, hi), max(lo, hi), len(group) - 1}
			for i, k := range keep {
				if i == 0 || k != keep[i-1] {
					run = append(run, group[k])
				}
			}
		}
		group = group[:0]
	}
	flushRun := func() {
		flushGroup()
		if len(run) > 0 {
			out = append(out, run)
			run = nil
		}
	}
	for i := range s.X {
		if !finite(s.X[i], s.Y[i]) {
			flushRun()
			continue
		}
		x, y := p.toPixel(s.X[i], s.Y[i])
		if len(group) > 0 && math.Floor(x) != math.Floor(group[0].x) {
			flushGroup()
		}
		group = append(group, point{x, y})
	}
	flushRun()
	return out
}

// segment adds the line from (x0, y0) to (x1, y1), lineWidth wide with square caps, as a quadrilateral,
// after clipping it to the w×h area plus a margin. All quadrilaterals wind the same way, so where they overlap
// the rasterizer's coverage adds up (and saturates) instead of cancelling.
func segment(r *vector.Rasterizer, x0, y0, x1, y1, w, h float64) {
	const m = lineWidth + 1
	x0, y0, x1, y1, ok := clip(x0, y0, x1, y1, -m, -m, w+m, h+m)
	if !ok {
		return
	}
	dx, dy := x1-x0, y1-y0
	n := math.Hypot(dx, dy)
	if n < 1e-9 {
		dx, dy, n = 1, 0, 1 // a zero-length segment: draw its caps as a square
	}
	const half = lineWidth / 2
	ux, uy := dx/n*half, dy/n*half // along the segment, half a width long
	nx, ny := -uy, ux              // across it
	x0, y0, x1, y1 = x0-ux, y0-uy, x1+ux, y1+uy
	r.MoveTo(float32(x0+nx), float32(y0+ny))
	r.LineTo(float32(x1+nx), float32(y1+ny))
	r.LineTo(float32(x1-nx), float32(y1-ny))
	r.LineTo(float32(x0-nx), float32(y0-ny))
	r.ClosePath()
}

// clip cuts the segment (x0, y0)–(x1, y1) to the box [xmin, xmax]×[ymin, ymax] (Liang–Barsky);
// ok is false when nothing is left.
func clip(x0, y0, x1, y1, xmin, ymin, xmax, ymax float64) (float64, float64, float64, float64, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	// Each edge: p·t <= q keeps the point inside.
	for _, e := range [4][2]float64{{-dx, x0 - xmin}, {dx, xmax - x0}, {-dy, y0 - ymin}, {dy, ymax - y0}} {
		p, q := e[0], e[1]
		switch {
		case p == 0:
			if q < 0 {
				return 0, 0, 0, 0, false // parallel to this edge and outside it
			}
		case p < 0:
			t0 = max(t0, q/p)
		default:
			t1 = min(t1, q/p)
		}
	}
	if t0 > t1 {
		return 0, 0, 0, 0, false
	}
	return x0 + t0*dx, y0 + t0*dy, x0 + t1*dx, y0 + t1*dy, true
}

// drawLegend lists the named series of panel k in a framed box, in the panel corner with the fewest points
// under it (top right first on ties).
func drawLegend(img *image.RGBA, face font.Face, p *panel, series []Series, k int) {
	var names []string
	var cols []color.Color
	for i, s := range series {
		if s.Panel == k && s.Name != "" {
			names = append(names, s.Name)
			cols = append(cols, seriesColor(series, i))
		}
	}
	if len(names) == 0 {
		return
	}
	const pad, swatch, inset = 6, 20, 8
	rowH := face.Metrics().Height.Ceil() + 2
	textW := 0
	for _, n := range names {
		textW = max(textW, font.MeasureString(face, n).Ceil())
	}
	size := image.Pt(pad+swatch+6+textW+pad, pad+len(names)*rowH+pad-2)

	// Candidate corners, best first on ties; count the points each would hide.
	in := p.rect.Inset(inset)
	corners := []image.Point{
		{in.Max.X - size.X, in.Min.Y}, {in.Min.X, in.Min.Y},
		{in.Max.X - size.X, in.Max.Y - size.Y}, {in.Min.X, in.Max.Y - size.Y},
	}
	best, bestCount := corners[0], math.MaxInt
	for _, c := range corners {
		box := image.Rectangle{Min: c, Max: c.Add(size)}.Inset(-2)
		if count := covered(p, series, k, box); count < bestCount {
			best, bestCount = c, count
		}
	}

	box := image.Rectangle{Min: best, Max: best.Add(size)}
	fillRect(img, box, color.RGBA{255, 255, 255, 255})
	strokeRect(img, box, color.RGBA{200, 200, 200, 255})
	ascent := face.Metrics().Ascent.Ceil()
	capH := face.Metrics().CapHeight.Ceil()
	for i, n := range names {
		baseline := box.Min.Y + pad + i*rowH + ascent
		mid := baseline - capH/2
		fillRect(img, image.Rect(box.Min.X+pad, mid-1, box.Min.X+pad+swatch, mid+1), cols[i])
		drawText(img, face, ink, box.Min.X+pad+swatch+6, baseline, n)
	}
}

// covered counts how much of panel k's lines falls inside box: points sampled every few pixels along each
// line, so that a long straight segment counts as much as a dense run of data points.
func covered(p *panel, series []Series, k int, box image.Rectangle) int {
	const spacing = 3.0 // pixels between samples
	count := 0
	for _, s := range series {
		if s.Panel != k {
			continue
		}
		for _, run := range runs(p, s) {
			for i, q := range run {
				prev := q
				if i > 0 {
					prev = run[i-1]
				}
				// Samples at t = 1/n … 1 of the way from the previous point to this one.
				n := max(1, int(min(math.Hypot(q.x-prev.x, q.y-prev.y)/spacing, 1e4)))
				for j := 1; j <= n; j++ {
					t := float64(j) / float64(n)
					if image.Pt(int(prev.x+t*(q.x-prev.x)), int(prev.y+t*(q.y-prev.y))).In(box) {
						count++
					}
				}
			}
		}
	}
	return count
}
