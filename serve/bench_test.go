package serve

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// constModel returns images filled from the codes' first values, so that the benchmark times the server's
// own work (decoding, sampling, PNG encoding, JSON) and not a model.
type constModel struct{ info Info }

func (m constModel) Info() Info { return m.info }

func (m constModel) Generate(zi, zo [][]float32) ([][]float32, error) {
	out := make([][]float32, len(zi))
	for i := range zi {
		img := make([]float32, m.info.pixels())
		for k := range img {
			img[k] = zi[i][k%len(zi[i])] * zo[i][k%len(zo[i])]
		}
		out[i] = img
	}
	return out, nil
}

func BenchmarkGrid(b *testing.B) {
	for _, c := range []struct {
		name, accept string
		res          int
	}{{"png-4x4-64px", "", 64}, {"json-4x4-64px", "application/json", 64}, {"png-4x4-128px", "", 128}} {
		b.Run(c.name, func(b *testing.B) {
			h := New(constModel{Info{Arch: "const", Res: c.res, Channels: 3, DI: 50, DO: 50}}, Options{})
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", "http://localhost/api/grid", strings.NewReader(`{"seed": 1, "padding": 2}`))
				req.Header.Set("Content-Type", "application/json")
				if c.accept != "" {
					req.Header.Set("Accept", c.accept)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				b.SetBytes(int64(rec.Body.Len()))
			}
		})
	}
}
