package plot

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Colours of everything but the series (read-only).
var (
	background = color.RGBA{255, 255, 255, 255}
	ink        = color.RGBA{34, 34, 34, 255}    // text
	frame      = color.RGBA{110, 110, 110, 255} // panel border and tick marks
	gridColor  = color.RGBA{232, 232, 232, 255}
)

// Sizes, in pixels.
const (
	lineWidth = 1.4 // width of the series lines
	tickLen   = 4   // tick marks, outside the panel
	panelGap  = 14  // between stacked panels
	margin    = 12  // around the whole chart
)

// panel is one plot area and its data-to-pixel mapping.
type panel struct {
	rect                   image.Rectangle // the plot area, inside the frame
	title                  string
	xmin, xmax, ymin, ymax float64
	yticks                 []float64
	ylabels                []string
}

// toPixel maps data coordinates to image coordinates (continuous: pixel (i, j) covers [i, i+1)×[j, j+1)).
func (p *panel) toPixel(x, y float64) (float64, float64) {
	px := float64(p.rect.Min.X) + (x-p.xmin)/(p.xmax-p.xmin)*float64(p.rect.Dx())
	py := float64(p.rect.Max.Y) - (y-p.ymin)/(p.ymax-p.ymin)*float64(p.rect.Dy())
	return px, py
}

// faces holds the fonts of one chart (font faces are not safe for concurrent use, so each call makes its own).
type faces struct{ text, title font.Face }

