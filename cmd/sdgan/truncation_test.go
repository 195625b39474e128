package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sdgan/model"
)

// readLatentsJSON reads a latents JSON written by generate.
func readLatentsJSON(t *testing.T, path string) latentsFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lf latentsFile
	if err := json.Unmarshal(b, &lf); err != nil {
		t.Fatal(err)
	}
	return lf
}

// generate --psi-i/--psi-o draws the same random codes as without them, scaled by ψ, and says so in latents.json;
// --latents redraws them as they are.
func TestGenerateTruncation(t *testing.T) {
	ckpt := testCheckpoint(t, model.DefaultConfig(model.DCGAN, 32, 1))
	dir := t.TempDir()
	plain, trunc := filepath.Join(dir, "plain.png"), filepath.Join(dir, "trunc.png")
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--out", plain, "--identities", "2", "--observations", "3"); code != 0 {
		t.Fatalf("plain: exit %d: %s", code, stderr)
	}
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--out", trunc, "--identities", "2", "--observations", "3", "--psi-i", "0.5", "--psi-o", "0.25"); code != 0 {
		t.Fatalf("truncated: exit %d: %s", code, stderr)
	}
	p, q := readLatentsJSON(t, strings.TrimSuffix(plain, ".png")+".json"), readLatentsJSON(t, strings.TrimSuffix(trunc, ".png")+".json")
	if p.Truncation != "" || !strings.Contains(q.Truncation, "ψ_I 0.5, ψ_O 0.25") {
		t.Errorf("truncation recorded as %q (plain) and %q (truncated)", p.Truncation, q.Truncation)
	}
	for _, part := range []struct {
		name       string
		plain, got [][]float32
		psi        float32
	}{{"z_I", p.ZI, q.ZI, 0.5}, {"z_O", p.ZO, q.ZO, 0.25}} {
		if len(part.got) != len(part.plain) {
			t.Fatalf("%s: %d codes, want %d", part.name, len(part.got), len(part.plain))
		}
		for i := range part.plain {
			for j, v := range part.plain[i] {
				if part.got[i][j] != v*part.psi {
					t.Fatalf("%s code %d value %d: %g, want %g × %g", part.name, i, j, part.got[i][j], v, part.psi)
				}
			}
		}
	}
	redraw := filepath.Join(dir, "redraw.png")
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--out", redraw, "--latents", strings.TrimSuffix(trunc, ".png")+".json"); code != 0 {
		t.Fatalf("redraw: exit %d: %s", code, stderr)
	}
	a, _ := os.ReadFile(trunc)
	b, _ := os.ReadFile(redraw)
	if string(a) != string(b) {
		t.Error("--latents of a truncated run did not redraw its grid")
	}
}

// A ψ outside (0, 1], --psi-i for an AC-DCGAN and ψ with codes from a file are usage errors naming the flag.
func TestTruncationFlagErrors(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	ckpt := testCheckpoint(t, cfg)
	acfg := model.DefaultConfig(model.ACGAN, 32, 1)
	acfg.Classes = 3
	ackpt := testCheckpoint(t, acfg)
	lat := writeLatents(t, cfg, 2, 3, 1)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"generate zero", []string{"generate", "--model", ckpt, "--psi-o", "0"}, "--psi-o 0: want a value in (0, 1]"},
		{"generate above one", []string{"generate", "--model", ckpt, "--psi-i", "1.5"}, "--psi-i 1.5: want a value in (0, 1]"},
		{"generate latents", []string{"generate", "--model", ckpt, "--latents", lat, "--psi-o", "0.5"}, "--psi-o conflicts with --latents"},
		{"generate acgan identities", []string{"generate", "--model", ackpt, "--psi-i", "0.5"}, "--psi-i 0.5: an AC-DCGAN's identity codes"},
		{"eval negative", []string{"eval", "--model", ckpt, "--out", filepath.Join(dir, "r"), "--psi-o", "-1"}, "--psi-o -1: want a value in (0, 1]"},
		{"eval acgan identities", []string{"eval", "--model", ackpt, "--out", filepath.Join(dir, "r"), "--psi-i", "0.5"}, "--psi-i 0.5: an AC-DCGAN's identity codes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args[0] == "generate" {
				args = append(args, "--out", filepath.Join(dir, "g.png"))
			}
			code, _, stderr := sdgan(args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs wrote %d files into %s", len(entries), dir)
	}
}

// eval --psi-o records the truncation among the report's inputs and generates other pairs than without it.
func TestEvalTruncation(t *testing.T) {
	ckpt := testCheckpoint(t, model.DefaultConfig(model.DCGAN, 32, 1))
	dir := t.TempDir()
	reports := map[string]map[string]any{}
	for name, extra := range map[string][]string{"plain": nil, "trunc": {"--psi-o", "0.5"}} {
		out := filepath.Join(dir, name)
		if code, _, stderr := sdgan(append([]string{"eval", "--model", ckpt, "--out", out, "--pairs", "4"}, extra...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r map[string]any
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		reports[name] = r
	}
	inputs := func(name string) map[string]any { return reports[name]["inputs"].(map[string]any) }
	if _, ok := inputs("plain")["truncation"]; ok {
		t.Error("an untruncated report lists a truncation")
	}
	if got := inputs("trunc")["truncation"]; got != "ψ_I 1, ψ_O 0.5" {
		t.Errorf("truncation input %v, want ψ_I 1, ψ_O 0.5", got)
	}
	p, _ := json.Marshal(reports["plain"]["figures"])
	q, _ := json.Marshal(reports["trunc"]["figures"])
	if string(p) == string(q) {
		t.Error("--psi-o 0.5 left every figure as without it: the truncation did not reach the pairs")
	}
}
