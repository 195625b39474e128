package serve

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"sdgan/data"
)

// startServer serves m with opt on a test server that is closed when the test ends.
func startServer(t *testing.T, m Model, opt Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(New(m, opt))
	t.Cleanup(srv.Close)
	return srv
}

// do sends one request and returns the response with its body read.
func do(t *testing.T, method, url, body, accept string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" || method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return res, b
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode png: %v", err)
	}
	return img
}

func decodeB64PNG(t *testing.T, s string) image.Image {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return decodePNG(t, b)
}

// checkCell compares the res×res block of img at (x0, y0) with the reference rendering of G(zi, zo).
func checkCell(t *testing.T, what string, img image.Image, x0, y0 int, info Info, zi, zo []float32) {
	t.Helper()
	want := fakeImage(info, zi, zo)
	for y := 0; y < info.Res; y++ {
		for x := 0; x < info.Res; x++ {
			got := color.NRGBAModel.Convert(img.At(x0+x, y0+y)).(color.NRGBA)
			if exp := refPixel(want, info.Res, info.Channels, x, y); got != exp {
				t.Fatalf("%s: pixel (%d,%d) = %v, want %v", what, x, y, got, exp)
			}
		}
	}
}

func TestHealthzAndInfo(t *testing.T) {
	m := newFakeModel()
	srv := startServer(t, m, Options{MaxImages: 100})
	res, body := do(t, "GET", srv.URL+"/healthz", "", "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || !bytes.Contains(body, []byte(`"ok"`)) {
		t.Fatalf("healthz: %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, body = do(t, "GET", srv.URL+"/api/info", "", "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("info: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var got infoResponse
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("info: %v in %s", err, body)
	}
	want := infoResponse{Arch: "fake-stripes", Res: 13, Channels: 3, K: 2, DI: 5, DO: 7, Step: 12345,
		Facts: map[string]string{"dataset": "synthetic stripes", "note": "test model"},
		Limits: limits{MaxImages: 100, MaxSide: MaxSide, MaxPadding: MaxPadding, MaxAbsLatent: MaxAbsLatent, MaxBody: 1 << 20,
			MaxRequestMemory: DefaultMaxRequestMemory, MaxPixels: data.DefaultMaxPixels},
		Projected: []NamedIdentity{}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("info = %+v, want %+v", got, want)
	}
}

func TestGridPNG(t *testing.T) {
	m := newFakeModel()
	info := m.info
	srv := startServer(t, m, Options{})
	for _, c := range []struct {
		seed       uint64
		rows, cols int
		pad        string
		padPx      int
	}{
		{0, 1, 1, "", 0}, {3, 3, 5, `, "padding": 2`, 2}, {977, 7, 2, `, "padding": 1`, 1}, {1, 2, 13, `, "padding": 0`, 0},
	} {
		body := fmt.Sprintf(`{"seed": %d, "identities": %d, "observations": %d%s}`, c.seed, c.rows, c.cols, c.pad)
		res, b := do(t, "POST", srv.URL+"/api/grid", body, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("%s: %d %q %s", body, res.StatusCode, res.Header.Get("Content-Type"), b)
		}
		img := decodePNG(t, b)
		w, h := c.cols*info.Res+(c.cols+1)*c.padPx, c.rows*info.Res+(c.rows+1)*c.padPx
		if got := img.Bounds().Size(); got != image.Pt(w, h) {
			t.Fatalf("%s: size %v, want %dx%d", body, got, w, h)
		}
		zi, zo := SampleGrid(c.seed, c.rows, c.cols, info.DI, info.DO)
		for i := range zi {
			for j := range zo {
				checkCell(t, fmt.Sprintf("%s cell (%d,%d)", body, i, j), img,
					c.padPx+j*(info.Res+c.padPx), c.padPx+i*(info.Res+c.padPx), info, zi[i], zo[j])
			}
		}
		// Same request, same bytes.
		if _, again := do(t, "POST", srv.URL+"/api/grid", body, ""); !bytes.Equal(again, b) {
			t.Fatalf("%s: a second request gave different bytes", body)
		}
	}
}

// randomCodes returns n codes of length d with values in [−1.5, 1.5], printed as JSON.
func randomCodes(rng *rand.Rand, n, d int) ([][]float32, string) {
	codes := make([][]float32, n)
	for i := range codes {
		codes[i] = randomImage(rng, d)
		for k := range codes[i] {
			codes[i][k] *= 1.4
		}
	}
	b, _ := json.Marshal(codes)
	return codes, string(b)
}

func TestGridJSON(t *testing.T) {
	m := newFakeModel()
	info := m.info
	srv := startServer(t, m, Options{})
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct{ rows, cols, pad int }{{1, 1, 0}, {2, 3, 1}, {5, 1, 3}} {
		zi, ziJSON := randomCodes(rng, c.rows, info.DI)
		zo, zoJSON := randomCodes(rng, c.cols, info.DO)
		body := fmt.Sprintf(`{"zi": %s, "zo": %s, "padding": %d}`, ziJSON, zoJSON, c.pad)
		res, b := do(t, "POST", srv.URL+"/api/grid", body, "application/json")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d×%d: %d %q %s", c.rows, c.cols, res.StatusCode, res.Header.Get("Content-Type"), b)
		}
		var got gridResponse
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.ZI, zi) || !reflect.DeepEqual(got.ZO, zo) {
			t.Fatalf("%d×%d: codes not echoed exactly", c.rows, c.cols)
		}
		if got.Rows != c.rows || got.Cols != c.cols || len(got.Images) != c.rows*c.cols {
			t.Fatalf("%d×%d: rows %d cols %d images %d", c.rows, c.cols, got.Rows, got.Cols, len(got.Images))
		}
		grid := decodeB64PNG(t, got.Grid)
		if want := image.Pt(c.cols*info.Res+(c.cols+1)*c.pad, c.rows*info.Res+(c.rows+1)*c.pad); grid.Bounds().Size() != want {
			t.Fatalf("%d×%d: grid size %v, want %v", c.rows, c.cols, grid.Bounds().Size(), want)
		}
		for i := range zi {
			for j := range zo {
				what := fmt.Sprintf("%d×%d cell (%d,%d)", c.rows, c.cols, i, j)
				cell := decodeB64PNG(t, got.Images[i*c.cols+j])
				if cell.Bounds().Size() != image.Pt(info.Res, info.Res) {
					t.Fatalf("%s: size %v", what, cell.Bounds().Size())
				}
				checkCell(t, what, cell, 0, 0, info, zi[i], zo[j])
				checkCell(t, what+" in grid", grid, c.pad+j*(info.Res+c.pad), c.pad+i*(info.Res+c.pad), info, zi[i], zo[j])
			}
		}
	}
}

