package main

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sdgan/serve"
)

// serveTestModel is a small deterministic model: every pixel of image i is zi[i][0]·zo[i][0], in [−1, 1].
type serveTestModel struct {
	delay   time.Duration
	started chan struct{} // when non-nil, receives a value as each generation starts (buffered)
}

func (serveTestModel) Info() serve.Info {
	return serve.Info{Arch: "test", Res: 5, Channels: 1, K: 2, DI: 3, DO: 2, Step: 7}
}

func (m serveTestModel) Generate(zi, zo [][]float32) ([][]float32, error) {
	if m.started != nil {
		m.started <- struct{}{}
	}
	time.Sleep(m.delay)
	out := make([][]float32, len(zi))
	for i := range zi {
		out[i] = make([]float32, 25)
		for k := range out[i] {
			out[i][k] = zi[i][0] * zo[i][0]
		}
	}
	return out, nil
}

// lockedBuffer is a bytes.Buffer that the server goroutine and the test may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string // substring of the error; "" for success
	}{
		{[]string{"--model", "m.safetensors", "--dry-run"}, ""},
		{[]string{"--dry-run"}, "--model: required"},
		{[]string{"--model", "m", "--dry-run", "--max-images", "0"}, "--max-images 0: expected 1 to 10000"},
		{[]string{"--model", "m", "--dry-run", "--max-concurrent", "-1"}, "--max-concurrent -1"},
		{[]string{"--model", "m", "--dry-run", "--queue-wait", "0s"}, "--queue-wait 0s"},
		{[]string{"--model", "m", "--dry-run", "--timeout", "-1s"}, "--timeout -1s"},
		{[]string{"--model", "m", "--dry-run", "--max-body", "10"}, "--max-body 10"},
		{[]string{"--model", "m", "--dry-run", "--shutdown-timeout", "0s"}, "--shutdown-timeout 0s"},
		{[]string{"--model", "m", "--dry-run", "--addr", "nocolon"}, `--addr "nocolon": expected host:port`},
		{[]string{"--model", "m", "extra"}, "unexpected arguments"},
		{[]string{"--model", "m", "--bogus"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		err := serveCmd().run(context.Background(), c.args, &stdout, &stderr)
		if c.want == "" {
			if err != nil || !strings.Contains(stdout.String(), "dry run") {
				t.Errorf("%q: err %v, stdout %q; want a dry-run summary", c.args, err, stdout.String())
			}
			continue
		}
		var ue *usageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v; want a usage error containing %q", c.args, err, c.want)
		}
	}
}

func TestServeMissingModel(t *testing.T) {
	err := serveCmd().run(context.Background(), []string{"--model", "x.safetensors", "--addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "x.safetensors") {
		t.Fatalf("err %v; want an error naming the file", err)
	}
}

// The real loader serves a trained checkpoint: its facts, and one image per code pair of the right size.
func TestServeLoadsTrainedModel(t *testing.T) {
	run := t.TempDir()
	if code, _, stderr := sdgan("train", "--data", trainFixture(t), "--out", run, "--steps", "1", "--batch", "2"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	m, err := loadServeModel(run)
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	if info.Arch != "dcgan" || info.Res != 32 || info.Channels != 3 || info.DI != 50 || info.Step != 1 {
		t.Fatalf("info %+v", info)
	}
	zi, zo := serve.SampleGrid(1, 2, 2, info.DI, info.DO)
	imgs, err := m.Generate(zi, zo)
	if err != nil || len(imgs) != 2 || len(imgs[0]) != 32*32*3 {
		t.Fatalf("generate: %d images, %v", len(imgs), err)
	}
	if _, err := m.Generate(zi[:1], zo); err == nil {
		t.Fatal("mismatched code lists accepted")
	}
}

// TestServeRun serves a model on a free port, makes requests, then stops it while a slow request is in flight:
// the request must still complete (graceful shutdown) and runServe must return nil.
func TestServeRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan net.Addr, 1)
	started := make(chan struct{}, 1)
	opts := serveOptions{model: "fake", addr: "127.0.0.1:0", shutdownTimeout: 5 * time.Second,
		limits: serve.Options{MaxConcurrent: 1},
		load: func(string) (serve.Model, error) {
			return serveTestModel{delay: 100 * time.Millisecond, started: started}, nil
		},
		ready: func(a net.Addr) { addrc <- a }}
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, opts, &stdout, &stderr) }()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("runServe returned before listening: %v", err)
	}
	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()

	slow := make(chan error, 1)
	go func() {
		res, err := http.Post(base+"/api/grid", "application/json", strings.NewReader(`{"seed": 3, "identities": 2, "observations": 3}`))
		if err != nil {
			slow <- err
			return
		}
		defer res.Body.Close()
		img, err := png.Decode(res.Body)
		if err == nil && (res.StatusCode != 200 || img.Bounds().Dx() != 15 || img.Bounds().Dy() != 10) {
			err = errors.New("grid: status " + res.Status + ", want 200 and a 15×10 PNG")
		}
		slow <- err
	}()
	select { // stop only once the slow request is inside the model
	case <-started:
	case err := <-slow:
		t.Fatalf("slow request ended before reaching the model: %v", err)
	}
	cancel()
	if err := <-slow; err != nil {
		t.Fatalf("request in flight during shutdown: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runServe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runServe did not return after shutdown")
	}
	out := stdout.String()
	if !strings.Contains(out, "on http://127.0.0.1:") || !strings.Contains(out, "stopped") {
		t.Errorf("stdout %q lacks the address or the stop line", out)
	}
	if logs := stderr.String(); !strings.Contains(logs, `"path":"/healthz"`) || !strings.Contains(logs, `"path":"/api/grid"`) {
		t.Errorf("stderr lacks JSON access logs: %q", logs)
	}
}
