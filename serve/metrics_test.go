package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// scrape fetches /metrics and returns each series' value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, b := do(t, "GET", url+"/metrics", "", "")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	values := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("metrics: bad line %q", line)
		}
		values[line[:i]] = v
	}
	return values
}

func TestMetrics(t *testing.T) {
	m := newFakeModel()
	srv := startServer(t, m, Options{})
	do(t, "GET", srv.URL+"/healthz", "", "")
	do(t, "POST", srv.URL+"/api/grid", `{"identities": 3, "observations": 5}`, "")
	do(t, "POST", srv.URL+"/api/grid", `{"identities": 1, "observations": 7}`, "application/json")
	do(t, "POST", srv.URL+"/api/grid", `{"identities": 0}`, "")
	do(t, "GET", srv.URL+"/api/grid", "", "")
	do(t, "GET", srv.URL+"/missing", "", "")
	m.fail = "error"
	do(t, "POST", srv.URL+"/api/grid", `{"identities": 2, "observations": 2}`, "")
	got := scrape(t, srv.URL)
	want := map[string]float64{
		`sdgan_http_requests_total{route="healthz",code="200"}`:   1,
		`sdgan_http_requests_total{route="grid",code="200"}`:      2,
		`sdgan_http_requests_total{route="grid",code="400"}`:      1,
		`sdgan_http_requests_total{route="grid",code="405"}`:      1,
		`sdgan_http_requests_total{route="grid",code="500"}`:      1,
		`sdgan_http_requests_total{route="not_found",code="404"}`: 1,
		`sdgan_errors_total{kind="bad_request"}`:                  1,
		`sdgan_errors_total{kind="method_not_allowed"}`:           1,
		`sdgan_errors_total{kind="not_found"}`:                    1,
		`sdgan_errors_total{kind="model"}`:                        1,
		`sdgan_generation_failures_total`:                         1,
		`sdgan_images_generated_total`:                            3*5 + 7,
		`sdgan_generation_duration_seconds_count`:                 3,
		`sdgan_generation_duration_seconds_bucket{le="+Inf"}`:     3,
		`sdgan_generations_in_flight`:                             0,
		`sdgan_generations_queued`:                                0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	// Buckets are cumulative: non-decreasing in le, ending at the count.
	prev := 0.0
	for _, le := range latencyBuckets {
		b := got[`sdgan_generation_duration_seconds_bucket{le="`+strconv.FormatFloat(le, 'g', -1, 64)+`"}`]
		if b < prev || b > 3 {
			t.Errorf("bucket le=%v = %v after %v; want cumulative counts up to 3", le, b, prev)
		}
		prev = b
	}
	if got["sdgan_generation_duration_seconds_sum"] <= 0 {
		t.Error("latency sum is not positive")
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAccessLog(t *testing.T) {
	var logs syncBuffer
	srv := startServer(t, newFakeModel(), Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	_, b := do(t, "POST", srv.URL+"/api/grid", `{"identities": 2, "observations": 3}`, "")
	do(t, "GET", srv.URL+"/api/sample", "", "")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d log lines, want 2:\n%s", len(lines), logs.String())
	}
	for i, want := range []struct {
		method, path string
		status       int
		bytes        int
	}{{"POST", "/api/grid", 200, len(b)}, {"GET", "/api/sample", 405, -1}} {
		var entry struct {
			Msg, Method, Path string
			Status            int
			Bytes             int
			DurationMS        *float64 `json:"duration_ms"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &entry); err != nil {
			t.Fatalf("log line %q: %v", lines[i], err)
		}
		if entry.Msg != "request" || entry.Method != want.method || entry.Path != want.path || entry.Status != want.status ||
			entry.DurationMS == nil || *entry.DurationMS < 0 || entry.Bytes <= 0 || want.bytes >= 0 && entry.Bytes != want.bytes {
			t.Errorf("log line %q: want %+v", lines[i], want)
		}
	}
}
