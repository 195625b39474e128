package serve

import (
	"sdgan/picture"

	"encoding/base64"
	"image"
	"net/http"
	"strconv"
)

// gridResponse is the JSON form of a grid: the codes, and one PNG per cell (row-major) plus the whole grid.
type gridResponse struct {
	ZI     [][]float32 `json:"zi"`
	ZO     [][]float32 `json:"zo"`
	Rows   int         `json:"rows"`
	Cols   int         `json:"cols"`
	Images []string    `json:"images"`
	Grid   string      `json:"grid"`
}

func (s *server) handleGrid(w http.ResponseWriter, r *http.Request) {
	s.serveGrid(w, r, &gridRequest{})
}

// gridSpec is a request body that names a grid's latents: /api/grid's and /api/interpolate's.
type gridSpec interface {
	resolve(info Info, maxImages int) (zi, zo [][]float32, err error)
	padding() *int
}

// serveGrid decodes req from the body, resolves its latents and answers with the grid.
func (s *server) serveGrid(w http.ResponseWriter, r *http.Request, req gridSpec) {
	if err := decodeBody(w, r, s.opt.MaxBody, req); err != nil {
		s.fail(w, err)
		return
	}
	info, err := s.modelInfo()
	if err != nil {
		s.fail(w, err)
		return
	}
	pad, err := checkPadding(req.padding())
	if err != nil {
		s.fail(w, err)
		return
	}
	zi, zo, err := req.resolve(info, s.opt.MaxImages)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.respondGrid(w, r, info, zi, zo, pad)
}

// padding checks the optional padding field; absent means 0.
func checkPadding(p *int) (int, error) {
	if p == nil {
		return 0, nil
	}
	if *p < 0 || *p > MaxPadding {
		return 0, badRequest("field \"padding\": %d; expected 0 to %d pixels", *p, MaxPadding)
	}
	return *p, nil
}

// respondGrid generates the grid with rows zi and columns zo and writes it as a PNG, or as JSON when the
// client accepts application/json.
func (s *server) respondGrid(w http.ResponseWriter, r *http.Request, info Info, zi, zo [][]float32, pad int) {
	data, err := s.generate(r.Context(), info, zi, zo)
	if err != nil {
		s.fail(w, err)
		return
	}
	cells := make([]image.Image, len(data))
	for i, d := range data {
		cells[i] = picture.ToImage(d, info.Res, info.Res, info.Channels)
	}
	grid, err := encodePNG(picture.Grid(data, len(zi), len(zo), info.Res, info.Res, info.Channels, pad))
	if err != nil {
		s.fail(w, err)
		return
	}
	if !wantsJSON(r) {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", strconv.Itoa(len(grid)))
		w.Write(grid)
		return
	}
	resp := gridResponse{ZI: zi, ZO: zo, Rows: len(zi), Cols: len(zo), Images: make([]string, len(cells)),
		Grid: base64.StdEncoding.EncodeToString(grid)}
	for i, cell := range cells {
		b, err := encodePNG(cell)
		if err != nil {
			s.fail(w, err)
			return
		}
		resp.Images[i] = base64.StdEncoding.EncodeToString(b)
	}
	writeJSON(w, http.StatusOK, resp)
}
