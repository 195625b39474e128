package serve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeBody reads r's body, at most maxBody bytes, as exactly one JSON object into v. Decoding is strict, as
// API.md says: the body must be declared application/json (415 otherwise, which also turns away the forms and
// text/plain posts a foreign web page can send without asking), member names match exactly (no case folding),
// unknown and repeated members are refused, numbers must be JSON numbers (never strings), the text must be
// valid UTF-8, and nothing may follow the object.
func decodeBody(w http.ResponseWriter, r *http.Request, maxBody int64, v any) error {
	if err := checkContentType(r); err != nil {
		return err
	}
	if r.ContentLength > maxBody {
		return tooLarge(maxBody)
	}
	// Read the whole body first, so that a body over the limit is always a 413 whatever it holds.
	buf := bytes.NewBuffer(make([]byte, 0, max(r.ContentLength, 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(maxBody)
		}
		return badRequest("request body: %v", err)
	}
	if err := json.Unmarshal(buf.Bytes(), v, json.RejectUnknownMembers(true)); err != nil {
		return jsonError(err, maxBody)
	}
	return nil
}

// checkContentType refuses a body that is not declared as JSON with 415.
func checkContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		return nil
	}
	if ct == "" {
		ct = "none"
	}
	return &apiError{status: http.StatusUnsupportedMediaType, kind: "unsupported_media_type",
		msg: fmt.Sprintf("Content-Type %s: expected application/json", ct)}
}

func tooLarge(maxBody int64) *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, kind: "body_too_large",
		msg: fmt.Sprintf("request body: larger than the limit of %d bytes", maxBody)}
}

// jsonError turns a decoding error into a 4xx that says where the body went wrong and what was expected.
func jsonError(err error, maxBody int64) error {
	var (
		mbe *http.MaxBytesError
		ae  *apiError
		syn *jsontext.SyntacticError
		sem *json.SemanticError
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(maxBody)
	case errors.As(err, &ae): // from a field's own decoder, which names the field
		return ae
	case errors.As(err, &syn):
		field := fieldName(syn.JSONPointer)
		switch {
		case errors.Is(syn.Err, io.ErrUnexpectedEOF) && syn.ByteOffset == 0:
			return badRequest("request body: empty; expected a JSON object")
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			return badRequest("request body: truncated JSON; expected a complete JSON object")
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return badRequest("field %q: given twice; expected each field at most once", field)
		case strings.Contains(syn.Err.Error(), "after top-level value"):
			return badRequest("request body: expected a single JSON object, found more data after it at byte %d",
				syn.ByteOffset)
		case strings.Contains(syn.Err.Error(), "invalid UTF-8"):
			return badRequest("request body: invalid UTF-8 at byte %d; expected UTF-8 text", syn.ByteOffset)
		}
		where := ""
		if field != "" {
			where = fmt.Sprintf(" in field %q", field)
		}
		return badRequest("request body: malformed JSON at byte %d%s: %v; expected plain JSON (numbers without "+
			"quotes, no NaN or Infinity)", syn.ByteOffset, where, syn.Err)
	case errors.As(err, &sem):
		field := fieldName(sem.JSONPointer)
		switch {
		case errors.Is(sem.Err, json.ErrUnknownName):
			return badRequest("request body: unknown field %q (names are case-sensitive); see API.md for the fields "+
				"of this route", field)
		case field == "":
			return badRequest("request body: got JSON %s, expected a JSON object", kindWord(sem.JSONKind))
		}
		got := kindWord(sem.JSONKind)
		if sem.JSONKind == '0' && len(sem.JSONValue) > 0 {
			got += " " + string(sem.JSONValue)
		}
		return badRequest("field %q: got JSON %s, expected %s", field, got, typeWord(sem.GoType))
	}
	return badRequest("request body: %v", err)
}

// fieldName writes a JSON pointer the way API.md names fields: "/a/zi/3" is a.zi[3].
func fieldName(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.ParseUint(tok, 10, 31); err == nil && b.Len() > 0 { // an array index
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// kindWord names a JSON kind.
func kindWord(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}

// typeWord names a Go type in the words of the API.
func typeWord(t reflect.Type) string {
	if t == nil {
		return "another JSON type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[code]():
		return "an array of numbers"
	case t == reflect.TypeFor[[]code]():
		return "an array of arrays of numbers"
	case t == reflect.TypeFor[[]uint64]():
		return "an array of non-negative integers"
	}
	switch t.Kind() {
	case reflect.Uint64:
		return "a non-negative integer"
	case reflect.Int:
		return "an integer"
	case reflect.Struct:
		return "a JSON object"
	}
	return t.String()
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