func TestGridBySeeds(t *testing.T) {
	m := newFakeModel()
	info := m.info
	srv := startServer(t, m, Options{})
	rowSeeds, colSeeds := []uint64{5, 4294967295, 17}, []uint64{0, 99}
	body := `{"identity_seeds": [5, 4294967295, 17], "observation_seeds": [0, 99]}`
	res, b := do(t, "POST", srv.URL+"/api/grid", body, "application/json")
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	var got gridResponse
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for i, s := range rowSeeds {
		for j, o := range colSeeds {
			checkCell(t, fmt.Sprintf("cell (%d,%d)", i, j), decodeB64PNG(t, got.Images[i*2+j]), 0, 0, info,
				IdentityCode(s, info.DI), ObservationCode(o, info.DO))
		}
	}
	// A one-row request for a row's seed gives exactly that row's images: what the page relies on.
	_, b1 := do(t, "POST", srv.URL+"/api/grid", `{"identity_seeds": [4294967295], "observation_seeds": [0, 99]}`, "application/json")
	var row gridResponse
	if err := json.Unmarshal(b1, &row); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(row.Images, got.Images[2:4]) {
		t.Fatal("one-row request differs from the same row of the full grid")
	}
}

func TestSample(t *testing.T) {
	m := newFakeModel()
	info := m.info
	srv := startServer(t, m, Options{})
	cases := []struct {
		body   string
		zi, zo [][]float32
	}{
		{`{"seed": 42, "identities": 3, "observations": 5}`, nil, nil},
		{`{"identity_seeds": [1, 2], "observation_seeds": [3]}`,
			[][]float32{IdentityCode(1, info.DI), IdentityCode(2, info.DI)}, [][]float32{ObservationCode(3, info.DO)}},
		{`{}`, nil, nil},
	}
	cases[0].zi, cases[0].zo = SampleGrid(42, 3, 5, info.DI, info.DO)
	cases[2].zi, cases[2].zo = SampleGrid(0, DefaultSide, DefaultSide, info.DI, info.DO)
	for _, c := range cases {
		res, b := do(t, "POST", srv.URL+"/api/sample", c.body, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s", c.body, res.StatusCode, b)
		}
		var got sampleResponse
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.ZI, c.zi) || !reflect.DeepEqual(got.ZO, c.zo) {
			t.Fatalf("%s: got %v %v, want %v %v", c.body, got.ZI, got.ZO, c.zi, c.zo)
		}
	}
	if n := m.calls.Load(); n != 0 {
		t.Fatalf("sample called the model %d times; it only draws codes", n)
	}
}

