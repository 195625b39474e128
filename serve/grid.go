package serve

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"sdgan/picture"
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

// serveGrid decodes req from the body, resolves its latents, checks the request's memory and answers with the
// grid: a PNG, or JSON when the client accepts application/json.
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
	asJSON := wantsJSON(r)
	p, err := planRequest(s.opt, info, len(zi), len(zo), pad, asJSON)
	if err != nil {
		s.fail(w, err)
		return
	}
	body, err := s.render(r.Context(), info, zi, zo, pad, asJSON, p)
	if err != nil {
		s.fail(w, err)
		return
	}
	if asJSON {
		writeBody(w, http.StatusOK, "application/json", body)
		return
	}
	writeBody(w, http.StatusOK, "image/png", body)
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

// encodeGrid encodes the answer for the grid of images with rows zi and columns zo: its PNG, or when asJSON
// the JSON form with every cell's PNG. It drops each image once encoded, so that memory can be reclaimed early,
// and writes the JSON answer into one buffer of its exact size (base64 text needs no escaping).
func encodeGrid(info Info, zi, zo, images [][]float32, pad int, asJSON bool) ([]byte, error) {
	enc := newPNGEncoder()
	grid, err := encodePNG(enc, picture.Grid(images, len(zi), len(zo), info.Res, info.Res, info.Channels, pad), info.Channels)
	if err != nil || !asJSON {
		return grid, err
	}
	cells := make([][]byte, len(images))
	for i, d := range images {
		if cells[i], err = encodePNG(enc, picture.ToImage(d, info.Res, info.Res, info.Channels), info.Channels); err != nil {
			return nil, err
		}
		images[i] = nil
	}
	head, err := json.Marshal(gridResponse{ZI: zi, ZO: zo, Rows: len(zi), Cols: len(zo)})
	if err != nil {
		return nil, err
	}
	head = head[:bytes.Index(head, []byte(`,"images":`))] // the codes and sizes; images and grid follow
	const images0, grid0, end = `,"images":[`, `],"grid":"`, "\"}\n"
	size := len(head) + len(images0) + len(grid0) + len(end) + base64.StdEncoding.EncodedLen(len(grid))
	for _, c := range cells {
		size += base64.StdEncoding.EncodedLen(len(c)) + 3 // quotes and comma
	}
	out := append(make([]byte, 0, size), head...)
	out = append(out, images0...)
	for i, c := range cells {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(base64.StdEncoding.AppendEncode(append(out, '"'), c), '"')
		cells[i] = nil
	}
	out = append(base64.StdEncoding.AppendEncode(append(out, grid0...), grid), end...)
	return out, nil
}
