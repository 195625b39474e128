package serve

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// send makes one request with the given headers ("Host" sets the Host header) and returns the status, the
// response headers and the JSON error, if the body is one.
func send(t *testing.T, method, url, body string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Error string }
	if res.Header.Get("Content-Type") == "application/json" {
		json.Unmarshal(b, &e)
	}
	return res.StatusCode, res.Header, e.Error
}

// Every response, whatever its route or status, carries the headers that stop sniffing, framing and foreign
// scripts.
func TestSecurityHeaders(t *testing.T) {
	srv := startServer(t, newFakeModel(), Options{})
	jsonCT := map[string]string{"Content-Type": "application/json"}
	for _, c := range []struct {
		method, path, body string
		headers            map[string]string
		status             int
	}{
		{"GET", "/", "", nil, 200},
		{"GET", "/static/app.js", "", nil, 200},
		{"GET", "/static/style.css", "", nil, 200},
		{"GET", "/healthz", "", nil, 200},
		{"GET", "/api/info", "", nil, 200},
		{"GET", "/metrics", "", nil, 200},
		{"POST", "/api/grid", `{}`, jsonCT, 200},
		{"POST", "/api/grid", `{"seed": "1"}`, jsonCT, 400},
		{"GET", "/nope", "", nil, 404},
		{"GET", "/api/grid", "", nil, 405},
		{"POST", "/api/grid", `{}`, map[string]string{"Content-Type": "text/plain"}, 415},
		{"GET", "/api/info", "", map[string]string{"Host": "evil.example"}, 403},
	} {
		status, h, _ := send(t, c.method, srv.URL+c.path, c.body, c.headers)
		if status != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, status, c.status)
		}
		csp := h.Get("Content-Security-Policy")
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			!strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") ||
			!strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s %s (%d): headers nosniff %q, frame %q, CSP %q", c.method, c.path, status,
				h.Get("X-Content-Type-Options"), h.Get("X-Frame-Options"), csp)
		}
	}
}

// Only requests naming this server in Host are served, so that a page whose name an attacker rebinds to
// 127.0.0.1 cannot read the API.
func TestHostCheck(t *testing.T) {
	srv := startServer(t, newFakeModel(), Options{AllowHosts: []string{"Explorer.LAN", "[fd00::7]"}})
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	for _, c := range []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1" + port, true}, {"localhost" + port, true}, {"LOCALHOST", true}, {"localhost.", true},
		{"[::1]" + port, true}, {"[::1]", true}, {"explorer.lan" + port, true}, {"[fd00::7]:80", true},
		{"evil.example" + port, false}, {"evil.example", false}, {"localhost.evil.example", false},
		{"127.0.0.2" + port, false}, {"explorer.lan.evil.example", false},
	} {
		for _, path := range []string{"/api/info", "/", "/api/grid"} {
			method, body, h := "GET", "", map[string]string{"Host": c.host}
			if path == "/api/grid" {
				method, body, h["Content-Type"] = "POST", `{"identities": 1, "observations": 1}`, "application/json"
			}
			status, _, msg := send(t, method, srv.URL+path, body, h)
			switch {
			case c.ok && status != 200:
				t.Errorf("Host %q %s: %d %q; want 200", c.host, path, status, msg)
			case !c.ok && (status != 403 || !strings.Contains(msg, "not a name this server answers to")):
				t.Errorf("Host %q %s: %d %q; want a JSON 403 naming the Host", c.host, path, status, msg)
			}
		}
	}
}

// A request without a Host header (HTTP/1.0) names no host this server answers to.
func TestHostMissing(t *testing.T) {
	req := httptest.NewRequest("GET", "/api/info", nil)
	req.Host = ""
	rec := httptest.NewRecorder()
	New(newFakeModel(), Options{}).ServeHTTP(rec, req)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "not a name this server answers to") {
		t.Fatalf("no Host: %d %s; want a JSON 403", rec.Code, rec.Body)
	}
}

// A foreign web page can post forms and text/plain without asking; such requests are refused before any work.
func TestCrossSiteRequests(t *testing.T) {
	m := newFakeModel()
	srv := startServer(t, m, Options{})
	own := "http://" + strings.TrimPrefix(srv.URL, "http://")
	body := `{"identities": 1, "observations": 1}`
	for _, c := range []struct {
		name    string
		headers map[string]string
		status  int
		want    string
	}{
		{"text/plain", map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, 415, "Content-Type text/plain;charset=UTF-8: expected application/json"},
		{"form", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "expected application/json"},
		{"multipart", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, 415, "expected application/json"},
		{"no type", map[string]string{}, 415, "Content-Type none"},
		{"foreign origin", map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, 403, `origin "http://evil.example"`},
		{"null origin", map[string]string{"Content-Type": "application/json", "Origin": "null"}, 403, "cross-site request refused"},
		{"cross-site fetch", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403, "cross-site request refused"},
		{"same-site fetch", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "same-site", "Origin": "http://localhost:1"}, 403, "cross-site request refused"},
		{"own origin", map[string]string{"Content-Type": "application/json", "Origin": own}, 200, ""},
		{"same-origin fetch", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin", "Origin": own}, 200, ""},
		{"curl", map[string]string{"Content-Type": "application/json; charset=utf-8"}, 200, ""},
	} {
		for _, path := range []string{"/api/grid", "/api/sample", "/api/interpolate"} {
			status, _, msg := send(t, "POST", srv.URL+path, body, c.headers)
			if path == "/api/interpolate" && c.status == 200 {
				continue // its body differs; the checks above are what matter
			}
			if status != c.status || !strings.Contains(msg, c.want) {
				t.Errorf("%s to %s: %d %q; want %d containing %q", c.name, path, status, msg, c.status, c.want)
			}
		}
	}
	if n := m.calls.Load(); n != 3 {
		t.Fatalf("model called %d times; want 3, for the accepted grid requests only", n)
	}
}

// Every unknown path answers a JSON 404, under /static/ too (no directory listing).
func TestNotFoundIsJSON(t *testing.T) {
	srv := startServer(t, newFakeModel(), Options{})
	for _, path := range []string{"/nope", "/api/", "/api/nothing", "/api/grid/extra", "/static/", "/static/missing.js",
		"/static/web", "/favicon.ico", "/healthz/x", "/index.html"} {
		for _, method := range []string{"GET", "HEAD"} {
			status, h, msg := send(t, method, srv.URL+path, "", nil)
			if status != 404 || h.Get("Content-Type") != "application/json" || method == "GET" && !strings.Contains(msg, path) {
				t.Errorf("%s %s: %d %q %q; want a JSON 404 naming the path", method, path, status, h.Get("Content-Type"), msg)
			}
		}
	}
}