func TestInterpolate(t *testing.T) {
	m := newFakeModel()
	info := m.info
	srv := startServer(t, m, Options{})
	rng := rand.New(rand.NewPCG(21, 22))
	for _, steps := range []int{2, 4, 5} {
		ab, _ := randomCodes(rng, 2, info.DI)
		ob, _ := randomCodes(rng, 2, info.DO)
		js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
		body := fmt.Sprintf(`{"a": {"zi": %s, "zo": %s}, "b": {"zi": %s, "zo": %s}, "steps": %d}`,
			js(ab[0]), js(ob[0]), js(ab[1]), js(ob[1]), steps)
		res, b := do(t, "POST", srv.URL+"/api/interpolate", body, "application/json")
		if res.StatusCode != 200 {
			t.Fatalf("steps %d: %d %s", steps, res.StatusCode, b)
		}
		var got gridResponse
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got.Rows != steps || got.Cols != steps || len(got.Images) != steps*steps {
			t.Fatalf("steps %d: %d×%d, %d images", steps, got.Rows, got.Cols, len(got.Images))
		}
		last := steps - 1
		for _, c := range []struct {
			what   string
			r, c   int
			zi, zo []float32
		}{
			{"A", 0, 0, ab[0], ob[0]}, {"B", last, last, ab[1], ob[1]},
			{"A's identity, B's observation", 0, last, ab[0], ob[1]},
			{"B's identity, A's observation", last, 0, ab[1], ob[0]},
		} {
			checkCell(t, fmt.Sprintf("steps %d corner %s", steps, c.what), decodeB64PNG(t, got.Images[c.r*steps+c.c]),
				0, 0, info, c.zi, c.zo)
		}
		for r := range steps {
			for k := range info.DI {
				want := ab[0][k] + (ab[1][k]-ab[0][k])*float32(r)/float32(last)
				if d := got.ZI[r][k] - want; d > 1e-6 || d < -1e-6 {
					t.Fatalf("steps %d: zi[%d][%d] = %v, want %v", steps, r, k, got.ZI[r][k], want)
				}
			}
		}
		// The PNG form is the grid of the JSON form.
		res, png := do(t, "POST", srv.URL+"/api/interpolate", body, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("steps %d png: %d %q", steps, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if want, _ := base64.StdEncoding.DecodeString(got.Grid); !bytes.Equal(png, want) {
			t.Fatalf("steps %d: PNG response differs from the JSON grid", steps)
		}
	}
}

func TestPage(t *testing.T) {
	srv := startServer(t, newFakeModel(), Options{})
	for _, c := range []struct {
		path, contentType, contains string
		status                      int
	}{
		{"/", "text/html; charset=utf-8", `data-testid="grid"`, 200},
		{"/static/app.js", "text/javascript; charset=utf-8", "/api/interpolate", 200},
		{"/static/style.css", "text/css; charset=utf-8", "--cell", 200},
		{"/static/missing.js", "", "", 404},
		{"/nope", "application/json", `"error"`, 404},
	} {
		res, b := do(t, "GET", srv.URL+c.path, "", "")
		if res.StatusCode != c.status || c.contentType != "" && res.Header.Get("Content-Type") != c.contentType ||
			!bytes.Contains(b, []byte(c.contains)) {
			t.Errorf("GET %s: %d %q, want %d %q containing %q", c.path, res.StatusCode, res.Header.Get("Content-Type"),
				c.status, c.contentType, c.contains)
		}
	}
	// The page must not reach outside the server (works offline, no CDN).
	_, page := do(t, "GET", srv.URL+"/", "", "")
	_, app := do(t, "GET", srv.URL+"/static/app.js", "", "")
	for _, b := range [][]byte{page, app} {
		if bytes.Contains(b, []byte("http://")) || bytes.Contains(b, []byte("https://")) {
			t.Error("page or script refers to an external URL")
		}
	}
}
