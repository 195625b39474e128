package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"sdgan/eval"
	"sdgan/internal/atomicfile"
	"sdgan/model"
)

// `sdgan eval compare --out DIR REPORT_DIR...` puts the reports of several models (folders written by sdgan eval)
// side by side in the paper's layout (its Table 1): a row for the real data and one per model, the identity
// figures (verifier acceptance of same-z_I and different-z_I pairs, AUC), the diversity figures (MS-SSIM within
// and across identities) and the Fréchet distance; as markdown (stdout and compare.md), compare.json and
// compare.html with a sample grid of each model, copied from its report folder.

// evalCompareOptions are the inputs of the comparison.
type evalCompareOptions struct {
	out   string   // folder for compare.md, compare.json, compare.html and the grids
	names []string // row names, one per report (nil: the architecture and folder)
	dirs  []string // report folders, in row order
}

// compareColumn is one figure of the table: its report key, its heading and which way is better.
type compareColumn struct {
	Key    string `json:"key"`
	Title  string `json:"title"`
	Better string `json:"better"`
}

// compareColumns are the table's figures, the paper's identity figures first, then diversity, then Fréchet.
var compareColumns = []compareColumn{
	{"verifier_accept_same", "same z_I accepted", "higher"},
	{"verifier_accept_different", "different z_I accepted", "lower"},
	{"verifier_auc", "verifier AUC", "higher"},
	{"msssim_same", "MS-SSIM within identity", "the real data's"},
	{"msssim_different", "MS-SSIM across identities", "the real data's"},
	{"frechet_embedding", "Fréchet distance", "lower"},
}

// compareRow is one row: the real data or a model.
type compareRow struct {
	Name     string              `json:"name"`
	Dir      string              `json:"dir"`
	Arch     string              `json:"arch,omitempty"`
	Step     string              `json:"step,omitempty"`
	Figures  map[string]*float64 `json:"figures"`
	Warnings []string            `json:"warnings,omitempty"`
	Grid     string              `json:"grid,omitempty"` // the sample grid copied into the output folder
	Caption  string              `json:"grid_caption,omitempty"`
}

// comparison is compare.json.
type comparison struct {
	Columns []compareColumn `json:"columns"`
	Real    *compareRow     `json:"real"` // nil when no report has real figures
	Models  []compareRow    `json:"models"`
	Notes   []string        `json:"notes"`
}

// reportFile is what the comparison reads of a report.json.
type reportFile struct {
	Inputs  map[string]string `json:"inputs"`
	Figures []eval.Figure     `json:"figures"`
}

// maxReportBytes bounds a report.json read into memory (a report is a few KiB).
const maxReportBytes = 16 << 20

func evalCompareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o evalCompareOptions
	var names string
	fs := newFlagSet("eval compare", "--out DIR [--names A,B,...] REPORT_DIR...\n\n"+
		"Puts the reports of several models (folders written by 'sdgan eval', measured with the same verifier, data,\n"+
		"--pairs and --seed) in one table, the paper's layout: a row for the real data and one per model; the identity\n"+
		"figures (verifier acceptance of same-z_I and different-z_I pairs, AUC), the diversity figures (MS-SSIM within\n"+
		"and across identities) and the Fréchet distance. Writes the markdown to stdout and compare.md, compare.json,\n"+
		"and compare.html with a sample grid of each model. Warns when a model's figures mislead (see eval's report).", stderr)
	fs.StringVar(&o.out, "out", "", "folder for compare.md, compare.json, compare.html and the grids; required")
	fs.StringVar(&names, "names", "", "row names, comma-separated, one per report folder (default: the architecture and the folder's name)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	o.dirs = fs.Args()
	for _, d := range o.dirs {
		if strings.HasPrefix(d, "-") {
			return usagef("eval compare: %s after the report folders: flags go before the report folders", d)
		}
	}
	if names != "" {
		o.names = strings.Split(names, ",")
	}
	switch {
	case o.out == "":
		return usagef("eval compare: --out: missing; want the folder for compare.md, compare.json and compare.html")
	case len(o.dirs) == 0:
		return usagef("eval compare: no report folders; want one or more folders written by sdgan eval --out")
	case o.names != nil && len(o.names) != len(o.dirs):
		return usagef("eval compare: --names gives %d names for %d report folders; want one per folder", len(o.names), len(o.dirs))
	}
	return runEvalCompare(ctx, o, stdout)
}

// runEvalCompare reads the reports, builds the table and writes it. A failure leaves nothing of its own behind.
func runEvalCompare(ctx context.Context, o evalCompareOptions, stdout io.Writer) error {
	cmp, err := readComparison(o)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return interrupted("before writing the comparison; nothing written")
	}
	var made outputs
	if err := writeComparison(&made, o, cmp); err != nil {
		made.removeAll()
		return err
	}
	_, err = io.WriteString(stdout, cmp.markdown()+fmt.Sprintf("\nwrote %s, %s and %s\n",
		filepath.Join(o.out, "compare.md"), filepath.Join(o.out, "compare.json"), filepath.Join(o.out, "compare.html")))
	return err
}

