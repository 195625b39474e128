package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// decodeBody reads r's body, at most maxBody bytes, as exactly one JSON object into v, rejecting unknown fields.
func decodeBody(w http.ResponseWriter, r *http.Request, maxBody int64, v any) error {
	if r.ContentLength > maxBody {
		return tooLarge(maxBody)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, maxBody)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(maxBody)
		}
		return badRequest("request body: expected a single JSON object, found more data after it")
	}
	return nil
}

func tooLarge(maxBody int64) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, kind: "body_too_large",
		msg: fmt.Sprintf("request body: larger than the limit of %d bytes", maxBody)}
}

// jsonError turns a decoding error into a 4xx that says where the body went wrong and what was expected.
func jsonError(err error, maxBody int64) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(maxBody)
	case errors.Is(err, io.EOF):
		return badRequest("request body: empty; expected a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("request body: truncated JSON; expected a complete JSON object")
	case errors.As(err, &se):
		return badRequest("request body: malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		if te.Field == "" {
			return badRequest("request body: got JSON %s, expected a JSON object", te.Value)
		}
		return badRequest("field %q: got JSON %s, expected %s", te.Field, te.Value, typeWord(te.Type.String()))
	case strings.Contains(err.Error(), "invalid number literal"):
		return badRequest("request body: %s; expected plain JSON numbers (no quotes, NaN or Infinity)",
			strings.TrimPrefix(err.Error(), "json: "))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("request body: %s; see API.md for the fields of this route",
			strings.TrimPrefix(err.Error(), "json: "))
	}
	return badRequest("request body: %v", err)
}

// typeWord names a Go type in the words of the API.
func typeWord(goType string) string {
	switch goType {
	case "uint64":
		return "a non-negative integer"
	case "int":
		return "an integer"
	case "json.Number":
		return "a number"
	case "[]json.Number":
		return "an array of numbers"
	case "[][]json.Number":
		return "an array of arrays of numbers"
	case "[]uint64":
		return "an array of non-negative integers"
	}
	if strings.HasPrefix(goType, "*serve.") || strings.HasPrefix(goType, "serve.") {
		return "a JSON object"
	}
	return goType
}

// wantsJSON reports whether the client asked for a JSON response with Accept: application/json.
func wantsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == "application/json" {
			return true
		}
	}
	return false
}
