package serve

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the generation latency histogram. Read only.
var latencyBuckets = [...]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// metrics counts what the server does, for GET /metrics in the Prometheus text format (version 0.0.4).
// One value per server: nothing is global.
type metrics struct {
	inFlight atomic.Int64 // generations running
	queued   atomic.Int64 // requests waiting for a generation slot

	mu          sync.Mutex
	requests    map[[2]string]int64 // (route, status code) → count
	errors      map[string]int64    // kind → count
	images      int64               // images generated
	genFailures int64               // model calls that returned an error
	buckets     [len(latencyBuckets)]int64
	latencySum  float64
	latencyN    int64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]int64{}, errors: map[string]int64{}}
}

func (m *metrics) countRequest(route string, status int) {
	m.mu.Lock()
	m.requests[[2]string{route, strconv.Itoa(status)}]++
	m.mu.Unlock()
}

func (m *metrics) countError(kind string) {
	m.mu.Lock()
	m.errors[kind]++
	m.mu.Unlock()
}

// observeGeneration records one model call: its latency, and the images it made or its failure.
func (m *metrics) observeGeneration(d time.Duration, images int, err error) {
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, le := range latencyBuckets {
		if sec <= le {
			m.buckets[i]++
		}
	}
	m.latencySum += sec
	m.latencyN++
	if err != nil {
		m.genFailures++
		return
	}
	m.images += int64(images)
}

// write prints every metric in the Prometheus text exposition format, in a stable order.
func (m *metrics) write(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := &printer{w: w}
	p.header("sdgan_http_requests_total", "counter", "HTTP requests served, by route and status code.")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i][0] < keys[j][0] || keys[i][0] == keys[j][0] && keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		p.line(fmt.Sprintf("sdgan_http_requests_total{route=%q,code=%q}", k[0], k[1]), float64(m.requests[k]))
	}
	p.header("sdgan_errors_total", "counter",
		"Requests that failed, by kind: bad_request, over_memory_budget, body_too_large, unsupported_media_type, "+
			"forbidden_host, forbidden_origin, method_not_allowed, not_found, busy, timeout, canceled, shutting_down, "+
			"model, internal.")
	kinds := make([]string, 0, len(m.errors))
	for k := range m.errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		p.line(fmt.Sprintf("sdgan_errors_total{kind=%q}", k), float64(m.errors[k]))
	}
	p.header("sdgan_generation_failures_total", "counter", "Model calls that returned an error or panicked.")
	p.line("sdgan_generation_failures_total", float64(m.genFailures))
	p.header("sdgan_generation_duration_seconds", "histogram", "Time to generate one grid (all its model calls).")
	for i, le := range latencyBuckets {
		p.line(fmt.Sprintf("sdgan_generation_duration_seconds_bucket{le=%q}", strconv.FormatFloat(le, 'g', -1, 64)), float64(m.buckets[i]))
	}
	p.line(`sdgan_generation_duration_seconds_bucket{le="+Inf"}`, float64(m.latencyN))
	p.line("sdgan_generation_duration_seconds_sum", m.latencySum)
	p.line("sdgan_generation_duration_seconds_count", float64(m.latencyN))
	p.header("sdgan_images_generated_total", "counter", "Images generated.")
	p.line("sdgan_images_generated_total", float64(m.images))
	p.header("sdgan_generations_in_flight", "gauge", "Model calls running now.")
	p.line("sdgan_generations_in_flight", float64(m.inFlight.Load()))
	p.header("sdgan_generations_queued", "gauge", "Requests waiting for a generation slot now.")
	p.line("sdgan_generations_queued", float64(m.queued.Load()))
	return p.err
}

// printer writes metric lines, keeping the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) header(name, typ, help string) {
	p.printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (p *printer) line(series string, v float64) {
	p.printf("%s %s\n", series, strconv.FormatFloat(v, 'g', -1, 64))
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
