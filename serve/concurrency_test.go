package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	rtmetrics "runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// result is one response of a parallel burst.
type result struct {
	status     int
	retryAfter string
	err        error
}

// burst sends n grid requests at once from its own client and returns their results on a channel as they
// arrive; the client's idle connections are closed when all are in.
func burst(url string, n int) <-chan result {
	client := &http.Client{Transport: &http.Transport{}}
	out := make(chan result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"seed": ` + strings.Repeat("1", 1+i%5) + `, "identities": 2, "observations": 3}`
			res, err := client.Post(url+"/api/grid", "application/json", strings.NewReader(body))
			if err != nil {
				out <- result{err: err}
				return
			}
			r := result{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
			if res.StatusCode != 200 { // every failure must carry a JSON error
				var e struct{ Error string }
				if err := json.NewDecoder(res.Body).Decode(&e); err != nil || e.Error == "" {
					r.err = fmt.Errorf("status %d without a JSON error (%v)", res.StatusCode, err)
				}
			}
			res.Body.Close()
			out <- r
		}()
	}
	go func() {
		wg.Wait()
		client.CloseIdleConnections()
	}()
	return out
}

// receive takes one result from ch, failing the test if none comes within a generous time.
func receive(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("a request got no response within 20s")
	}
	return result{}
}

// waitGoroutines waits until the goroutine count falls back to at most base, failing after a while.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutine leak: %d goroutines, %d before\n%s", runtime.NumGoroutine(), base,
				buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConcurrencyShortQueue(t *testing.T) {
	base := runtime.NumGoroutine()
	m := newFakeModel()
	m.block = make(chan struct{})
	srv := httptest.NewServer(New(m, Options{MaxConcurrent: 2, QueueWait: 50 * time.Millisecond}))
	const n = 64
	out := burst(srv.URL, n)
	// Two requests hold the model (blocked); every other one must be turned away with 503 + Retry-After.
	for range n - 2 {
		r := receive(t, out)
		if r.err != nil || r.status != http.StatusServiceUnavailable || r.retryAfter != "1" {
			t.Fatalf("while the model is busy: %+v; want 503 with Retry-After: 1", r)
		}
	}
	close(m.block)
	for range 2 {
		if r := receive(t, out); r.err != nil || r.status != 200 {
			t.Fatalf("the two admitted requests: %+v; want 200", r)
		}
	}
	if got := m.maxRunning.Load(); got != 2 {
		t.Fatalf("model ran %d generations at once; want the limit, 2", got)
	}
	srv.Close()
	waitGoroutines(t, base)
}

func TestConcurrencyGenerousQueue(t *testing.T) {
	base := runtime.NumGoroutine()
	m := newFakeModel()
	m.delay = 2 * time.Millisecond
	srv := httptest.NewServer(New(m, Options{MaxConcurrent: 2, QueueWait: 20 * time.Second}))
	const n = 64
	out := burst(srv.URL, n)
	for range n {
		if r := receive(t, out); r.err != nil || r.status != 200 {
			t.Fatalf("with a generous queue: %+v; want 200", r)
		}
	}
	if got := m.maxRunning.Load(); got > 2 || got < 1 {
		t.Fatalf("model ran %d generations at once; want 1 or 2", got)
	}
	if got := m.calls.Load(); got != n {
		t.Fatalf("model called %d times; want %d", got, n)
	}
	srv.Close()
	waitGoroutines(t, base)
}

func TestTimeout(t *testing.T) {
	base := runtime.NumGoroutine()
	m := newFakeModel()
	m.block = make(chan struct{})
	srv := httptest.NewServer(New(m, Options{Timeout: 50 * time.Millisecond}))
	res, b := do(t, "POST", srv.URL+"/api/grid", `{}`, "")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(b), "did not finish within the server's 50ms request timeout") {
		t.Fatalf("timed-out request: %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), b)
	}
	close(m.block) // the abandoned generation finishes and frees its slot
	if res, b := do(t, "POST", srv.URL+"/api/grid", `{"identities": 1, "observations": 1}`, ""); res.StatusCode != 200 {
		t.Fatalf("after a timeout: %d %s", res.StatusCode, b)
	}
	http.DefaultClient.CloseIdleConnections()
	srv.Close()
	waitGoroutines(t, base)
}

func TestModelFailures(t *testing.T) {
	for _, c := range []struct{ fail, want string }{
		{"error", "generate: fake failure"},
		{"panic", "model panicked: fake panic"},
		{"short", "image 0 has 506 values; expected res×res×channels = 13×13×3 = 507"},
		{"count", "model returned 15 images; expected 16"},
	} {
		t.Run(c.fail, func(t *testing.T) {
			m := newFakeModel()
			m.fail = c.fail
			srv := startServer(t, m, Options{})
			res, b := do(t, "POST", srv.URL+"/api/grid", `{}`, "")
			if res.StatusCode != 500 || !strings.Contains(string(b), c.want) {
				t.Fatalf("%d %s; want 500 containing %q", res.StatusCode, b, c.want)
			}
			m.fail = ""
			if res, b := do(t, "POST", srv.URL+"/api/grid", `{}`, ""); res.StatusCode != 200 {
				t.Fatalf("after the failure: %d %s", res.StatusCode, b)
			}
		})
	}
	m := newFakeModel()
	m.info.Channels = 2
	srv := startServer(t, m, Options{})
	if res, b := do(t, "GET", srv.URL+"/api/info", "", ""); res.StatusCode != 500 || !strings.Contains(string(b), "channels 2: expected 1 or 3") {
		t.Fatalf("bad model info: %d %s", res.StatusCode, b)
	}
}

// peakMemory samples the memory the Go runtime holds from the OS until stop is closed, and returns its peak.
func peakMemory(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		sample := []rtmetrics.Sample{{Name: "/memory/classes/total:bytes"}}
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			rtmetrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// 200 parallel requests at the default limits, against a 32×32 RGB model that needs 2 MiB of working memory
// per image and does not batch by itself: the process stays under 1.5 GB, /healthz keeps answering within a
// second or two, and every request gets its grid or, when the queue is full for --queue-wait, a JSON 503.
func TestConcurrencyMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of generation")
	}
	base := runtime.NumGoroutine()
	m := newHeavyModel(32, 3, 0, 2<<20)
	mem, err := MeasureModelMemory(m)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(m, Options{ModelMemory: mem}))
	stop := make(chan struct{})
	peak := peakMemory(stop)
	health := make(chan time.Duration, 1)
	go func() { // /healthz, polled all along
		client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
		defer client.CloseIdleConnections()
		var worst time.Duration
		for !closed(stop) {
			start := time.Now()
			res, err := client.Get(srv.URL + "/healthz")
			if err != nil || res.StatusCode != 200 {
				worst = time.Hour
			} else {
				res.Body.Close()
			}
			worst = max(worst, time.Since(start))
			time.Sleep(20 * time.Millisecond)
		}
		health <- worst
	}()
	const n = 200
	client := &http.Client{Transport: &http.Transport{}}
	out := make(chan result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"seed": ` + fmt.Sprint(i) + `, "identities": 4, "observations": 4}` // the page's grid
			if i%40 == 0 {
				body = `{"seed": ` + fmt.Sprint(i) + `, "identities": 16, "observations": 16, "padding": 2}` // the most
			}
			req, _ := http.NewRequest("POST", srv.URL+"/api/grid", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			res, err := client.Do(req)
			if err != nil {
				out <- result{err: err}
				return
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			r := result{status: res.StatusCode, err: err}
			if res.StatusCode != 200 && (res.StatusCode != 503 || !bytes.Contains(b, []byte(`"error"`))) {
				r.err = fmt.Errorf("status %d: %s", res.StatusCode, b)
			}
			out <- r
		}()
	}
	start := time.Now()
	wg.Wait()
	took := time.Since(start)
	close(stop)
	ok := 0
	for range n {
		r := <-out
		if r.err != nil {
			t.Errorf("request: %v", r.err)
		}
		if r.status == 200 {
			ok++
		}
	}
	worst, most := <-health, <-peak
	t.Logf("%d requests in %v: %d answered 200, the rest 503; peak memory %s; slowest /healthz %v; model calls of at most %d images",
		n, took.Round(time.Millisecond), ok, mib(int64(most)), worst.Round(time.Millisecond), m.most.Load())
	if most > 1_500_000_000 {
		t.Errorf("peak memory %s; want under 1.5 GB", mib(int64(most)))
	}
	if worst > 2*time.Second {
		t.Errorf("/healthz took up to %v during the burst; want it answering within 2s", worst)
	}
	if ok == 0 {
		t.Errorf("none of %d requests answered 200", n)
	}
	client.CloseIdleConnections()
	srv.Close()
	waitGoroutines(t, base)
}