func newFaces() (faces, error) {
	regular, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return faces{}, fmt.Errorf("plot: load font: %w", err)
	}
	bold, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return faces{}, fmt.Errorf("plot: load font: %w", err)
	}
	text, err := opentype.NewFace(regular, &opentype.FaceOptions{Size: 12, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return faces{}, fmt.Errorf("plot: load font: %w", err)
	}
	title, err := opentype.NewFace(bold, &opentype.FaceOptions{Size: 15, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return faces{}, fmt.Errorf("plot: load font: %w", err)
	}
	return faces{text, title}, nil
}

// render draws the chart and returns its panels, for tests to find where things went.
func render(title string, series []Series, opt Options) (*image.RGBA, []*panel, error) {
	npanels, err := check(series, &opt)
	if err != nil {
		return nil, nil, err
	}
	ff, err := newFaces()
	if err != nil {
		return nil, nil, err
	}
	textH := ff.text.Metrics().Height.Ceil()

	// Vertical layout: title, then each panel (with its title above it), then the x tick labels and x label.
	top := margin
	if title != "" {
		top += ff.title.Metrics().Height.Ceil() + 6
	}
	panelTitleH := 0
	for _, t := range opt.Panels {
		if t != "" {
			panelTitleH = textH + 2
		}
	}
	bottom := margin + tickLen + 3 + textH
	if opt.XLabel != "" {
		bottom += textH + 4
	}
	avail := opt.Height - top - bottom - npanels*panelTitleH - (npanels-1)*panelGap
	panelH := avail / npanels
	if panelH < 40 {
		return nil, nil, fmt.Errorf("plot: %d panels do not fit in %d pixels of height", npanels, opt.Height)
	}

	// Axes: one x range for all panels, a y range for each.
	xmin, xmax := opt.XRange.Min, opt.XRange.Max
	if opt.XRange == (Range{}) {
		xmin, xmax, _ = dataRange(series, func(Series) bool { return true }, func(s Series, i int) float64 { return s.X[i] })
		xmin, xmax = widen(xmin, xmax)
	}
	panels := make([]*panel, npanels)
	labelW := 0
	for k := range panels {
		p := &panel{xmin: xmin, xmax: xmax, ymin: opt.YRange.Min, ymax: opt.YRange.Max}
		if k < len(opt.Panels) {
			p.title = opt.Panels[k]
		}
		if opt.YRange == (Range{}) {
			lo, hi, ok := dataRange(series, func(s Series) bool { return s.Panel == k }, func(s Series, i int) float64 { return s.Y[i] })
			if !ok {
				lo, hi = 0, 1 // an empty panel still gets axes
			}
			lo, hi = widen(lo, hi)
			pad := 0.05 * (hi - lo)
			p.ymin, p.ymax = lo-pad, hi+pad
		}
		var step float64
		p.yticks, step = niceTicks(p.ymin, p.ymax, max(4, panelH/28))
		p.ylabels = tickLabels(p.yticks, step)
		for _, l := range p.ylabels {
			labelW = max(labelW, font.MeasureString(ff.text, l).Ceil())
		}
		panels[k] = p
	}
	left := margin + labelW + tickLen + 4
	right := opt.Width - margin - 8
	y := top
	for _, p := range panels {
		y += panelTitleH
		p.rect = image.Rect(left, y, right, y+panelH)
		y += panelH + panelGap
	}
	xticks, xstep := niceTicks(xmin, xmax, max(3, (right-left)/80))
	xlabels := tickLabels(xticks, xstep)

	img := image.NewRGBA(image.Rect(0, 0, opt.Width, opt.Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)
	if title != "" {
		w := font.MeasureString(ff.title, title).Ceil()
		drawText(img, ff.title, ink, (opt.Width-w)/2, margin+ff.title.Metrics().Ascent.Ceil(), title)
	}
	capH := ff.text.Metrics().CapHeight.Ceil()
	for k, p := range panels {
		// Grid lines, then the frame, ticks and labels.
		for _, v := range xticks {
			px, _ := p.toPixel(v, p.ymin)
			fillRect(img, image.Rect(int(px), p.rect.Min.Y, int(px)+1, p.rect.Max.Y), gridColor)
		}
		for i, v := range p.yticks {
			_, py := p.toPixel(p.xmin, v)
			row := min(int(py), p.rect.Max.Y-1)
			fillRect(img, image.Rect(p.rect.Min.X, row, p.rect.Max.X, row+1), gridColor)
			fillRect(img, image.Rect(p.rect.Min.X-tickLen-1, row, p.rect.Min.X-1, row+1), frame)
			w := font.MeasureString(ff.text, p.ylabels[i]).Ceil()
			drawText(img, ff.text, ink, p.rect.Min.X-tickLen-4-w, row+capH/2, p.ylabels[i])
		}
		if p.title != "" {
			drawText(img, ff.text, ink, p.rect.Min.X, p.rect.Min.Y-4-ff.text.Metrics().Descent.Ceil(), p.title)
		}
		for i, s := range series {
			if s.Panel == k {
				drawSeries(img, p, s, seriesColor(series, i))
			}
		}
		strokeRect(img, p.rect.Inset(-1), frame)
		drawLegend(img, ff.text, p, series, k)
	}

	// x ticks and labels under the bottom panel.
	last := panels[len(panels)-1]
	for i, v := range xticks {
		px, _ := last.toPixel(v, last.ymin)
		col := min(int(px), last.rect.Max.X-1)
		fillRect(img, image.Rect(col, last.rect.Max.Y+1, col+1, last.rect.Max.Y+1+tickLen), frame)
		w := font.MeasureString(ff.text, xlabels[i]).Ceil()
		x := min(max(col-w/2, 0), opt.Width-w)
		drawText(img, ff.text, ink, x, last.rect.Max.Y+tickLen+3+ff.text.Metrics().Ascent.Ceil(), xlabels[i])
	}
	if opt.XLabel != "" {
		w := font.MeasureString(ff.text, opt.XLabel).Ceil()
		x := (last.rect.Min.X + last.rect.Max.X - w) / 2
		drawText(img, ff.text, ink, x, opt.Height-margin-ff.text.Metrics().Descent.Ceil(), opt.XLabel)
	}
	return img, panels, nil
}

// seriesColor is series i's own colour, or the palette's.
func seriesColor(series []Series, i int) color.Color {
	if series[i].Color != nil {
		return series[i].Color
	}
	return palette[i%len(palette)]
}

// drawText writes s with its baseline starting at (x, y).
func drawText(img *image.RGBA, face font.Face, col color.Color, x, y int, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// fillRect paints r (clipped to the image) with col.
func fillRect(img *image.RGBA, r image.Rectangle, col color.Color) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.NewUniform(col), image.Point{}, draw.Src)
}

// strokeRect draws the one-pixel outline just inside r.
func strokeRect(img *image.RGBA, r image.Rectangle, col color.Color) {
	fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), col)
	fillRect(img, image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y), col)
	fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), col)
	fillRect(img, image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y), col)
}
