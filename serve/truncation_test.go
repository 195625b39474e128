package serve

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// scaled returns copies of codes, each value multiplied by psi in float32: what truncation by ψ must give.
func scaled(codes [][]float32, psi float32) [][]float32 {
	out := make([][]float32, len(codes))
	for i, c := range codes {
		out[i] = make([]float32, len(c))
		for k, v := range c {
			out[i][k] = v * psi
		}
	}
	return out
}

// postCodes posts body to path (/api/sample or /api/grid, as JSON) and returns the codes of the answer, and for
// /api/grid its cell images; it fails the test unless the answer is 200.
func postCodes(t *testing.T, url, path, body string) (zi, zo [][]float32, images []string) {
	t.Helper()
	res, b := do(t, "POST", url+path, body, "application/json")
	if res.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", path, body, res.StatusCode, b)
	}
	var got gridResponse
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s %s: %v", path, body, err)
	}
	return got.ZI, got.ZO, got.Images
}

// psi_i and psi_o scale the codes the server draws from seeds, in both ways of seeding: /api/sample answers
// ψ × the untruncated codes, and /api/grid draws exactly those codes and renders them.
func TestTruncation(t *testing.T) {
	m := newFakeModel()
	info := m.info
	srv := startServer(t, m, Options{})
	gi, gz := SampleGrid(42, 3, 4, info.DI, info.DO)
	ri := [][]float32{IdentityCode(1, info.DI), IdentityCode(2, info.DI)}
	ro := [][]float32{ObservationCode(3, info.DO), ObservationCode(4, info.DO), ObservationCode(5, info.DO)}
	const grid, rows = `"seed": 42, "identities": 3, "observations": 4`, `"identity_seeds": [1, 2], "observation_seeds": [3, 4, 5]`
	for _, c := range []struct {
		name, body string
		zi, zo     [][]float32
	}{
		{"grid seed, psi_o", `{` + grid + `, "psi_o": 0.5}`, gi, scaled(gz, 0.5)},
		{"grid seed, psi_i", `{` + grid + `, "psi_i": 0.3}`, scaled(gi, 0.3), gz},
		{"grid seed, both", `{` + grid + `, "psi_i": 0.7, "psi_o": 0.25}`, scaled(gi, 0.7), scaled(gz, 0.25)},
		{"row seeds, psi_o", `{` + rows + `, "psi_o": 0.85}`, ri, scaled(ro, 0.85)},
		{"row seeds, both", `{` + rows + `, "psi_i": 0.1, "psi_o": 1e-3}`, scaled(ri, 0.1), scaled(ro, 1e-3)},
		{"psi 1 is no truncation", `{` + rows + `, "psi_i": 1, "psi_o": 1.0}`, ri, ro},
		{"null is absent", `{` + grid + `, "psi_i": null, "psi_o": null}`, gi, gz},
	} {
		t.Run(c.name, func(t *testing.T) {
			zi, zo, _ := postCodes(t, srv.URL, "/api/sample", c.body)
			if !reflect.DeepEqual(zi, c.zi) || !reflect.DeepEqual(zo, c.zo) {
				t.Fatalf("/api/sample: got %v %v, want %v %v", zi, zo, c.zi, c.zo)
			}
			gzi, gzo, images := postCodes(t, srv.URL, "/api/grid", c.body)
			if !reflect.DeepEqual(gzi, zi) || !reflect.DeepEqual(gzo, zo) {
				t.Fatalf("/api/grid drew %v %v; /api/sample %v %v", gzi, gzo, zi, zo)
			}
			for i := range zi {
				for j := range zo {
					checkCell(t, fmt.Sprintf("cell (%d,%d)", i, j), decodeB64PNG(t, images[i*len(zo)+j]), 0, 0, info,
						c.zi[i], c.zo[j])
				}
			}
		})
	}
}

// newFakeACGAN returns the fake with three named identities, whose identity codes are rows of a label table.
func newFakeACGAN() *fakeModel {
	m := newFakeModel()
	table := [][]float32{{0.9, -0.2, 0.4, 0.1, -0.7}, {-0.5, 0.8, -0.3, 0.6, 0.2}, {0.3, 0.3, -0.9, -0.4, 0.5}}
	m.info.Arch = "fake-acgan"
	m.info.Identities = []string{"Alpha", "Beta", "Gamma"}
	m.info.IdentityCodes = func(rng *rand.Rand, n int) ([][]float32, []int) {
		codes, labels := make([][]float32, n), make([]int, n)
		for i := range codes {
			labels[i] = rng.IntN(len(table))
			codes[i] = append([]float32(nil), table[labels[i]]...)
		}
		return codes, labels
	}
	return m
}

// An AC-GAN's identity codes are its label table's rows: psi_i other than 1 is refused, psi_o applies.
func TestTruncationACGAN(t *testing.T) {
	m := newFakeACGAN()
	srv := startServer(t, m, Options{})
	for _, path := range []string{"/api/sample", "/api/grid"} {
		for _, body := range []string{
			`{"seed": 3, "identities": 2, "observations": 2, "psi_i": 0.5}`,
			`{"identity_seeds": [1], "observation_seeds": [2], "psi_i": 0.9, "psi_o": 0.5}`,
		} {
			res, b := do(t, "POST", srv.URL+path, body, "application/json")
			if res.StatusCode != 400 || !strings.Contains(string(b), `field \"psi_i\"`) ||
				!strings.Contains(string(b), "AC-GAN") || !strings.Contains(string(b), "label table") {
				t.Errorf("%s %s: %d %s; want a 400 saying an AC-GAN's identity codes cannot be truncated", path, body, res.StatusCode, b)
			}
		}
		const seeds = `"identity_seeds": [1, 2], "observation_seeds": [3, 4]`
		zi, zo, _ := postCodes(t, srv.URL, path, `{`+seeds+`}`)
		tzi, tzo, _ := postCodes(t, srv.URL, path, `{`+seeds+`, "psi_i": 1, "psi_o": 0.5}`)
		if !reflect.DeepEqual(tzi, zi) || !reflect.DeepEqual(tzo, scaled(zo, 0.5)) {
			t.Errorf("%s with psi_i 1, psi_o 0.5: got %v %v; want the label rows %v and half of %v", path, tzi, tzo, zi, zo)
		}
	}
}
