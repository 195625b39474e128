package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
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
