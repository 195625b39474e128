package plot

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	red  = color.RGBA{200, 0, 0, 255}
	blue = color.RGBA{0, 0, 200, 255}
)

// near reports whether pixel (x, y) is within tol of col in every channel.
func near(img *image.RGBA, x, y int, col color.RGBA, tol int) bool {
	c := img.RGBAAt(x, y)
	d := func(a, b uint8) bool { return int(a)-int(b) <= tol && int(b)-int(a) <= tol }
	return d(c.R, col.R) && d(c.G, col.G) && d(c.B, col.B)
}

// nearAround reports whether a pixel within one row of (x, y) is near col: an anti-aliased 1.4-pixel line
// centred on a pixel boundary covers two rows partly.
func nearAround(img *image.RGBA, x, y int, col color.RGBA) bool {
	return near(img, x, y-1, col, 70) || near(img, x, y, col, 70) || near(img, x, y+1, col, 70)
}

func line(n int, f func(x float64) float64) (xs, ys []float64) {
	for i := range n {
		x := float64(i) / float64(n-1)
		xs, ys = append(xs, x), append(ys, f(x))
	}
	return xs, ys
}

func TestLinesWritesPNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs, ys := line(1001, func(x float64) float64 { return math.Exp(-3*x) + 0.05*rng.NormFloat64() })
	dir := t.TempDir()
	for _, size := range []image.Point{{0, 0}, {640, 480}, {333, 211}} {
		path := filepath.Join(dir, "chart.png")
		err := Lines(path, "loss", []Series{{Name: "D", X: xs, Y: ys}}, Options{Width: size.X, Height: size.Y, XLabel: "step"})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%v: written file does not decode: %v", size, err)
		}
		want := size
		if want == (image.Point{}) {
			want = image.Pt(800, 500)
		}
		if got := img.Bounds().Size(); got != want {
			t.Errorf("PNG is %v, want %v", got, want)
		}
	}
	bad := filepath.Join(dir, "missing", "chart.png")
	if err := Lines(bad, "", []Series{{X: xs, Y: ys}}, Options{}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Lines into a missing folder: error %v, want one naming %s", err, bad)
	}
}