// readComparison reads every report and builds the rows: the real data's from the first report that has real
// figures, a model's from each report, with the collapse warnings of its figures against its own real figures.
func readComparison(o evalCompareOptions) (*comparison, error) {
	cmp := &comparison{Columns: compareColumns}
	var realFrom string
	var realFigs []eval.Figure
	for i, dir := range o.dirs {
		path := filepath.Join(dir, "report.json")
		r, err := readReport(path)
		if err != nil {
			return nil, err
		}
		arch := r.Inputs["arch"]
		if arch == "" { // a report written before the arch was recorded: the model config starts with it
			arch, _, _ = strings.Cut(r.Inputs["model config"], " ")
		}
		row := compareRow{Name: model.ArchName(arch) + " (" + filepath.Base(filepath.Clean(dir)) + ")", Dir: dir, Arch: arch,
			Step: r.Inputs["step"], Figures: map[string]*float64{}, Warnings: eval.CollapseWarnings(r.Figures)}
		if o.names != nil {
			row.Name = strings.TrimSpace(o.names[i])
		}
		for _, c := range compareColumns {
			row.Figures[c.Key] = figureOf(r.Figures, c.Key, false)
		}
		cmp.Models = append(cmp.Models, row)
		if figureOf(r.Figures, "msssim_same", true) == nil {
			cmp.Notes = append(cmp.Notes, fmt.Sprintf("%s: its report has no real-data figures, so its figures were not checked against the real data's", row.Name))
			continue
		}
		if realFigs == nil {
			realFigs, realFrom = r.Figures, dir
			continue
		}
		if !sameRealFigures(realFigs, r.Figures) {
			cmp.Notes = append(cmp.Notes, fmt.Sprintf("%s: measured against other real pairs than %s (its real figures differ: another verifier, data, --pairs or --seed), so its row does not compare exactly with the others",
				row.Name, realFrom))
		}
	}
	if realFigs != nil {
		cmp.Real = &compareRow{Name: "real data", Dir: realFrom, Figures: map[string]*float64{}}
		for _, c := range compareColumns {
			cmp.Real.Figures[c.Key] = figureOf(realFigs, c.Key, true)
		}
	}
	return cmp, nil
}

// readReport reads a report.json written by sdgan eval.
func readReport(path string) (*reportFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("eval compare: %w (want a report folder written by sdgan eval --out)", err)
	}
	if st.Size() > maxReportBytes {
		return nil, fmt.Errorf("eval compare: %s is %d bytes; a report.json is at most %d MiB", path, st.Size(), maxReportBytes>>20)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval compare: %w", err)
	}
	var r reportFile
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("eval compare: %s: %w (want a report.json written by sdgan eval)", path, err)
	}
	if len(r.Figures) == 0 {
		return nil, fmt.Errorf("eval compare: %s holds no figures (want a report.json written by sdgan eval)", path)
	}
	return &r, nil
}

// figureOf returns the generated (or, with real, the real) value of key, or nil when it was not measured.
func figureOf(figs []eval.Figure, key string, real bool) *float64 {
	for _, f := range figs {
		if f.Key == key {
			if real {
				return f.Real
			}
			return f.Generated
		}
	}
	return nil
}

// sameRealFigures reports whether two reports measured the same real figures.
func sameRealFigures(a, b []eval.Figure) bool {
	for _, c := range compareColumns {
		x, y := figureOf(a, c.Key, true), figureOf(b, c.Key, true)
		if (x == nil) != (y == nil) || x != nil && math.Abs(*x-*y) > 1e-9 {
			return false
		}
	}
	return true
}

// rows returns the real row (when there is one) and the models' rows, in table order.
func (c *comparison) rows() []compareRow {
	if c.Real == nil {
		return c.Models
	}
	return append([]compareRow{*c.Real}, c.Models...)
}

