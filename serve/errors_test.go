package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// codeJSON prints a code of length n whose value k is 0.5, or bad at index at.
func codeJSON(n, at int, bad string) string {
	vals := make([]string, n)
	for k := range vals {
		vals[k] = "0.5"
		if k == at {
			vals[k] = bad
		}
	}
	return "[" + strings.Join(vals, ",") + "]"
}

func TestBadInputs(t *testing.T) {
	m := newFakeModel() // d_I = 5, d_O = 7
	srv := startServer(t, m, Options{})
	zi, zo := codeJSON(5, -1, ""), codeJSON(7, -1, "")
	cases := []struct {
		name, method, path, body string
		status                   int
		want                     string // substring of the error message
	}{
		{"malformed JSON", "POST", "/api/grid", `{"seed": 1,`, 400, "truncated JSON"},
		{"syntax error", "POST", "/api/grid", `{"seed": x}`, 400, "malformed JSON"},
		{"empty body", "POST", "/api/grid", ``, 400, "empty"},
		{"not an object", "POST", "/api/grid", `[1, 2]`, 400, "expected a JSON object"},
		{"trailing data", "POST", "/api/grid", `{"seed": 1} {"seed": 2}`, 400, "single JSON object"},
		{"unknown field", "POST", "/api/grid", `{"seed": 1, "colour": "red"}`, 400, `unknown field "colour"`},
		{"unknown field in sample", "POST", "/api/sample", `{"padding": 2}`, 400, `unknown field "padding"`},
		{"unknown field in point", "POST", "/api/interpolate", `{"a": {"zi": [], "zx": []}}`, 400, `unknown field "a.zx"`},
		{"negative seed", "POST", "/api/grid", `{"seed": -1}`, 400, `"seed": got JSON number -1, expected a non-negative integer`},
		{"string identities", "POST", "/api/grid", `{"identities": "4"}`, 400, `"identities"`},
		{"zero identities", "POST", "/api/grid", `{"identities": 0}`, 400, `"identities": 0 rows; expected 1 to 100`},
		{"too many observations", "POST", "/api/grid", `{"identities": 1, "observations": 101}`, 400, "expected 1 to 100"},
		{"10,000-image grid", "POST", "/api/grid", `{"identities": 100, "observations": 100}`, 400, "10000 images; expected at most 256"},
		{"300 images", "POST", "/api/sample", `{"identities": 20, "observations": 15}`, 400, "expected at most 256"},
		{"mixed modes", "POST", "/api/grid", fmt.Sprintf(`{"seed": 1, "zi": [%s], "zo": [%s]}`, zi, zo), 400, "not a mix"},
		{"zi without zo", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s]}`, zi), 400, "expected both"},
		{"seeds without observations", "POST", "/api/grid", `{"identity_seeds": [1]}`, 400, "expected both"},
		{"empty seeds", "POST", "/api/grid", `{"identity_seeds": [], "observation_seeds": [1]}`, 400, `"identity_seeds": 0 rows`},
		{"short zi", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s, %s], "zo": [%s]}`, zi, codeJSON(4, -1, ""), zo), 400,
			`"zi[1]": 4 values; expected d_I = 5`},
		{"long zo", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s]}`, zi, codeJSON(8, -1, "")), 400,
			`"zo[0]": 8 values; expected d_O = 7`},
		{"value over bound", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s]}`, codeJSON(5, 3, "10.5"), zo), 400,
			`"zi[0][3]": value 10.5 out of range; expected a finite number with |value| ≤ 10`},
		{"value beyond float32", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s]}`, zi, codeJSON(7, 6, "-1e39")), 400,
			`"zo[0][6]": value -1e39 out of range`},
		{"NaN as string", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s]}`, codeJSON(5, 0, `"NaN"`), zo), 400, `expected plain JSON numbers`},
		{"Infinity literal", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s]}`, codeJSON(5, 0, `Infinity`), zo), 400, "malformed JSON"},
		{"too many zi rows", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s]}`, strings.Repeat(zi+",", 100)+zi, zo), 400,
			`"zi": 101 rows; expected 1 to 100`},
		{"negative padding", "POST", "/api/grid", `{"padding": -1}`, 400, `"padding": -1; expected 0 to 64`},
		{"huge padding", "POST", "/api/interpolate", `{"padding": 65}`, 400, `"padding": 65`},
		{"missing b", "POST", "/api/interpolate", fmt.Sprintf(`{"a": {"zi": %s, "zo": %s}}`, zi, zo), 400, `"a" and "b": expected both`},
		{"steps 1", "POST", "/api/interpolate", fmt.Sprintf(`{"a": {"zi": %s, "zo": %s}, "b": {"zi": %s, "zo": %s}, "steps": 1}`, zi, zo, zi, zo), 400,
			`"steps": 1; expected at least 2`},
		{"steps too many images", "POST", "/api/interpolate", fmt.Sprintf(`{"a": {"zi": %s, "zo": %s}, "b": {"zi": %s, "zo": %s}, "steps": 17}`, zi, zo, zi, zo), 400,
			"289 images; expected at most 256"},
		{"wrong b.zo length", "POST", "/api/interpolate", fmt.Sprintf(`{"a": {"zi": %s, "zo": %s}, "b": {"zi": %s, "zo": %s}}`, zi, zo, zi, zi), 400,
			`"b.zo": 5 values; expected d_O = 7`},
		{"NaN-free bound in interpolate", "POST", "/api/interpolate", fmt.Sprintf(`{"a": {"zi": %s, "zo": %s}, "b": {"zi": %s, "zo": %s}}`, zi, zo, codeJSON(5, 4, "-11"), zo), 400,
			`"b.zi[4]": value -11 out of range`},
		// Truncation: psi_i and psi_o are plain numbers in (0, 1], for drawn codes only.
		{"psi 0", "POST", "/api/grid", `{"psi_o": 0}`, 400, `field "psi_o": value 0 out of range; expected a number in (0, 1]`},
		{"psi negative", "POST", "/api/sample", `{"psi_i": -0.5}`, 400, `field "psi_i": value -0.5 out of range; expected a number in (0, 1]`},
		{"psi over 1", "POST", "/api/grid", `{"identity_seeds": [1], "observation_seeds": [2], "psi_i": 1.05}`, 400,
			`field "psi_i": value 1.05 out of range; expected a number in (0, 1]`},
		{"psi below float64", "POST", "/api/sample", `{"psi_o": 1e-400}`, 400, `field "psi_o": value 1e-400 out of range`},
		{"psi huge", "POST", "/api/grid", `{"psi_o": 1e400}`, 400, `field "psi_o": value 1e400 out of range`},
		{"psi NaN in a string", "POST", "/api/grid", `{"psi_o": "NaN"}`, 400,
			`field "psi_o": got JSON string "NaN"; expected a plain JSON number in (0, 1]`},
		{"psi number in a string", "POST", "/api/sample", `{"psi_i": "0.5"}`, 400, `field "psi_i": got JSON string "0.5"; expected a plain JSON number`},
		{"psi NaN literal", "POST", "/api/grid", `{"psi_o": NaN}`, 400, `malformed JSON at byte 10 in field "psi_o"`},
		{"psi Infinity literal", "POST", "/api/sample", `{"psi_i": Infinity}`, 400, `malformed JSON at byte 10 in field "psi_i"`},
		{"psi boolean", "POST", "/api/grid", `{"psi_i": true}`, 400, `field "psi_i": got JSON boolean true; expected a plain JSON number in (0, 1]`},
		{"psi array", "POST", "/api/grid", `{"psi_o": [0.5]}`, 400, `field "psi_o": got JSON array; expected a number in (0, 1]`},
		{"psi case-folded", "POST", "/api/grid", `{"PSI_O": 0.5}`, 400, `unknown field "PSI_O"`},
		{"psi given twice", "POST", "/api/sample", `{"psi_o": 0.5, "psi_o": 0.6}`, 400, `field "psi_o": given twice`},
		{"psi_o with codes", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s], "psi_o": 0.5}`, zi, zo), 400,
			`field "psi_o": truncates the codes the server draws from seeds; codes sent as "zi" and "zo" are used as given`},
		{"psi_i 1 with codes", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s], "psi_i": 1}`, zi, zo), 400,
			`field "psi_i": truncates the codes the server draws from seeds`},
		{"psi in interpolate", "POST", "/api/interpolate", `{"psi_o": 0.5}`, 400, `unknown field "psi_o"`},
		// Strict decoding: exact names, no repeats, numbers never in strings, UTF-8 only.
		{"case-folded name", "POST", "/api/grid", `{"Seed": 1}`, 400, `unknown field "Seed" (names are case-sensitive)`},
		{"case-folded nested name", "POST", "/api/interpolate", fmt.Sprintf(`{"a": {"ZI": %s, "zo": %s}}`, zi, zo), 400,
			`unknown field "a.ZI"`},
		{"repeated name", "POST", "/api/grid", `{"seed": 1, "identities": 2, "seed": 2}`, 400, `field "seed": given twice`},
		{"repeated nested name", "POST", "/api/interpolate", fmt.Sprintf(`{"a": {"zi": %s, "zo": %s, "zo": %s}}`, zi, zo, zo), 400,
			`field "a.zo": given twice`},
		{"number in a string in a code", "POST", "/api/grid", fmt.Sprintf(`{"zi": [%s], "zo": [%s]}`, zi, codeJSON(7, 2, `"0.5"`)), 400,
			`field "zo[0][2]": got JSON string "0.5"; expected plain JSON numbers`},
		{"number in a string in a point", "POST", "/api/interpolate", fmt.Sprintf(`{"a": {"zi": %s, "zo": %s}}`, codeJSON(5, 4, `"1"`), zo), 400,
			`field "a.zi[4]": got JSON string "1"`},
		{"seed in a string", "POST", "/api/grid", `{"seed": "7"}`, 400, `field "seed": got JSON string, expected a non-negative integer`},
		{"row seed in a string", "POST", "/api/grid", `{"identity_seeds": [1, "2"], "observation_seeds": [3]}`, 400,
			`field "identity_seeds[1]": got JSON string, expected a non-negative integer`},
		{"steps in a string", "POST", "/api/interpolate", `{"steps": "4"}`, 400, `field "steps": got JSON string, expected an integer`},
		{"fractional identities", "POST", "/api/grid", `{"identities": 2.5}`, 400, `field "identities": got JSON number 2.5, expected an integer`},
		{"code not an array", "POST", "/api/grid", fmt.Sprintf(`{"zi": [5], "zo": [%s]}`, zo), 400, `field "zi[0]": got JSON number, expected an array of numbers`},
		{"invalid UTF-8", "POST", "/api/grid", "{\"seed\": 1, \"x\xff\": 2}", 400, "invalid UTF-8"},
		{"GET grid", "GET", "/api/grid", "", 405, "method GET on /api/grid: expected POST"},
		{"POST info", "POST", "/api/info", `{}`, 405, "expected GET, HEAD"},
		{"DELETE healthz", "DELETE", "/healthz", "", 405, "expected GET"},
		{"PUT page", "PUT", "/", "", 405, "expected GET"},
		{"unknown path", "GET", "/api/nothing", "", 404, "no such route"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, b := do(t, c.method, srv.URL+c.path, c.body, "application/json")
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d; body %s", res.StatusCode, c.status, b)
			}
			if res.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("Content-Type %q, want application/json", res.Header.Get("Content-Type"))
			}
			var e struct{ Error string }
			if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
				t.Fatalf("body %s: want {\"error\": ...} (%v)", b, err)
			}
			if !strings.Contains(e.Error, c.want) {
				t.Fatalf("error %q does not contain %q", e.Error, c.want)
			}
			if c.status == 405 && res.Header.Get("Allow") == "" {
				t.Fatal("405 without an Allow header")
			}
			// The server keeps serving.
			if res, b := do(t, "POST", srv.URL+"/api/grid", `{"seed": 1, "identities": 1, "observations": 2}`, ""); res.StatusCode != 200 {
				t.Fatalf("after the bad request, a good one got %d %s", res.StatusCode, b)
			}
		})
	}
	if n := m.calls.Load(); n != int64(len(cases)) {
		t.Fatalf("model called %d times, want %d (only for the good follow-up requests)", n, len(cases))
	}
}

