package data

import (
	"math"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

func TestOutlineBoundsIgnoresControlPoints(t *testing.T) {
	p := func(x, y int) fixed.Point26_6 { return fixed.P(x, y) }
	cases := []struct {
		name                   string
		segs                   sfnt.Segments
		minX, minY, maxX, maxY float64 // in pixels (the segments are 26.6)
	}{
		{"triangle", sfnt.Segments{
			{Op: sfnt.SegmentOpMoveTo, Args: [3]fixed.Point26_6{p(1, 2)}},
			{Op: sfnt.SegmentOpLineTo, Args: [3]fixed.Point26_6{p(7, 3)}},
			{Op: sfnt.SegmentOpLineTo, Args: [3]fixed.Point26_6{p(4, -5)}},
		}, 1, -5, 7, 3},
		// The quad's control point is at y = 100 but the curve peaks at y = 50 (t = ½).
		{"quad", sfnt.Segments{
			{Op: sfnt.SegmentOpMoveTo, Args: [3]fixed.Point26_6{p(0, 0)}},
			{Op: sfnt.SegmentOpQuadTo, Args: [3]fixed.Point26_6{p(50, 100), p(100, 0)}},
		}, 0, 0, 100, 50},
		// The cubic's control points are at y = 80 but the curve peaks at 0.75·80 = 60 (t = ½).
		{"cubic", sfnt.Segments{
			{Op: sfnt.SegmentOpMoveTo, Args: [3]fixed.Point26_6{p(0, 0)}},
			{Op: sfnt.SegmentOpCubeTo, Args: [3]fixed.Point26_6{p(0, 80), p(30, 80), p(30, 0)}},
		}, 0, 0, 30, 60},
	}
	for _, c := range cases {
		x0, y0, x1, y1 := outlineBounds(c.segs)
		got := []float64{float64(x0) / 64, float64(y0) / 64, float64(x1) / 64, float64(y1) / 64}
		want := []float64{c.minX, c.minY, c.maxX, c.maxY}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 0.01 {
				t.Errorf("%s: bounds %v, want %v", c.name, got, want)
				break
			}
		}
	}
}
