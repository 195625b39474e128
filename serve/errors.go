package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// apiError is a failure to report to the client: an HTTP status, a metrics kind and a message that names the
// field and what was expected.
type apiError struct {
	status     int
	kind       string        // label for sdgan_errors_total: bad_request, body_too_large, busy, timeout, ...
	msg        string        // shown to the client as {"error": msg}
	retryAfter time.Duration // sent as Retry-After when positive
}

func (e *apiError) Error() string { return e.msg }

// badRequest returns a 400 error with a formatted message.
func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, kind: "bad_request", msg: fmt.Sprintf(format, args...)}
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // only unsupported values (NaN in a float) get here: a bug, reported as such
		status = http.StatusInternalServerError
		body = []byte(`{"error":"internal error: encode response"}`)
	}
	writeBody(w, status, "application/json", append(body, '\n'))
}

// writeBody writes a complete response: status, Content-Type, Content-Length and body.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// fail reports err to the client as {"error": "..."}: an *apiError keeps its status, anything else is a 500.
func (s *server) fail(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, kind: "internal", msg: err.Error()}
	}
	s.metrics.countError(ae.kind)
	if ae.retryAfter > 0 {
		secs := int((ae.retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeJSON(w, ae.status, map[string]string{"error": ae.msg})
}
