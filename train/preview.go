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

// previewLatents are the codes of the preview grids of generator g: PreviewIDs identities × PreviewObs
// observations, drawn from the seed alone, so that every preview of a run (resumed or not) shows the same codes.
// For AC-DCGAN the rows are the identities of real.png (realGridIdentities), row for row, so that each row can be
// held against the real identity it is meant to be; their codes are g's current table rows for those labels.
func previewLatents(o Options, g model.Generator) (zi, zo [][]float32) {
	rng := rand.New(rand.NewPCG(o.Seed, 3))
	if o.Model.Arch == model.ACGAN {
		return model.LabelCodes(g, realGridIdentities(o, o.Model.Classes)), model.Uniform(rng, o.PreviewObs, o.Model.DO)
	}
	zi, _ = model.IdentityCodes(rng, g, o.Model, o.PreviewIDs)
	return zi, model.Uniform(rng, o.PreviewObs, o.Model.DO)
}

// realGridIdentities are the identities real.png shows, one a row: PreviewIDs of the data set's n identities,
// spread over it.
func realGridIdentities(o Options, n int) []int {
	ids := make([]int, min(o.PreviewIDs, n))
	for r := range ids {
		ids[r] = r * n / len(ids)
	}
	return ids
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
	zi, zo := previewLatents(o, g)
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
	ids := realGridIdentities(o, len(ds.Identities))
	rows := len(ids)
	cols := 1
	for _, id := range ids {
		cols = max(cols, min(o.PreviewObs, len(ds.Identities[id].Images)))
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
	switch o.Model.Arch {
	case model.BEGAN:
		add("k_t", 1, func(l logLine) float64 { return l.began().KT })
		add("M (convergence)", 2, func(l logLine) float64 { return l.began().M })
		panels = append(panels, "k_t", "M")
	case model.ACGAN:
		add("D identity CE, real", 1, func(l logLine) float64 { return l.acgan().CEReal })
		add("G identity CE, fake", 1, func(l logLine) float64 { return l.acgan().CEFake })
		add("D class accuracy, real", 2, func(l logLine) float64 { return l.acgan().AccReal })
		panels = append(panels, "identity CE", "class acc")
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
