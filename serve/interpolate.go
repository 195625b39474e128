package serve

import "net/http"

// interpolateRequest is the body of POST /api/interpolate: two points A and B and the grid's side.
type interpolateRequest struct {
	A       *point `json:"a"`
	B       *point `json:"b"`
	Steps   *int   `json:"steps"`
	Padding *int   `json:"padding"`
}

// point is one image's latents: its identity code and its observation code.
type point struct {
	ZI code `json:"zi"`
	ZO code `json:"zo"`
}

func (s *server) handleInterpolate(w http.ResponseWriter, r *http.Request) {
	s.serveGrid(w, r, &interpolateRequest{})
}

func (req *interpolateRequest) padding() *int { return req.Padding }

// resolve returns the rows (z_I from A's to B's) and columns (z_O from A's to B's) of the interpolation grid.
// Cell (r, c) then holds G(zi[r], zo[c]): (0, 0) is A, (last, last) is B, (0, last) is A's identity with B's
// observation and (last, 0) is B's identity with A's observation.
func (req *interpolateRequest) resolve(info Info, maxImages int) (zi, zo [][]float32, err error) {
	if req.A == nil || req.B == nil {
		return nil, nil, badRequest(`fields "a" and "b": expected both, each {"zi": [...], "zo": [...]}`)
	}
	steps := DefaultSteps
	if req.Steps != nil {
		steps = *req.Steps
	}
	if steps < 2 {
		return nil, nil, badRequest(`field "steps": %d; expected at least 2`, steps)
	}
	if err := checkGridSize(steps, steps, "steps", "steps", maxImages); err != nil {
		return nil, nil, err
	}
	for _, f := range []struct {
		name string
		c    code
		d    int
		dim  string
	}{{"a.zi", req.A.ZI, info.DI, "d_I"}, {"a.zo", req.A.ZO, info.DO, "d_O"},
		{"b.zi", req.B.ZI, info.DI, "d_I"}, {"b.zo", req.B.ZO, info.DO, "d_O"}} {
		if err := checkCode(f.name, f.c, f.d, f.dim); err != nil {
			return nil, nil, err
		}
	}
	return lerpRows(req.A.ZI, req.B.ZI, steps), lerpRows(req.A.ZO, req.B.ZO, steps), nil
}

// lerpRows returns steps codes from a to b: row t is a + (b − a)·t/(steps−1), computed as (1−u)·a + u·b in
// float64 so that the first row is exactly a and the last exactly b.
func lerpRows(a, b []float32, steps int) [][]float32 {
	rows := make([][]float32, steps)
	for t := range rows {
		u := float64(t) / float64(steps-1)
		row := make([]float32, len(a))
		for k := range row {
			row[k] = float32((1-u)*float64(a[k]) + u*float64(b[k]))
		}
		rows[t] = row
	}
	return rows
}
