package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sdgan/model"
	"sdgan/serve"
)

// serveTestModel is a small deterministic model: every pixel of image i is zi[i][0]·zo[i][0], in [−1, 1].
type serveTestModel struct {
	delay   time.Duration
	started chan struct{} // when non-nil, receives a value as each generation starts, unless it is full
}

func (serveTestModel) Info() serve.Info {
	return serve.Info{Arch: "test", Res: 5, Channels: 1, K: 2, DI: 3, DO: 2, Step: 7}
}

func (m serveTestModel) Generate(zi, zo [][]float32) ([][]float32, error) {
	if m.started != nil {
		select {
		case m.started <- struct{}{}:
		default:
		}
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
		{[]string{"--model", "m", "--dry-run", "--max-request-memory", "1GiB", "--allow-host", "explorer.lan",
			"--allow-host", "[fd00::1]"}, ""},
		{[]string{"--model", "m", "--dry-run", "--max-request-memory", "1MiB"}, "--max-request-memory 1MiB: expected at least 16MiB"},
		{[]string{"--model", "m", "--dry-run", "--max-request-memory", "lots"}, `"lots": expected a number of bytes`},
		{[]string{"--model", "m", "--dry-run", "--max-request-memory", "-5"}, `"-5": expected a number of bytes`},
		{[]string{"--model", "m", "--dry-run", "--max-request-memory", "9999999999GiB"}, `expected a number of bytes`},
		{[]string{"--model", "m", "--dry-run", "--allow-host", "evil.example:8080"}, `"evil.example:8080": expected a host name`},
		{[]string{"--model", "m", "--dry-run", "--allow-host", ""}, `"": expected a host name`},
		{[]string{"--model", "m", "--dry-run", "--allow-host", "*"}, `"*": expected a host name`},
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
	m, err := loadServeModel(run, model.WeightsAuto, serveProjection{1, 1})
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
// the request must still complete (graceful shutdown) and runServe must return context.Canceled (exit 130).
func TestServeRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan net.Addr, 1)
	started := make(chan struct{}, 1)
	opts := serveOptions{model: "fake", addr: "127.0.0.1:0", shutdownTimeout: 5 * time.Second,
		limits: serve.Options{MaxConcurrent: 1},
		load: func(string, model.Weights, serveProjection) (serve.Model, error) {
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
	select { // forget the generations that measured the model's memory before it listened
	case <-started:
	default:
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
		if !errors.Is(err, context.Canceled) || exitCode(err) != 130 {
			t.Fatalf("runServe: %v; want context.Canceled, exit status 130", err)
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

// startServe runs runServe with opts on a free port and returns its base URL and its result channel; the
// test's end stops it.
func startServe(t *testing.T, ctx context.Context, opts serveOptions) (string, <-chan error) {
	t.Helper()
	addrc := make(chan net.Addr, 1)
	opts.addr = "127.0.0.1:0"
	opts.ready = func(a net.Addr) { addrc <- a }
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, opts, io.Discard, io.Discard) }()
	select {
	case a := <-addrc:
		return "http://" + a.String(), done
	case err := <-done:
		t.Fatalf("runServe returned before listening: %v", err)
	}
	return "", nil
}

// postGrid posts a small grid request and reports its status and JSON error, on a channel.
func postGrid(base string) <-chan string {
	out := make(chan string, 1)
	go func() {
		res, err := http.Post(base+"/api/grid", "application/json", strings.NewReader(`{"identities": 1, "observations": 2}`))
		if err != nil {
			out <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		out <- res.Status + " " + string(b)
	}()
	return out
}

// stuckModel is serveTestModel, except that once stuck is set each generation signals started and then waits
// for block.
type stuckModel struct {
	serveTestModel
	stuck   atomic.Bool
	started chan struct{}
	block   chan struct{}
}

func (m *stuckModel) Generate(zi, zo [][]float32) ([][]float32, error) {
	if m.stuck.Load() {
		m.started <- struct{}{}
		<-m.block
	}
	return m.serveTestModel.Generate(zi, zo)
}

// On SIGINT/SIGTERM the server stops within --shutdown-timeout and a little more even when the model never
// finishes: the request generating and those queued behind it get a JSON 503 saying the server is shutting down.
func TestServeStopsQuickly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := &stuckModel{started: make(chan struct{}, 1), block: make(chan struct{})}
	defer close(m.block)
	opts := serveOptions{model: "fake", shutdownTimeout: 300 * time.Millisecond,
		limits: serve.Options{MaxConcurrent: 1, QueueWait: time.Minute, Timeout: time.Minute},
		load:   func(string, model.Weights, serveProjection) (serve.Model, error) { return m, nil }}
	base, done := startServe(t, ctx, opts)
	m.stuck.Store(true) // the model's memory is measured: from now on, generations never end
	first := postGrid(base)
	<-m.started
	queued := []<-chan string{postGrid(base), postGrid(base)}
	time.Sleep(100 * time.Millisecond) // let them queue
	begin := time.Now()
	cancel()
	for i, c := range append([]<-chan string{first}, queued...) {
		if got := <-c; !strings.HasPrefix(got, "503 ") || !strings.Contains(got, `"error":"server shutting down`) {
			t.Errorf("request %d at shutdown: %s; want a JSON 503 saying the server is shutting down", i, got)
		}
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("runServe: %v; want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runServe did not return within 5s of the signal")
	}
	if took := time.Since(begin); took > 1500*time.Millisecond {
		t.Fatalf("stopping took %v; want about the 300ms shutdown timeout", took)
	}
}

// The served API answers Host names of loopback, the listen address and --allow-host, and refuses others.
func TestServeHosts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := serveOptions{model: "fake", shutdownTimeout: time.Second, allowHosts: hostList{"explorer.lan"},
		load: func(string, model.Weights, serveProjection) (serve.Model, error) { return serveTestModel{}, nil }}
	base, done := startServe(t, ctx, opts)
	for host, want := range map[string]int{"explorer.lan:80": 200, "localhost": 200, "127.0.0.1:1": 200,
		"evil.example": 403, "explorer.lan.evil.example": 403} {
		req, _ := http.NewRequest("GET", base+"/api/info", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %q: %d; want %d", host, res.StatusCode, want)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("runServe: %v", err)
	}
	// Listening on every interface accepts this machine's addresses, loopback among them.
	hosts := listenHosts(&net.TCPAddr{IP: net.IPv4zero, Port: 8080})
	if !slices.Contains(hosts, "127.0.0.1") {
		t.Errorf("listening on 0.0.0.0: hosts %q lack 127.0.0.1", hosts)
	}
	if got := listenHosts(&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 8080}); !slices.Equal(got, []string{"192.0.2.7"}) {
		t.Errorf("listening on 192.0.2.7: hosts %q", got)
	}
}

// The served checkpoint projects uploads through sdgan project's optimiser, with the server's steps and starts,
// and serve --identity lists a zi.json for the page.
func TestServeProjects(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	ckpt := testCheckpoint(t, cfg)
	m, err := loadServeModel(ckpt, model.WeightsAuto, serveProjection{steps: 4, starts: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := m.(serve.Projector)
	if !ok || p.ProjectInfo() == nil || p.ProjectInfo().MaxImages != 8 || p.ProjectInfo().Steps != 4 {
		t.Fatalf("the served model does not project as asked: %v", p)
	}
	var steps []int
	r, err := p.Project(context.Background(), [][]float32{make([]float32, cfg.ImageSize())}, func(step, _ int) { steps = append(steps, step) })
	if err != nil || len(r.ZI) != cfg.DI || len(r.Images) != 1 || len(steps) != 4 {
		t.Fatalf("project: %v, %d progress calls", err, len(steps))
	}
	ac := model.DefaultConfig(model.ACGAN, 32, 1)
	ac.Classes = 3
	acm, err := loadServeModel(testCheckpoint(t, ac), model.WeightsAuto, serveProjection{steps: 4, starts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if acm.(serve.Projector).ProjectInfo() != nil {
		t.Error("an AC-DCGAN offers to project")
	}

	zi := filepath.Join(t.TempDir(), "zi.json")
	js, _ := json.Marshal(identityFile{Name: "me", ZI: r.ZI})
	if err := os.WriteFile(zi, js, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := serveOptions{load: loadServeModel}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	opts.addFlags(fs)
	if err := fs.Parse([]string{"--model", ckpt, "--identity", zi, "--project-steps", "4", "--project-starts", "1"}); err != nil {
		t.Fatal(err)
	}
	if err := opts.check(); err != nil {
		t.Fatal(err)
	}
	base, done := startServe(t, ctx, opts)
	res, err := http.Get(base + "/api/info")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"projected":[{"name":"me","zi":[`) || !strings.Contains(string(body), `"project":{"max_images":8,"steps":4`) {
		t.Errorf("/api/info: %s", body)
	}
	cancel()
	<-done
	opts.identities = identityFilesFlag{filepath.Join(t.TempDir(), "missing.json")}
	if err := runServe(context.Background(), opts, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--identity") {
		t.Errorf("a missing --identity file: error %v", err)
	}
}

// Projections running at once, beside generations, give the codes one alone gives: they share the generator
// only to read it.
func TestServeProjectsConcurrently(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	m, err := loadServeModel(testCheckpoint(t, cfg), model.WeightsAuto, serveProjection{steps: 3, starts: 2})
	if err != nil {
		t.Fatal(err)
	}
	p := m.(serve.Projector)
	img := make([]float32, cfg.ImageSize())
	for i := range img {
		img[i] = float32(i%7)/7 - 0.5
	}
	alone, err := p.Project(context.Background(), [][]float32{img}, func(int, int) {})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	codes := make([][]float32, 3)
	for k := range codes {
		wg.Go(func() {
			r, err := p.Project(context.Background(), [][]float32{img}, func(int, int) {})
			if err == nil {
				codes[k] = r.ZI
			}
		})
	}
	wg.Go(func() {
		zi, zo := serve.SampleGrid(1, 4, 4, cfg.DI, cfg.DO)
		if _, err := m.Generate(zi, zo); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	for k, c := range codes {
		if !slices.Equal(c, alone.ZI) {
			t.Errorf("concurrent projection %d found other codes than one alone", k)
		}
	}
}