// cell formats one figure of the table.
func cell(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

// notes are the table's explanations, then the notes about its inputs.
func (c *comparison) explanations() []string {
	return append([]string{
		"same z_I accepted / different z_I accepted: the fraction of pairs the verifier takes for one identity; generated pairs share z_I (an AC-DCGAN's: its label) or not, real pairs are of one identity or of two.",
		"verifier AUC: how well the verifier's score tells same pairs from different ones (1 = always, 0.5 = chance).",
		"MS-SSIM within identity / across identities: how alike two images are (1 = identical); lower is more diverse, and the real data's is the target (the paper: as diverse as the real data).",
		"Fréchet distance: between the verifier embeddings of generated and real images; the real row's is the sampling floor (two halves of the real images).",
	}, c.Notes...)
}

// markdown is compare.md: the table, the warnings, the explanations.
func (c *comparison) markdown() string {
	var b strings.Builder
	b.WriteString("| | identity: " + compareColumns[0].Title + " ↑ | " + compareColumns[1].Title + " ↓ | " + compareColumns[2].Title +
		" ↑ | diversity: " + compareColumns[3].Title + " | " + compareColumns[4].Title + " | " + compareColumns[5].Title + " ↓ |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range c.rows() {
		name := r.Name
		if len(r.Warnings) > 0 {
			name += " ⚠"
		}
		b.WriteString("| " + strings.ReplaceAll(name, "|", `\|`))
		for _, col := range compareColumns {
			b.WriteString(" | " + cell(r.Figures[col.Key]))
		}
		b.WriteString(" |\n")
	}
	var warned bool
	for _, r := range c.Models {
		for _, w := range r.Warnings {
			if !warned {
				b.WriteString("\n⚠ Warnings: these figures may mislead.\n\n")
				warned = true
			}
			fmt.Fprintf(&b, "- %s: %s\n", r.Name, w)
		}
	}
	b.WriteString("\n")
	for _, n := range c.explanations() {
		b.WriteString("- " + n + "\n")
	}
	return b.String()
}

// compareGrids are the pictures a row's grid is copied from, in its report folder, and their captions.
var compareGrids = map[bool]struct{ file, caption string }{
	false: {"same_zi.png", "generated pairs sharing z_I, one pair per column"},
	true:  {"real_same.png", "real pairs of one identity, one pair per column"},
}

// writeComparison writes compare.md, compare.json, compare.html and the grids into o.out, recording in made what
// it creates.
func writeComparison(made *outputs, o evalCompareOptions, c *comparison) error {
	if err := made.mkdirAll(o.out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	copyGrid := func(r *compareRow, real bool, name string) error {
		g := compareGrids[real]
		b, err := os.ReadFile(filepath.Join(r.Dir, g.file))
		if errors.Is(err, fs.ErrNotExist) {
			c.Notes = append(c.Notes, fmt.Sprintf("%s: its report folder has no %s to show", r.Name, g.file))
			return nil
		}
		if err != nil {
			return fmt.Errorf("eval compare: %w", err)
		}
		dst := filepath.Join(o.out, name)
		made.willWrite(dst)
		if err := atomicfile.WriteFile(dst, b); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		r.Grid, r.Caption = name, g.caption
		return nil
	}
	if c.Real != nil {
		if err := copyGrid(c.Real, true, "grid-real.png"); err != nil {
			return err
		}
	}
	for i := range c.Models {
		if err := copyGrid(&c.Models[i], false, fmt.Sprintf("grid-%d.png", i+1)); err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("compare.json: %w", err)
	}
	var page bytes.Buffer
	if err := compareTemplate.Execute(&page, struct {
		Columns      []compareColumn
		Rows, Models []compareRow
		Explanations []string
	}{c.Columns, c.rows(), c.Models, c.explanations()}); err != nil {
		return fmt.Errorf("compare.html: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"compare.md", []byte(c.markdown())}, {"compare.json", append(js, '\n')}, {"compare.html", page.Bytes()}} {
		path := filepath.Join(o.out, f.name)
		made.willWrite(path)
		if err := atomicfile.WriteFile(path, f.data); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}

var compareTemplate = template.Must(template.New("compare").Funcs(template.FuncMap{
	"cell": cell,
	"fig":  func(r compareRow, key string) *float64 { return r.Figures[key] },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sdgan: comparison</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}
th{background:#f3f3f3}td.n{text-align:right;font-family:monospace}tr.real td{background:#eef6ee}
.warn{background:#fff3cd;border:1px solid #c90;padding:.5em 1em;margin:1em 0}.note{color:#555;font-size:90%}
figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}img{image-rendering:pixelated}
</style></head><body>
<h1>Comparison</h1>
<table>
<tr><th rowspan="2"></th><th colspan="3">identity</th><th colspan="2">diversity</th><th rowspan="2">{{(index .Columns 5).Title}}<br>(lower is better)</th></tr>
<tr>{{range slice .Columns 0 5}}<th>{{.Title}}<br>({{.Better}})</th>{{end}}</tr>
{{range .Rows}}<tr{{if eq .Name "real data"}} class="real"{{end}}><td>{{.Name}}{{if .Warnings}} ⚠{{end}}{{if .Step}}<br><span class="note">step {{.Step}}</span>{{end}}</td>
{{$r := .}}{{range $.Columns}}<td class="n">{{cell (fig $r .Key)}}</td>{{end}}</tr>
{{end}}</table>
{{range .Models}}{{if .Warnings}}<div class="warn"><b>{{.Name}}: these figures may mislead.</b><ul>{{range .Warnings}}<li>{{.}}</li>{{end}}</ul></div>{{end}}{{end}}
<ul class="note">{{range .Explanations}}<li>{{.}}</li>{{end}}</ul>
<h2>Samples</h2>
{{range .Rows}}{{if .Grid}}<figure><img src="{{.Grid}}" alt="{{.Name}}" width="512"><figcaption>{{.Name}}: {{.Caption}}</figcaption></figure>
{{end}}{{end}}
</body></html>
`))