// Closing Options.Stop answers every request waiting for a slot or generating with a JSON 503 at once; the
// model call in progress finishes in the background, and nothing more is generated.
func TestStop(t *testing.T) {
	base := runtime.NumGoroutine()
	m := newFakeModel()
	m.block = make(chan struct{})
	stop := make(chan struct{})
	srv := httptest.NewServer(New(m, Options{MaxConcurrent: 1, QueueWait: time.Minute, Timeout: time.Minute, Stop: stop}))
	out := burst(srv.URL, 5)
	for m.calls.Load() != 1 || m.running.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the other four queue
	begin := time.Now()
	close(stop)
	for range 5 {
		if r := receive(t, out); r.err != nil || r.status != http.StatusServiceUnavailable {
			t.Fatalf("at the stop: %+v; want a JSON 503", r)
		}
	}
	if took := time.Since(begin); took > time.Second {
		t.Fatalf("requests answered %v after the stop; want at once", took)
	}
	res, b := do(t, "POST", srv.URL+"/api/grid", `{}`, "")
	if res.StatusCode != 503 || !strings.Contains(string(b), "server shutting down") {
		t.Fatalf("after the stop: %d %s; want 503 saying the server is shutting down", res.StatusCode, b)
	}
	if res, _ := do(t, "GET", srv.URL+"/healthz", "", ""); res.StatusCode != 200 {
		t.Fatalf("healthz after the stop: %d", res.StatusCode)
	}
	close(m.block)
	if n := m.calls.Load(); n != 1 {
		t.Fatalf("model called %d times; want only the call in progress at the stop", n)
	}
	http.DefaultClient.CloseIdleConnections()
	srv.Close()
	waitGoroutines(t, base)
}
