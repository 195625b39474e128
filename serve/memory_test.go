package serve

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// heavyModel makes incompressible noise images (so PNG sizes reach their bound) and, like a real generator,
// allocates working memory per call: fixed bytes plus scratch bytes per image.
type heavyModel struct {
	info           Info
	fixed, scratch int
	calls, most    atomic.Int64 // model calls, and the most images one call was given
	sink           atomic.Int64 // keeps the scratch from being optimised away
}

func newHeavyModel(res, channels, fixed, scratch int) *heavyModel {
	return &heavyModel{info: Info{Arch: "heavy", Res: res, Channels: channels, K: 2, DI: 8, DO: 8},
		fixed: fixed, scratch: scratch}
}

func (m *heavyModel) Info() Info { return m.info }

func (m *heavyModel) Generate(zi, zo [][]float32) ([][]float32, error) {
	m.calls.Add(1)
	for n := int64(len(zi)); ; {
		most := m.most.Load()
		if n <= most || m.most.CompareAndSwap(most, n) {
			break
		}
	}
	work := make([]byte, m.fixed+m.scratch*len(zi))
	for k := 0; k < len(work); k += 4096 {
		work[k] = 1 // touch every page, as activations would
	}
	m.sink.Add(int64(len(work)))
	out := make([][]float32, len(zi))
	for i := range out {
		rng := rand.New(rand.NewPCG(uint64(zi[i][0]*1e6), uint64(zo[i][0]*1e6)))
		out[i] = make([]float32, m.info.pixels())
		for k := range out[i] {
			out[i][k] = float32(2*rng.Float64() - 1)
		}
	}
	return out, nil
}

// discard is a ResponseWriter that keeps nothing, so that measuring a handler counts only the server's memory.
type discard struct {
	h      http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discard) WriteHeader(status int)      { d.status = status }
func (d *discard) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

// serveOnce runs one request through h and returns the status and the bytes the process allocated meanwhile.
func serveOnce(h http.Handler, body, accept string) (int, uint64) {
	req := httptest.NewRequest("POST", "http://localhost/api/grid", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	w := &discard{status: 200}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h.ServeHTTP(w, req)
	runtime.ReadMemStats(&after)
	return w.status, after.TotalAlloc - before.TotalAlloc
}

// The estimate of what a request holds for its answer bounds what the server really allocates for it (every
// byte, so a fortiori its peak), and not loosely: within three times. The model's own working memory, allocated
// anew for each batch but held for one at a time, is MeasureModelMemory's to bound (TestMeasureModelMemory).
func TestMemoryEstimate(t *testing.T) {
	for _, c := range []struct {
		res, ch, rows, cols, pad int
		accept                   string
	}{
		{64, 3, 16, 16, 2, "application/json"}, {64, 3, 16, 16, 0, ""}, {32, 1, 10, 20, 5, "application/json"},
		{128, 3, 3, 5, 64, "application/json"}, {32, 3, 1, 1, 0, ""}, {32, 3, 40, 40, 1, ""},
	} {
		m := newHeavyModel(c.res, c.ch, 1<<20, 256<<10)
		opt := Options{MaxImages: MaxSide * MaxSide, MaxRequestMemory: 4 << 30}.withDefaults()
		h := New(m, opt)
		body := fmt.Sprintf(`{"identities": %d, "observations": %d, "padding": %d}`, c.rows, c.cols, c.pad)
		status, used := serveOnce(h, body, c.accept)
		used -= uint64(m.sink.Load()) // the model's scratch
		want := outputBytes(m.info, c.rows, c.cols, c.pad, c.accept != "") + requestOverhead
		t.Logf("%+v: server allocated %s, estimated %s", c, mib(int64(used)), mib(want))
		if status != 200 || int64(used) > want || want > 3*int64(used)+requestOverhead {
			t.Errorf("%+v: status %d, allocated %d bytes, estimated %d: want allocated ≤ estimate ≤ 3 × allocated + %d",
				c, status, used, want, requestOverhead)
		}
	}
}

// MeasureModelMemory finds a model's fixed and per-image working memory.
func TestMeasureModelMemory(t *testing.T) {
	m := newHeavyModel(32, 3, 3<<20, 1<<20)
	mem, err := MeasureModelMemory(m)
	if err != nil {
		t.Fatal(err)
	}
	image := int64(32*32*3*4 + 24) // the image itself and its slice header
	near := func(got, want int64) bool { return got >= want && got <= want+want/10+64<<10 }
	if !near(mem.PerImage, 1<<20+image) || !near(mem.Fixed, 3<<20) {
		t.Fatalf("measured %+v; want about 1 MiB + %d bytes per image and 3 MiB per call", mem, image)
	}
}

// A request larger than the memory budget is refused, naming what it needs and the limit; one within it is
// generated in batches that fit, and its images are the same as in one batch.
func TestMemoryBudget(t *testing.T) {
	m := newHeavyModel(64, 3, 0, 9<<20) // about what the authors' 64×64 faces model needs per image
	mem := ModelMemory{PerImage: 9<<20 + 64*64*3*4}
	srv := startServer(t, m, Options{MaxImages: MaxSide * MaxSide, ModelMemory: mem})
	res, b := do(t, "POST", srv.URL+"/api/grid", `{"identities": 100, "observations": 100}`, "")
	if res.StatusCode != 400 || !strings.Contains(string(b), "10000 images of 64×64×3 as PNG need about") ||
		!strings.Contains(string(b), "expected at most 256.0 MiB per request (--max-request-memory)") {
		t.Fatalf("100×100 grid: %d %s; want a 400 naming its memory and the limit", res.StatusCode, b)
	}
	if n := m.calls.Load(); n != 0 {
		t.Fatalf("refused request called the model %d times", n)
	}
	res, whole := do(t, "POST", srv.URL+"/api/grid", `{"seed": 5, "identities": 16, "observations": 16}`, "")
	if res.StatusCode != 200 {
		t.Fatalf("16×16 grid: %d %s", res.StatusCode, whole)
	}
	p, _ := planRequest(Options{ModelMemory: mem}.withDefaults(), m.info, 16, 16, 0, false)
	if most := m.most.Load(); most != int64(p.batch) || p.batch >= 64 || p.batch < 8 || m.calls.Load() != int64((256+p.batch-1)/p.batch) {
		t.Fatalf("16×16 grid: %d model calls of at most %d images; want batches of %d", m.calls.Load(), most, p.batch)
	}
	// The same grid from a server with room for one batch is the same PNG.
	one := startServer(t, m, Options{MaxRequestMemory: 4 << 30, ModelMemory: mem})
	if _, b := do(t, "POST", one.URL+"/api/grid", `{"seed": 5, "identities": 16, "observations": 16}`, ""); string(b) != string(whole) {
		t.Fatal("a grid made in batches differs from the same grid made in large batches")
	}
	// A model that needs more than the budget for one image refuses everything that needs it.
	huge := startServer(t, m, Options{ModelMemory: ModelMemory{PerImage: 300 << 20}})
	if res, b := do(t, "POST", huge.URL+"/api/grid", `{"identities": 1, "observations": 1}`, ""); res.StatusCode != 400 ||
		!strings.Contains(string(b), "300.0 MiB for the model working on one image") {
		t.Fatalf("one image of a 300 MiB model: %d %s", res.StatusCode, b)
	}
}
