package train

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"sdgan/data"
	"sdgan/model"
	"sdgan/picture"
	"sdgan/plot"
)

// previewLatents are the fixed codes of the preview grids: PreviewIDs identities × PreviewObs observations, drawn
// from the seed alone, so that every preview of a run (resumed or not) shows the same codes.
func previewLatents(o Options) (zi, zo [][]float32) {
	rng := rand.New(rand.NewPCG(o.Seed, 3))
	return model.Uniform(rng, o.PreviewIDs, o.Model.DI), model.Uniform(rng, o.PreviewObs, o.Model.DO)
}

// previewGenerator is the generator that previews show: the moving average when there is one.
func (t *trainer) previewGenerator() model.Generator {
	if t.ema != nil {
		return t.ema.g
	}
	return t.g
}

// writePreview writes the generator's grid for the fixed latents to previews/step-N.png and preview.png.
func writePreview(runDir string, o Options, g model.Generator, step int64) error {
	zi, zo := previewLatents(o)
	c := o.Model
	img := picture.Grid(model.GenerateGrid(g, c, zi, zo), len(zi), len(zo), c.Res, c.Res, c.Channels, 2)
	if err := picture.SavePNG(filepath.Join(runDir, previewDir, previewName(step)), img); err != nil {
		return err
	}
	return picture.SavePNG(filepath.Join(runDir, "preview.png"), img)
}

// writeRealGrid writes real.png: PreviewIDs identities (spread over the data set) with up to PreviewObs of their
// images each, to compare the previews with. The grid has as many columns as the shown identity with the most
// images fills (2 for a data set of pairs, not PreviewObs with most cells empty).
func writeRealGrid(runDir string, o Options, ds *data.Dataset) error {
	rows := min(o.PreviewIDs, len(ds.Identities))
	ids := make([]int, rows)
	cols := 1
	for r := range rows {
		ids[r] = r * len(ds.Identities) / rows
		cols = max(cols, min(o.PreviewObs, len(ds.Identities[ids[r]].Images)))
	}
	cells := make([][]float32, rows*cols)
	for r, id := range ids {
		for c := range min(cols, len(ds.Identities[id].Images)) {
			img, err := ds.Image(id, c)
			if err != nil {
				return err
			}
			cells[r*cols+c] = img
		}
	}
	img := picture.Grid(cells, rows, cols, ds.Res, ds.Res, ds.Channels, 2)
	return picture.SavePNG(filepath.Join(runDir, "real.png"), img)
}

// writePlot draws the losses (and, for BEGAN, k_t and the convergence measure M) against the step.
func writePlot(runDir string, o Options, hist []logLine) error {
	if len(hist) == 0 {
		return nil
	}
	col := func(f func(l logLine) float64) (xs, ys []float64) {
		for _, l := range hist {
			xs, ys = append(xs, float64(l.Step)), append(ys, f(l))
		}
		return xs, ys
	}
	var series []plot.Series
	add := func(name string, panel int, f func(l logLine) float64) {
		x, y := col(f)
		series = append(series, plot.Series{Name: name, X: x, Y: y, Panel: panel})
	}
	add("D loss", 0, func(l logLine) float64 { return l.DLoss })
	add("G loss", 0, func(l logLine) float64 { return l.GLoss })
	panels := []string{"loss"}
	if o.Model.Arch == model.BEGAN {
		add("k_t", 1, func(l logLine) float64 { return l.began().KT })
		add("M (convergence)", 2, func(l logLine) float64 { return l.began().M })
		panels = append(panels, "k_t", "M")
	}
	if o.AugmentTarget > 0 {
		valueOr0 := func(v *float64) float64 {
			if v == nil {
				return 0
			}
			return *v
		}
		add("augment p", len(panels), func(l logLine) float64 { return valueOr0(l.AugmentP) })
		add("r_t (target "+fmt.Sprint(o.AugmentTarget)+")", len(panels), func(l logLine) float64 { return valueOr0(l.RT) })
		panels = append(panels, "ADA")
	}
	if o.GPLambda > 0 || o.R1Gamma > 0 { // over the lines that have one (lazy R1 leaves some without)
		var xs, pen, norm []float64
		for _, l := range hist {
			if l.Penalty != nil && l.GradNorm != nil {
				xs, pen, norm = append(xs, float64(l.Step)), append(pen, *l.Penalty), append(norm, *l.GradNorm)
			}
		}
		p := len(panels)
		series = append(series, plot.Series{Name: "penalty", X: xs, Y: pen, Panel: p},
			plot.Series{Name: "|grad D| per tuple", X: xs, Y: norm, Panel: p})
		panels = append(panels, "gradient penalty")
	}
	title := fmt.Sprintf("sdgan %s %d×%d k=%d, loss %s", o.Model.Arch, o.Model.Res, o.Model.Res, o.Model.K, o.Loss)
	return plot.Lines(filepath.Join(runDir, "losses.png"), title, series, plot.Options{XLabel: "step", Panels: panels})
}
