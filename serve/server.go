package serve

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// server holds the handler's dependencies: the model, the options, the generation gate and the metrics.
type server struct {
	model   Model
	opt     Options
	gate    *gate
	metrics *metrics
	mux     *http.ServeMux
	hosts   map[string]bool             // accepted Host names, normalised by hostName
	origins *http.CrossOriginProtection // refuses cross-site POSTs
	refuse  http.Handler                // answers requests refused for their Host or Origin
}

// securityHeaders go on every response. The policy lets the page load only its own script, style and images
// (cells arrive as data: URLs) and talk only to its own server; no page may frame it.
var securityHeaders = [][2]string{
	{"Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
}

// loopbackHosts are always accepted in the Host header.
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// New returns the HTTP handler serving m: the API routes listed in API.md and the explorer page at /.
// Zero fields of opt take their defaults.
func New(m Model, opt Options) http.Handler {
	opt = opt.withDefaults()
	s := &server{model: m, opt: opt, gate: newGate(opt.MaxConcurrent, opt.QueueWait), metrics: newMetrics(),
		mux: http.NewServeMux(), hosts: map[string]bool{}, origins: http.NewCrossOriginProtection()}
	for _, h := range append(append([]string{}, loopbackHosts...), opt.AllowHosts...) {
		s.hosts[hostName(h)] = true
	}
	s.refuse = s.instrument("forbidden", s.handleForbidden)
	s.route("/healthz", "healthz", http.MethodGet, s.handleHealth)
	s.route("/api/info", "info", http.MethodGet, s.handleInfo)
	s.route("/api/grid", "grid", http.MethodPost, s.handleGrid)
	s.route("/api/sample", "sample", http.MethodPost, s.handleSample)
	s.route("/api/interpolate", "interpolate", http.MethodPost, s.handleInterpolate)
	s.route("/api/project", "project", http.MethodPost, s.handleProject)
	s.route("/metrics", "metrics", http.MethodGet, s.handleMetrics)
	s.route("/{$}", "page", http.MethodGet, s.handlePage)
	s.route("/static/", "static", http.MethodGet, s.handleStatic)
	s.route("/", "not_found", "", s.handleNotFound)
	return s
}

// ServeHTTP sets the security headers, refuses requests for a foreign Host (DNS rebinding) or from a foreign
// page (cross-site POSTs), and routes the rest.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, h := range securityHeaders {
		w.Header().Set(h[0], h[1])
	}
	if !s.hosts[hostName(r.Host)] || s.origins.Check(r) != nil {
		s.refuse.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// hostName normalises a Host header value or an allowed host: lower case, without port, brackets or trailing
// dot, and IP addresses in their canonical form.
func hostName(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().WithZone("").String()
	}
	return h
}

// handleForbidden answers a request refused by ServeHTTP's checks with a 403 that says which.
func (s *server) handleForbidden(w http.ResponseWriter, r *http.Request) {
	if !s.hosts[hostName(r.Host)] {
		s.fail(w, &apiError{status: http.StatusForbidden, kind: "forbidden_host",
			msg: fmt.Sprintf("Host %q: not a name this server answers to; expected localhost, 127.0.0.1, [::1], "+
				"the listen address or a name given with --allow-host", r.Host)})
		return
	}
	s.fail(w, &apiError{status: http.StatusForbidden, kind: "forbidden_origin",
		msg: fmt.Sprintf("%s %s from origin %q (Sec-Fetch-Site %q): cross-site request refused; expected a request "+
			"from this server's own page or a non-browser client", r.Method, r.URL.Path, r.Header.Get("Origin"),
			r.Header.Get("Sec-Fetch-Site"))})
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
		msg: "path " + r.URL.Path + ": no such route; expected one of /, /api/info, /api/grid, /api/sample, /api/interpolate, /api/project, /healthz, /metrics"})
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
	// Identities is there only for a model whose identities are labels of its training data (an AC-GAN).
	Identities *identitiesInfo `json:"identities,omitempty"`
	// Project says how POST /api/project projects images; absent when the model cannot.
	Project *ProjectInfo `json:"project,omitempty"`
	// Projected lists the projected identities the server was started with (serve --identity).
	Projected []NamedIdentity `json:"projected"`
}

// identitiesInfo describes a model that knows a fixed set of identities.
type identitiesInfo struct {
	Count int      `json:"count"`
	Names []string `json:"names"`
	Note  string   `json:"note"`
}

// conditionalNote is what /api/info and the page say of a model with a fixed set of identities.
const conditionalNote = "a conditional model (AC-GAN): every identity code it samples is the learned code of one of " +
	"these training identities, and it cannot sample new identities; interpolating between two rows blends two " +
	"learned codes, which the model was never trained to draw as identities"

// limits tells clients the request bounds.
type limits struct {
	MaxImages        int   `json:"max_images"`
	MaxSide          int   `json:"max_side"`
	MaxPadding       int   `json:"max_padding"`
	MaxAbsLatent     int   `json:"max_abs_latent"`
	MaxBody          int64 `json:"max_body_bytes"`
	MaxRequestMemory int64 `json:"max_request_memory_bytes"`
	MaxPixels        int64 `json:"max_image_pixels"`
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
	resp := infoResponse{
		Arch: info.Arch, Res: info.Res, Channels: info.Channels, K: info.K, DI: info.DI, DO: info.DO,
		Step: info.Step, Facts: facts,
		Limits: limits{MaxImages: s.opt.MaxImages, MaxSide: MaxSide, MaxPadding: MaxPadding,
			MaxAbsLatent: MaxAbsLatent, MaxBody: s.opt.MaxBody, MaxRequestMemory: s.opt.MaxRequestMemory, MaxPixels: s.opt.MaxPixels},
		Projected: s.opt.Identities,
	}
	if resp.Projected == nil {
		resp.Projected = []NamedIdentity{}
	}
	if p, ok := s.model.(Projector); ok {
		resp.Project = p.ProjectInfo()
	}
	if info.Identities != nil {
		resp.Identities = &identitiesInfo{Count: len(info.Identities), Names: info.Identities, Note: conditionalNote}
	}
	writeJSON(w, http.StatusOK, resp)
}
