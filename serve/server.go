package serve

import (
	"bytes"
	"log/slog"
	"net/http"
	"time"
)

// server holds the handler's dependencies: the model, the options, the generation gate and the metrics.
type server struct {
	model   Model
	opt     Options
	gate    *gate
	metrics *metrics
	mux     *http.ServeMux
}

// New returns the HTTP handler serving m: the API routes listed in API.md and the explorer page at /.
// Zero fields of opt take their defaults.
func New(m Model, opt Options) http.Handler {
	opt = opt.withDefaults()
	s := &server{model: m, opt: opt, gate: newGate(opt.MaxConcurrent, opt.QueueWait), metrics: newMetrics(),
		mux: http.NewServeMux()}
	s.route("/healthz", "healthz", http.MethodGet, s.handleHealth)
	s.route("/api/info", "info", http.MethodGet, s.handleInfo)
	s.route("/api/grid", "grid", http.MethodPost, s.handleGrid)
	s.route("/api/sample", "sample", http.MethodPost, s.handleSample)
	s.route("/api/interpolate", "interpolate", http.MethodPost, s.handleInterpolate)
	s.route("/metrics", "metrics", http.MethodGet, s.handleMetrics)
	s.route("/{$}", "page", http.MethodGet, s.handlePage)
	s.route("/static/", "static", http.MethodGet, staticHandler().ServeHTTP)
	s.route("/", "not_found", "", s.handleNotFound)
	return s.mux
}

// route registers h at pattern for method (GET also allows HEAD; "" allows any), wrapped in the access log
// and the request metrics under the label name.
func (s *server) route(pattern, name, method string, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.instrument(name, func(w http.ResponseWriter, r *http.Request) {
		if method != "" && r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			allow := method
			if method == http.MethodGet {
				allow += ", " + http.MethodHead
			}
			w.Header().Set("Allow", allow)
			s.fail(w, &apiError{status: http.StatusMethodNotAllowed, kind: "method_not_allowed",
				msg: "method " + r.Method + " on " + r.URL.Path + ": expected " + allow})
			return
		}
		h(w, r)
	}))
}

// instrument logs one JSON access-log line per request and counts it by route and status.
func (s *server) instrument(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		h(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.metrics.countRequest(route, rec.status)
		s.opt.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", route),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("remote", r.RemoteAddr))
	})
}

// recorder remembers the status and the body size written through it.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, &apiError{status: http.StatusNotFound, kind: "not_found",
		msg: "path " + r.URL.Path + ": no such route; expected one of /, /api/info, /api/grid, /api/sample, /api/interpolate, /healthz, /metrics"})
}

func (s *server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := s.metrics.write(&buf); err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(buf.Bytes())
}

// modelInfo returns the model's info, or a 500 when the server cannot render what it describes.
func (s *server) modelInfo() (Info, error) {
	info := s.model.Info()
	if err := info.Validate(); err != nil {
		return info, &apiError{status: http.StatusInternalServerError, kind: "model", msg: err.Error()}
	}
	return info, nil
}

// infoResponse is the body of GET /api/info.
type infoResponse struct {
	Arch     string            `json:"arch"`
	Res      int               `json:"res"`
	Channels int               `json:"channels"`
	K        int               `json:"k"`
	DI       int               `json:"d_i"`
	DO       int               `json:"d_o"`
	Step     int64             `json:"step"`
	Facts    map[string]string `json:"facts"`
	Limits   limits            `json:"limits"`
}

// limits tells clients the request bounds.
type limits struct {
	MaxImages    int   `json:"max_images"`
	MaxSide      int   `json:"max_side"`
	MaxPadding   int   `json:"max_padding"`
	MaxAbsLatent int   `json:"max_abs_latent"`
	MaxBody      int64 `json:"max_body_bytes"`
}

func (s *server) handleInfo(w http.ResponseWriter, r *http.Request) {
	info, err := s.modelInfo()
	if err != nil {
		s.fail(w, err)
		return
	}
	facts := info.Facts
	if facts == nil {
		facts = map[string]string{}
	}
	writeJSON(w, http.StatusOK, infoResponse{
		Arch: info.Arch, Res: info.Res, Channels: info.Channels, K: info.K, DI: info.DI, DO: info.DO,
		Step: info.Step, Facts: facts,
		Limits: limits{MaxImages: s.opt.MaxImages, MaxSide: MaxSide, MaxPadding: MaxPadding,
			MaxAbsLatent: MaxAbsLatent, MaxBody: s.opt.MaxBody},
	})
}