func TestBodyLimit(t *testing.T) {
	srv := startServer(t, newFakeModel(), Options{})
	big := `{"seed": 1, "pad": "` + strings.Repeat("x", 10<<20) + `"}`
	for _, c := range []struct {
		name    string
		chunked bool
	}{{"with Content-Length", false}, {"chunked", true}} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", srv.URL+"/api/grid", strings.NewReader(big))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if c.chunked { // hide the length: the limit must hold while reading too
				req.Body = io.NopCloser(struct{ io.Reader }{strings.NewReader(big)})
				req.ContentLength = -1
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var e struct{ Error string }
			err = json.NewDecoder(res.Body).Decode(&e)
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge || err != nil || !strings.Contains(e.Error, "limit of 1048576 bytes") {
				t.Fatalf("status %d, error %q (%v); want 413 naming the limit", res.StatusCode, e.Error, err)
			}
		})
	}
	// Just under the limit is fine as far as size goes (the unknown field is what fails).
	under := `{"x": "` + strings.Repeat("y", 1<<20-20) + `"}`
	res, b := do(t, "POST", srv.URL+"/api/grid", under, "")
	if res.StatusCode != 400 || !bytes.Contains(b, []byte("unknown field")) {
		t.Fatalf("body under the limit: %d %s", res.StatusCode, b)
	}
}
