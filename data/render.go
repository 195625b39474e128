package data

import (
	"fmt"
	"image"
	"image/draw"
	"math"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// glyphError is a glyph that a font claims to have but that could not be loaded.
type glyphError struct {
	source string // "<font label>:<glyph>"
	err    error
}

func (e *glyphError) Error() string { return fmt.Sprintf("load glyph %s: %v", e.source, e.err) }

func (e *glyphError) Unwrap() error { return e.err }

// glyphRenderer renders glyphs into res×res images; it holds scratch space, so use one per goroutine.
type glyphRenderer struct {
	res  int
	buf  sfnt.Buffer
	ras  *vector.Rasterizer
	mask *image.Alpha
}

func newGlyphRenderer(res int) *glyphRenderer {
	return &glyphRenderer{res: res, ras: vector.NewRasterizer(res, res), mask: image.NewAlpha(image.Rect(0, 0, res, res))}
}

// renderFace renders every glyph of Glyphs that f has: light glyphs (+1) on a dark background (−1), anti-aliased,
// each scaled to fit the box less a margin of res/16 pixels (at least 1) with its aspect ratio kept, and centred.
// Glyphs the font lacks, or whose outline is empty, are left out; glyphs that fail to load are returned as errors.
func (r *glyphRenderer) renderFace(f face, channels int) (Identity, []error) {
	id := Identity{Name: f.name}
	var errs []error
	for _, g := range Glyphs {
		src := fmt.Sprintf("%s:%c", f.label, g)
		x, err := f.font.GlyphIndex(&r.buf, g)
		if err != nil {
			errs = append(errs, &glyphError{src, err})
			continue
		}
		if x == 0 {
			continue // the font lacks this glyph
		}
		img, err := r.render(f.font, x, channels)
		if err != nil {
			errs = append(errs, &glyphError{src, err})
			continue
		}
		if img != nil {
			id.Images = append(id.Images, img)
			id.Sources = append(id.Sources, src)
		}
	}
	return id, errs
}

// render rasterises glyph x of f; it returns nil for an empty outline.
func (r *glyphRenderer) render(f *sfnt.Font, x sfnt.GlyphIndex, channels int) ([]float32, error) {
	upem := int(f.UnitsPerEm())
	segs, err := f.LoadGlyph(&r.buf, x, fixed.I(upem), nil) // coordinates in font units (26.6), y down
	if err != nil {
		return nil, err
	}
	minX, minY, maxX, maxY := outlineBounds(segs)
	w, h := maxX-minX, maxY-minY
	if len(segs) == 0 || w <= 0 || h <= 0 {
		return nil, nil
	}
	res := float32(r.res)
	margin := float32(max(1, r.res/16))
	scale := (res - 2*margin) / max(w, h)
	ox := (res-w*scale)/2 - minX*scale
	oy := (res-h*scale)/2 - minY*scale
	pt := func(p fixed.Point26_6) (float32, float32) { return float32(p.X)*scale + ox, float32(p.Y)*scale + oy }

	r.ras.Reset(r.res, r.res)
	r.ras.DrawOp = draw.Src
	started := false
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if started {
				r.ras.ClosePath()
			}
			started = true
			r.ras.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			r.ras.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			bx, by := pt(s.Args[0])
			cx, cy := pt(s.Args[1])
			r.ras.QuadTo(bx, by, cx, cy)
		case sfnt.SegmentOpCubeTo:
			bx, by := pt(s.Args[0])
			cx, cy := pt(s.Args[1])
			dx, dy := pt(s.Args[2])
			r.ras.CubeTo(bx, by, cx, cy, dx, dy)
		}
	}
	if started {
		r.ras.ClosePath()
	}
	r.ras.Draw(r.mask, r.mask.Rect, image.Opaque, image.Point{})

	img := make([]float32, r.res*r.res*channels)
	for i, a := range r.mask.Pix {
		v := float32(a)/127.5 - 1
		for c := range channels {
			img[i*channels+c] = v
		}
	}
	return img, nil
}

// outlineBounds returns the bounding box of the outline itself (not of its control points, which can stick out
// of curves), measured on 32 points per curve: within 0.2% of the glyph's size, far below a pixel.
func outlineBounds(segs sfnt.Segments) (minX, minY, maxX, maxY float32) {
	minX, minY = float32(math.Inf(1)), float32(math.Inf(1))
	maxX, maxY = float32(math.Inf(-1)), float32(math.Inf(-1))
	add := func(x, y float32) {
		minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
	}
	var px, py float32 // pen
	f := func(p fixed.Point26_6) (float32, float32) { return float32(p.X), float32(p.Y) }
	const steps = 32
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo, sfnt.SegmentOpLineTo:
			px, py = f(s.Args[0])
			add(px, py)
		case sfnt.SegmentOpQuadTo:
			bx, by := f(s.Args[0])
			cx, cy := f(s.Args[1])
			for i := 1; i <= steps; i++ {
				t := float32(i) / steps
				u := 1 - t
				add(u*u*px+2*u*t*bx+t*t*cx, u*u*py+2*u*t*by+t*t*cy)
			}
			px, py = cx, cy
		case sfnt.SegmentOpCubeTo:
			bx, by := f(s.Args[0])
			cx, cy := f(s.Args[1])
			dx, dy := f(s.Args[2])
			for i := 1; i <= steps; i++ {
				t := float32(i) / steps
				u := 1 - t
				add(u*u*u*px+3*u*u*t*bx+3*u*t*t*cx+t*t*t*dx, u*u*u*py+3*u*u*t*by+3*u*t*t*cy+t*t*t*dy)
			}
			px, py = dx, dy
		}
	}
	return minX, minY, maxX, maxY
}
