// Package plot draws line charts as PNG files: training curves (losses, k_t, the convergence measure M over
// steps) and ROC curves. Several named series share axes, or sit in panels stacked over a shared x axis;
// each panel has numbered ticks, light grid lines and a legend placed in its emptiest corner.
//
// Points with a NaN or infinite coordinate are skipped and break the line. Dense series (more points than
// pixel columns, such as 100k training steps) are reduced to each column's first, lowest, highest and last
// point before drawing, which looks the same and keeps a chart to tens of milliseconds.
package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"sdgan/internal/atomicfile"
)

// Series is one line: the points (X[i], Y[i]), joined in order.
type Series struct {
	Name  string      // shown in the legend; an empty name leaves the series out of it
	X, Y  []float64   // same length
	Panel int         // which stacked panel (0 = top) draws it; series in a panel share its y axis
	Color color.Color // nil picks the next colour of the palette, by the series' position in the list
}

// Range fixes an axis to [Min, Max]. The zero Range means "fit the data".
type Range struct{ Min, Max float64 }

// Options controls the chart's size and axes. The zero Options gives an 800×500 chart fitted to the data.
type Options struct {
	Width, Height int      // pixels; 0 means 800 and 500
	XLabel        string   // under the x axis, e.g. "step" or "false positive rate"
	Panels        []string // titles of the stacked panels, top to bottom, e.g. "loss", "k_t"; may be shorter
	XRange        Range    // e.g. {0, 1} for ROC curves
	YRange        Range    // applies to every panel
}

// Lines draws the series as a chart titled title (empty: no title) and writes it as a PNG file at path,
// atomically. It fails when there is nothing to draw: no series, or no finite point at all.
func Lines(path, title string, series []Series, opt Options) error {
	img, err := Render(title, series, opt)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// Render draws the chart that Lines would write, as an image.
func Render(title string, series []Series, opt Options) (*image.RGBA, error) {
	img, _, err := render(title, series, opt)
	return img, err
}

// palette holds well-separated colours for lines on white (matplotlib's "tab10"); read-only.
var palette = [...]color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
}

// check validates the input and fills in defaults; it returns the number of panels.
func check(series []Series, opt *Options) (int, error) {
	if opt.Width == 0 {
		opt.Width = 800
	}
	if opt.Height == 0 {
		opt.Height = 500
	}
	if opt.Width < 200 || opt.Height < 150 {
		return 0, fmt.Errorf("plot: size %d×%d is too small, want at least 200×150", opt.Width, opt.Height)
	}
	for _, r := range []struct {
		name string
		r    Range
	}{{"XRange", opt.XRange}, {"YRange", opt.YRange}} {
		if r.r != (Range{}) && !(r.r.Min < r.r.Max) || math.IsInf(r.r.Min, 0) || math.IsInf(r.r.Max, 0) {
			return 0, fmt.Errorf("plot: %s [%v, %v]: want finite Min < Max", r.name, r.r.Min, r.r.Max)
		}
	}
	if len(series) == 0 {
		return 0, errors.New("plot: no series to draw")
	}
	panels, points := 1, 0
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return 0, fmt.Errorf("plot: series %d (%q) has %d x values and %d y values", i, s.Name, len(s.X), len(s.Y))
		}
		if s.Panel < 0 {
			return 0, fmt.Errorf("plot: series %d (%q) has panel %d, want >= 0", i, s.Name, s.Panel)
		}
		panels = max(panels, s.Panel+1)
		for j := range s.X {
			if finite(s.X[j], s.Y[j]) {
				points++
			}
		}
	}
	if points == 0 {
		return 0, errors.New("plot: no finite points to draw")
	}
	return panels, nil
}

// finite reports whether a point can be drawn.
func finite(x, y float64) bool {
	return !math.IsNaN(x) && !math.IsInf(x, 0) && !math.IsNaN(y) && !math.IsInf(y, 0)
}
