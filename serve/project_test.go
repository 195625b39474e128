package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sdgan/internal/pngbomb"
)

// fakeProjector is fakeModel with a projection: it steps through steps progress calls (sleeping delay each) and
// answers codes made from the inputs' mean brightness, so that its answer depends on the images sent.
type fakeProjector struct {
	*fakeModel
	steps    int
	delay    time.Duration
	info     *ProjectInfo
	projects atomic.Int64
}

func newFakeProjector() *fakeProjector {
	return &fakeProjector{fakeModel: newFakeModel(), steps: 20, info: &ProjectInfo{MaxImages: 4, Steps: 20, Starts: 2, Loss: "l2"}}
}

func (f *fakeProjector) ProjectInfo() *ProjectInfo { return f.info }

func (f *fakeProjector) Project(ctx context.Context, images [][]float32, progress func(step, steps int)) (*Projection, error) {
	f.projects.Add(1)
	for s := 1; s <= f.steps; s++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		time.Sleep(f.delay)
		progress(s, f.steps)
	}
	var mean float32
	for _, img := range images {
		for _, v := range img {
			mean += v / float32(len(img)*len(images))
		}
	}
	p := &Projection{ZI: make([]float32, f.fakeModel.info.DI), Loss: 0.5}
	for i := range p.ZI {
		p.ZI[i] = mean
	}
	for range images {
		zo := make([]float32, f.fakeModel.info.DO)
		p.ZO = append(p.ZO, zo)
		p.Images = append(p.Images, fakeImage(f.fakeModel.info, p.ZI, zo))
	}
	return p, nil
}

// pngBase64 encodes a w×h picture of one colour (grey when g) as base64 PNG.
func pngBase64(t *testing.T, w, h int, c color.Color) string {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// projectLines posts body to /api/project and returns the status and the answer's JSON lines.
func projectLines(t *testing.T, url, body string) (int, []map[string]json.RawMessage) {
	t.Helper()
	res, b := do(t, http.MethodPost, url+"/api/project", body, "")
	var lines []map[string]json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("answer line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return res.StatusCode, lines
}

// A projection streams its progress, then the codes with the inputs as the model sees them and their projections.
func TestProjectStreamsProgressAndResult(t *testing.T) {
	m := newFakeProjector()
	m.delay = 15 * time.Millisecond
	srv := startServer(t, m, Options{})
	body := `{"images": ["` + pngBase64(t, 40, 26, color.NRGBA{200, 40, 40, 255}) + `", "` + pngBase64(t, 9, 9, color.Gray{100}) + `"]}`
	status, lines := projectLines(t, srv.URL, body)
	if status != http.StatusOK || len(lines) < 3 {
		t.Fatalf("status %d, %d lines; want 200 and progress lines then a result", status, len(lines))
	}
	if string(lines[0]["step"]) != "0" || string(lines[0]["steps"]) != "20" {
		t.Errorf("first line %v; want step 0 of 20", lines[0])
	}
	last := lines[len(lines)-1]
	var res projectResult
	if err := json.Unmarshal(last["result"], &res); err != nil {
		t.Fatalf("last line %v: %v", last, err)
	}
	if len(res.ZI) != 5 || len(res.ZO) != 2 || len(res.ZO[0]) != 7 || len(res.Inputs) != 2 || len(res.Projection) != 2 {
		t.Fatalf("result: zi %d, zo %d, inputs %d, projection %d", len(res.ZI), len(res.ZO), len(res.Inputs), len(res.Projection))
	}
	for _, b64 := range append(res.Inputs, res.Projection...) {
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		if img := decodePNG(t, b); img.Bounds().Dx() != 13 || img.Bounds().Dy() != 13 {
			t.Errorf("image %v; want 13×13", img.Bounds())
		}
	}
	// The red input is seen as red, centre-cropped and resized by the data loader's rules.
	b, _ := base64.StdEncoding.DecodeString(res.Inputs[0])
	if r, g, _, _ := decodePNG(t, b).At(6, 6).RGBA(); r>>8 != 200 || g>>8 != 40 {
		t.Errorf("input 0 shows %d, %d; want the colour sent (200, 40)", r>>8, g>>8)
	}
	res2, info := do(t, http.MethodGet, srv.URL+"/api/info", "", "")
	if res2.StatusCode != 200 || !strings.Contains(string(info), `"project":{"max_images":4,"steps":20,"starts":2,"loss":"l2"}`) {
		t.Errorf("/api/info does not describe the projection: %s", info)
	}
}

// Bad uploads get a 4xx that names the problem, before any projection runs; the server stays up.
func TestProjectBadUploads(t *testing.T) {
	m := newFakeProjector()
	srv := startServer(t, m, Options{MaxBody: 64 << 10, MaxPixels: 1000 * 1000})
	ok := pngBase64(t, 20, 20, color.Gray{128})
	var bomb bytes.Buffer
	if err := pngbomb.Write(&bomb, 2000, 2000); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 100<<10)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"not JSON", `{"images": [`, 400, "truncated JSON"},
		{"no images", `{"images": []}`, 400, "0 images; expected 1 to 4"},
		{"too many", `{"images": ["` + strings.Repeat(ok+`", "`, 4) + ok + `"]}`, 400, "5 images"},
		{"not base64", `{"images": ["%%%"]}`, 400, `"images[0]": not base64`},
		{"not an image", `{"images": ["` + base64.StdEncoding.EncodeToString([]byte("hello, world")) + `"]}`, 400, `"images[0]"`},
		{"over the pixel limit", `{"images": ["` + ok + `", "` + base64.StdEncoding.EncodeToString(bomb.Bytes()) + `"]}`, 400, `"images[1]": 2000×2000 pixels`},
		{"over the body limit", `{"images": ["` + base64.StdEncoding.EncodeToString(big) + `"]}`, 413, "larger than the limit"},
		{"a number", `{"images": [7]}`, 400, `"images[0]"`},
		{"unknown field", `{"images": ["` + ok + `"], "steps": 9}`, 400, `unknown field "steps"`},
	} {
		res, b := do(t, http.MethodPost, srv.URL+"/api/project", tc.body, "")
		var e struct{ Error string }
		if err := json.Unmarshal(b, &e); err != nil || res.StatusCode != tc.status || !strings.Contains(e.Error, tc.want) {
			t.Errorf("%s: %d %s; want %d saying %q", tc.name, res.StatusCode, b, tc.status, tc.want)
		}
	}
	if n := m.projects.Load(); n != 0 {
		t.Errorf("%d projections ran for bad uploads", n)
	}
	if res, _ := do(t, http.MethodGet, srv.URL+"/healthz", "", ""); res.StatusCode != 200 {
		t.Errorf("after bad uploads /healthz answers %d", res.StatusCode)
	}
	// Still projects.
	if status, lines := projectLines(t, srv.URL, `{"images": ["`+ok+`"]}`); status != 200 || lines[len(lines)-1]["result"] == nil {
		t.Errorf("a good upload after the bad ones: %d, %v", status, lines)
	}
}