func TestSeriesDrawnInPlace(t *testing.T) {
	lowX, lowY := line(7, func(float64) float64 { return 0.25 })
	diagX, diagY := line(2, func(x float64) float64 { return x })
	series := []Series{
		{X: lowX, Y: lowY, Color: red}, // no names: no legend over the lines
		{X: diagX, Y: diagY, Color: blue},
	}
	img, panels, err := render("", series, Options{XRange: Range{0, 1}, YRange: Range{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	p := panels[0]
	// The panel must take most of the image, so the mapping tested below means something.
	if p.rect.Dx() < 600 || p.rect.Dy() < 350 || !p.rect.In(img.Bounds()) {
		t.Fatalf("plot area %v in an 800×500 image", p.rect)
	}
	for _, x := range []float64{0.05, 0.4, 0.6, 0.95} { // away from the crossing at 0.25
		px, py := p.toPixel(x, 0.25)
		if !nearAround(img, int(px), int(py), red) {
			t.Errorf("red line missing at x=%v, pixel (%d, %d) = %v", x, int(px), int(py), img.RGBAAt(int(px), int(py)))
		}
		if near(img, int(px), int(py)-8, red, 100) || near(img, int(px), int(py)+8, red, 100) {
			t.Errorf("red found 8 pixels off its line at x=%v", x)
		}
		dx, dy := p.toPixel(x, x)
		if !nearAround(img, int(dx), int(dy), blue) {
			t.Errorf("blue diagonal missing at x=%v, pixel (%d, %d) = %v", x, int(dx), int(dy), img.RGBAAt(int(dx), int(dy)))
		}
	}
	// The lower line is in the lower half of the panel, and nothing red is left of the panel.
	if _, py := p.toPixel(0.5, 0.25); int(py) < (p.rect.Min.Y+p.rect.Max.Y)/2 {
		t.Errorf("y=0.25 maps to row %d, in the upper half of %v", int(py), p.rect)
	}
	for x := 0; x < p.rect.Min.X-2; x++ {
		for y := range img.Bounds().Dy() {
			if near(img, x, y, red, 60) {
				t.Fatalf("red pixel at (%d, %d), outside the plot area %v", x, y, p.rect)
			}
		}
	}
}

func TestNaNBreaksTheLine(t *testing.T) {
	xs := []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}
	ys := []float64{0.5, 0.5, 0.5, math.NaN(), math.NaN(), 0.5, 0.5, math.Inf(1), 0.5, 0.5, 0.5}
	xs[9] = math.NaN()
	img, panels, err := render("", []Series{{X: xs, Y: ys, Color: red}}, Options{XRange: Range{0, 1}, YRange: Range{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	p := panels[0]
	tests := []struct {
		x    float64
		want bool
	}{
		{0.15, true}, {0.3, false}, {0.35, false}, {0.55, true}, {0.7, false}, // 0.6 and 0.8 are lone points
		{0.8, true}, {0.9, false}, {0.95, false},
	}
	for _, tt := range tests {
		px, py := p.toPixel(tt.x, 0.5)
		if got := nearAround(img, int(px), int(py), red); got != tt.want {
			t.Errorf("x=%v: line drawn = %v, want %v", tt.x, got, tt.want)
		}
	}
}

func TestStackedPanels(t *testing.T) {
	xs, ys := line(50, func(x float64) float64 { return x * x })
	img, panels, err := render("run", []Series{
		{Name: "D", X: xs, Y: ys, Color: red},
		{Name: "k_t", X: xs, Y: ys, Color: blue, Panel: 2},
	}, Options{Panels: []string{"loss", "", "k_t"}, XLabel: "step"})
	if err != nil {
		t.Fatal(err)
	}
	if len(panels) != 3 {
		t.Fatalf("%d panels, want 3", len(panels))
	}
	for k := 1; k < 3; k++ {
		if panels[k].rect.Min.Y <= panels[k-1].rect.Max.Y {
			t.Errorf("panel %d %v overlaps panel %d %v", k, panels[k].rect, k-1, panels[k-1].rect)
		}
	}
	count := func(r image.Rectangle, col color.RGBA) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if near(img, x, y, col, 40) {
					n++
				}
			}
		}
		return n
	}
	if count(panels[0].rect, red) < 100 || count(panels[0].rect, blue) != 0 {
		t.Errorf("panel 0: %d red and %d blue pixels, want a red line only", count(panels[0].rect, red), count(panels[0].rect, blue))
	}
	if count(panels[1].rect, red)+count(panels[1].rect, blue) != 0 {
		t.Error("empty panel 1 has coloured pixels")
	}
	if count(panels[2].rect, blue) < 100 || count(panels[2].rect, red) != 0 {
		t.Errorf("panel 2: %d red and %d blue pixels, want a blue line only", count(panels[2].rect, red), count(panels[2].rect, blue))
	}
}

func TestLegendAvoidsData(t *testing.T) {
	// A line along the top of the panel: the legend must go to a bottom corner.
	xs, ys := line(200, func(x float64) float64 { return 0.95 })
	img, panels, err := render("", []Series{{Name: "a rather long series name", X: xs, Y: ys, Color: red}},
		Options{XRange: Range{0, 1}, YRange: Range{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	p := panels[0]
	_, lineY := p.toPixel(0, 0.95)
	// The legend's swatch is a short red dash well below the line.
	found := false
	for y := int(lineY) + 20; y < p.rect.Max.Y; y++ {
		for x := p.rect.Min.X; x < p.rect.Max.X; x++ {
			if near(img, x, y, red, 40) {
				found = true
			}
		}
	}
	if !found {
		t.Error("no legend swatch found below the line")
	}
}

func TestRejects(t *testing.T) {
	xs := []float64{0, 1}
	tests := []struct {
		name   string
		series []Series
		opt    Options
		want   string
	}{
		{"no series", nil, Options{}, "no series"},
		{"only NaN", []Series{{X: xs, Y: []float64{math.NaN(), math.Inf(-1)}}}, Options{}, "no finite points"},
		{"empty series", []Series{{Name: "D"}}, Options{}, "no finite points"},
		{"length mismatch", []Series{{Name: "D", X: xs, Y: []float64{1}}}, Options{}, `series 0 ("D") has 2 x values and 1 y values`},
		{"negative panel", []Series{{Name: "G", X: xs, Y: xs, Panel: -1}}, Options{}, `series 0 ("G") has panel -1`},
		{"too small", []Series{{X: xs, Y: xs}}, Options{Width: 100, Height: 100}, "too small"},
		{"too many panels", []Series{{X: xs, Y: xs, Panel: 20}}, Options{}, "21 panels do not fit"},
		{"reversed range", []Series{{X: xs, Y: xs}}, Options{XRange: Range{1, 0}}, "XRange [1, 0]"},
		{"NaN range", []Series{{X: xs, Y: xs}}, Options{YRange: Range{0, math.NaN()}}, "YRange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render("t", tt.series, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			path := filepath.Join(t.TempDir(), "x.png")
			if err := Lines(path, "t", tt.series, tt.opt); err == nil {
				t.Fatal("Lines succeeded")
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Error("a failed Lines left a file")
			}
		})
	}
}

func TestOutOfRangeIsClipped(t *testing.T) {
	xs := []float64{-1e12, 0.2, 0.5, 0.8, 1e15}
	ys := []float64{0.5, -1e300, 0.5, 1e300, 0.5}
	img, panels, err := render("", []Series{{X: xs, Y: ys, Color: red}}, Options{XRange: Range{0, 1}, YRange: Range{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	p := panels[0]
	inside := 0
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			if c := img.RGBAAt(x, y); int(c.R)-int(c.G) > 60 { // reddish, even where anti-aliasing blends it
				if !image.Pt(x, y).In(p.rect) {
					t.Fatalf("red pixel at (%d, %d), outside the plot area %v", x, y, p.rect)
				}
				inside++
			}
		}
	}
	if inside < 100 {
		t.Errorf("only %d red pixels inside the plot area: the clipped lines are missing", inside)
	}
}

func BenchmarkRender(b *testing.B) {
	// Three curves of 100k steps each, as a long training run logs them.
	rng := rand.New(rand.NewPCG(3, 4))
	var series []Series
	for k := range 3 {
		xs, ys := make([]float64, 100_000), make([]float64, 100_000)
		for i := range xs {
			xs[i], ys[i] = float64(i), rng.NormFloat64()
		}
		series = append(series, Series{Name: "s", X: xs, Y: ys, Panel: k % 2})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render("bench", series, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRunsKeepColumnExtremes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := &panel{rect: image.Rect(10, 10, 110, 60), xmin: 0, xmax: 1, ymin: -3, ymax: 3}
	n := 5003
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i], ys[i] = float64(i)/float64(n-1), rng.NormFloat64()
	}
	ys[1000], xs[2500] = math.NaN(), math.Inf(1) // two breaks: three runs
	got := runs(p, Series{X: xs, Y: ys})
	if len(got) != 3 {
		t.Fatalf("%d runs, want 3", len(got))
	}

	// Reference: per run, the first and last point, and the lowest and highest y of every pixel column.
	type extent struct{ lo, hi float64 }
	bounds := []int{0, 1000, 2500, n}
	for r, run := range got {
		from, to := bounds[r]+min(r, 1), bounds[r+1] // skip the break itself
		want := map[int]extent{}
		for i := from; i < to; i++ {
			x, y := p.toPixel(xs[i], ys[i])
			col := int(math.Floor(x))
			e, ok := want[col]
			if !ok {
				e = extent{y, y}
			}
			want[col] = extent{min(e.lo, y), max(e.hi, y)}
		}
		have := map[int]extent{}
		for i, q := range run {
			if i > 0 && q.x < run[i-1].x {
				t.Fatalf("run %d: points out of order", r)
			}
			col := int(math.Floor(q.x))
			e, ok := have[col]
			if !ok {
				e = extent{q.y, q.y}
			}
			have[col] = extent{min(e.lo, q.y), max(e.hi, q.y)}
		}
		if len(have) != len(want) {
			t.Fatalf("run %d: %d columns, want %d", r, len(have), len(want))
		}
		for col, e := range want {
			if have[col] != e {
				t.Fatalf("run %d column %d: extent %v, want %v", r, col, have[col], e)
			}
		}
		fx, fy := p.toPixel(xs[from], ys[from])
		lx, ly := p.toPixel(xs[to-1], ys[to-1])
		if run[0] != (point{fx, fy}) || run[len(run)-1] != (point{lx, ly}) {
			t.Errorf("run %d does not keep its first and last points", r)
		}
		if len(run) > 4*len(want) {
			t.Errorf("run %d kept %d points for %d columns, want at most 4 a column", r, len(run), len(want))
		}
	}
}
