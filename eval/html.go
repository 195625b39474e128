package eval

import (
	"bytes"
	"fmt"
	"html/template"
)

// HTMLImage is a picture the HTML report shows: a file name relative to the report and a caption.
type HTMLImage struct{ File, Caption string }

// HTMLPage is what the HTML report shows besides the figures: a title, facts about the inputs (name, value)
// in order, the ROC chart and the sample grids.
type HTMLPage struct {
	Title  string
	Inputs [][2]string
	ROC    *HTMLImage
	Grids  []HTMLImage
}

// HTML renders r and page as a self-contained HTML document (images are referenced by relative file name).
func (r *Report) HTML(page HTMLPage) ([]byte, error) {
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, struct {
		R *Report
		P HTMLPage
	}{r, page}); err != nil {
		return nil, fmt.Errorf("report html: %w", err)
	}
	return buf.Bytes(), nil
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"num": func(v *float64) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprintf("%.4f", *v)
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.P.Title}}</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-family:monospace}.def{color:#555;font-size:90%}
.skip{color:#a33}figure{display:inline-block;margin:0 1em 1em 0}img{image-rendering:pixelated}
.warn{background:#fff3cd;border:1px solid #c90;padding:.5em 1em;margin:1em 0}
</style></head><body>
<h1>{{.P.Title}}</h1>
<table>{{range .P.Inputs}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
{{if .R.Warnings}}<div class="warn"><h2>Warning: these figures may mislead</h2><ul>{{range .R.Warnings}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{if .R.Skipped}}<h2>Skipped</h2><ul>{{range .R.Skipped}}<li class="skip">{{.}}</li>{{end}}</ul>{{end}}
<h2>Figures</h2>
<table><tr><th>figure</th><th>generated</th><th>real</th><th>definition</th></tr>
{{range .R.Figures}}<tr><td>{{.Key}}</td><td class="n">{{num .Generated}}</td><td class="n">{{num .Real}}</td>
<td class="def">{{.Definition}}{{if .Skipped}} <span class="skip">({{.Skipped}})</span>{{end}}</td></tr>
{{end}}</table>
{{with .P.ROC}}<h2>ROC, same vs different pairs</h2><figure><img src="{{.File}}" alt="ROC curves"><figcaption>{{.Caption}}</figcaption></figure>{{end}}
{{if .P.Grids}}<h2>Samples</h2>{{range .P.Grids}}<figure><img src="{{.File}}" alt="{{.Caption}}" width="512"><figcaption>{{.Caption}}</figcaption></figure>
{{end}}{{end}}
</body></html>
`))