// A grey model refuses colour images; a model that cannot project (no Projector, or an AC-GAN's nil ProjectInfo)
// answers 404; a projection over the memory limit is refused; one that runs past --project-timeout ends with an
// error line.
func TestProjectRefusals(t *testing.T) {
	grey := newFakeProjector()
	grey.fakeModel.info.Channels = 1
	srv := startServer(t, grey, Options{})
	res, b := do(t, http.MethodPost, srv.URL+"/api/project", `{"images": ["`+pngBase64(t, 8, 8, color.NRGBA{255, 0, 0, 255})+`"]}`, "")
	if res.StatusCode != 400 || !strings.Contains(string(b), "colour image") {
		t.Errorf("colour for a grey model: %d %s", res.StatusCode, b)
	}
	ok := `{"images": ["` + pngBase64(t, 8, 8, color.Gray{9}) + `"]}`
	for name, m := range map[string]Model{"no projector": newFakeModel(), "AC-GAN": &fakeProjector{fakeModel: newFakeModel()}} {
		srv := startServer(t, m, Options{})
		if res, b := do(t, http.MethodPost, srv.URL+"/api/project", ok, ""); res.StatusCode != 404 || !strings.Contains(string(b), "cannot project") {
			t.Errorf("%s: %d %s; want 404 saying it cannot project", name, res.StatusCode, b)
		}
	}
	srv = startServer(t, newFakeProjector(), Options{MaxRequestMemory: 64 << 20, ModelMemory: ModelMemory{PerImage: 20 << 20}})
	if res, b := do(t, http.MethodPost, srv.URL+"/api/project", ok, ""); res.StatusCode != 400 || !strings.Contains(string(b), "--max-request-memory") {
		t.Errorf("over the memory limit: %d %s", res.StatusCode, b)
	}
	slow := newFakeProjector()
	slow.delay = 50 * time.Millisecond
	srv = startServer(t, slow, Options{ProjectTimeout: 300 * time.Millisecond})
	start := time.Now()
	status, lines := projectLines(t, srv.URL, ok)
	if status != 200 || len(lines) == 0 || !strings.Contains(string(lines[len(lines)-1]["error"]), "did not finish within") {
		t.Errorf("a projection past its time limit: %d, %v", status, lines)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the timed-out projection answered after %v", took)
	}
}
