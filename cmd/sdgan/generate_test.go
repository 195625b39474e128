package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sdgan/model"
)

// testCheckpoint writes a freshly initialised generator of cfg as a checkpoint and returns its path.
func testCheckpoint(t *testing.T, cfg model.Config) string {
	t.Helper()
	g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "g.safetensors")
	if err := model.SaveCheckpoint(path, cfg, 1, append(g.Params(), g.Buffers()...), nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeLatents writes a latents JSON of ids × obs codes for cfg with the given padding and returns its path.
func writeLatents(t *testing.T, cfg model.Config, ids, obs, padding int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(8, 9))
	lf := latentsFile{Mode: "grid", Padding: padding, ZI: model.Uniform(rng, ids, cfg.DI), ZO: model.Uniform(rng, obs, cfg.DO)}
	js, err := json.Marshal(lf)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lat.json")
	if err := os.WriteFile(path, js, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Conflicting flags are usage errors naming both; values past a limit are usage errors naming the limit.
func TestGenerateFlagErrors(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	ckpt := testCheckpoint(t, cfg)
	lat := writeLatents(t, cfg, 2, 3, 1)
	out := filepath.Join(t.TempDir(), "g.png")
	codes := filepath.Join(t.TempDir(), "codes")
	importWriteCodes(t, codes, make([]float32, 50))
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"latents and seed", []string{"--latents", lat, "--seed", "3"}, []string{"--seed", "--latents"}},
		{"latents and interpolate", []string{"--latents", lat, "--interpolate"}, []string{"--interpolate", "--latents"}},
		{"latents and same-identity", []string{"--latents", lat, "--same-identity", "4"}, []string{"--same-identity", "--latents"}},
		{"latents and code files", []string{"--latents", lat, "--zi-file", codes, "--zo-file", codes}, []string{"--zi-file", "--latents"}},
		{"code files and seed", []string{"--zi-file", codes, "--zo-file", codes, "--seed", "1"}, []string{"--seed", "--zi-file"}},
		{"interpolate and same-identity", []string{"--interpolate", "--same-identity", "4"}, []string{"--same-identity", "--interpolate"}},
		{"same-identity and identities", []string{"--same-identity", "4", "--identities", "2"}, []string{"--identities", "--same-identity"}},
		{"same-identity and padding", []string{"--same-identity", "4", "--padding", "0"}, []string{"--padding", "--same-identity"}},
		{"huge padding", []string{"--padding", "100000"}, []string{"--padding 100000", "0 to 256"}},
		{"negative padding", []string{"--padding", "-1"}, []string{"--padding -1", "0 to 256"}},
		{"many identities", []string{"--identities", "5000"}, []string{"--identities 5000", "1 to 1000"}},
		{"many cells", []string{"--identities", "200", "--observations", "200"}, []string{"40000 images", "at most 10000"}},
		{"many same-identity images", []string{"--same-identity", "20000"}, []string{"--same-identity 20000", "10000"}},
		{"grid over the pixel limit", []string{"--identities", "100", "--observations", "100", "--padding", "256"}, []string{"29056×29056 pixels", "64 megapixels"}},
		{"more identities than the file", []string{"--latents", lat, "--identities", "5"}, []string{"--identities 5", "only 2 identity codes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := sdgan(append([]string{"generate", "--model", ckpt, "--out", out}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (usage); stderr %q", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s written despite the error", out)
			}
		})
	}
}

// A latents file with values out of range is refused with a message naming the file and the limit (a negative
// padding used to panic in picture.Grid).
func TestGenerateBadLatentsFile(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	ckpt := testCheckpoint(t, cfg)
	for _, tc := range []struct {
		name, json string
		want       string
	}{
		{"negative padding", `{"padding": -5, "zi": [[` + zeros(50) + `]], "zo": [[` + zeros(50) + `]]}`, "padding -5: want 0 to 256"},
		{"huge padding", `{"padding": 1000000, "zi": [[` + zeros(50) + `]], "zo": [[` + zeros(50) + `]]}`, "padding 1000000: want 0 to 256"},
		{"unknown mode", `{"mode": "zoom", "zi": [[` + zeros(50) + `]], "zo": [[` + zeros(50) + `]]}`, `mode "zoom"`},
		{"too many codes", `{"zi": [` + strings.Repeat("["+zeros(50)+"],", 1000) + "[" + zeros(50) + `]], "zo": [[` + zeros(50) + `]]}`, "1001 zi and 1 zo codes; want at most 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lat := filepath.Join(t.TempDir(), "lat.json")
			if err := os.WriteFile(lat, []byte(tc.json), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "g.png")
			code, _, stderr := sdgan("generate", "--model", ckpt, "--latents", lat, "--out", out)
			if code != 1 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, lat) {
				t.Errorf("exit %d, stderr %q; want 1 naming %s and %q", code, stderr, lat, tc.want)
			}
		})
	}
}

func zeros(n int) string { return strings.TrimSuffix(strings.Repeat("0,", n), ",") }

// Explicit --padding, --identities and --observations win over a latents file: the first rows and columns, at
// the given padding.
func TestGenerateExplicitFlagsWinOverLatents(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	ckpt := testCheckpoint(t, cfg)
	lat := writeLatents(t, cfg, 6, 8, 2)
	dir := t.TempDir()
	full, part := filepath.Join(dir, "full.png"), filepath.Join(dir, "part.png")
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--latents", lat, "--padding", "0", "--out", full); code != 0 {
		t.Fatalf("generate --latents: %s", stderr)
	}
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--latents", lat, "--padding", "0", "--identities", "2", "--observations", "3", "--out", part); code != 0 {
		t.Fatalf("generate --latents --identities 2 --observations 3: %s", stderr)
	}
	fullImg, partImg := importDecodePNG(t, full), importDecodePNG(t, part)
	if b := fullImg.Bounds(); b.Dx() != 8*32 || b.Dy() != 6*32 {
		t.Fatalf("--padding 0 over a file with padding 2: %v, want 256×192", b)
	}
	if b := partImg.Bounds(); b.Dx() != 3*32 || b.Dy() != 2*32 {
		t.Fatalf("--identities 2 --observations 3 from a 6×8 file: %v, want 96×64", b)
	}
	for y := range 2 * 32 {
		for x := range 3 * 32 {
			if partImg.At(x, y) != fullImg.At(x, y) {
				t.Fatalf("pixel (%d, %d) differs: the first rows and columns should be the file's first codes", x, y)
			}
		}
	}
	var lf latentsFile
	if err := json.Unmarshal(must(os.ReadFile(filepath.Join(dir, "part.json"))), &lf); err != nil {
		t.Fatal(err)
	}
	if len(lf.ZI) != 2 || len(lf.ZO) != 3 || lf.Padding != 0 {
		t.Errorf("written latents: %d×%d codes, padding %d; want 2×3, padding 0", len(lf.ZI), len(lf.ZO), lf.Padding)
	}
}

// generateImages' batches give the same images as one call of model.Generate (70 codes: two batches).
func TestGenerateImagesBatchingDoesNotChangeImages(t *testing.T) {
	for _, cfg := range []model.Config{model.DefaultConfig(model.DCGAN, 32, 1), {Arch: model.BEGAN, Res: 32, Channels: 3, K: 2, DI: 5, DO: 7, Filters: 8, Hidden: 16}} {
		g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(2, 2))
		var z []float32
		for _, c := range model.Uniform(rng, 70, cfg.Z()) {
			z = append(z, c...)
		}
		want := model.Generate(g, cfg, z)
		got, err := generateImages(context.Background(), g, cfg, z, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			for j := range want[i] {
				if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("%s: image %d value %d: %g in small batches, %g in one", cfg.Arch, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

// An interrupted generate writes nothing and exits 130; a failed one removes what it wrote, and only that.
func TestGenerateInterruptedOrFailedLeavesNothing(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	ckpt := testCheckpoint(t, cfg)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	out := filepath.Join(dir, "grid.png")
	if code := run(ctx, []string{"generate", "--model", ckpt, "--out", out}, &stdout, &stderr); code != 130 {
		t.Errorf("generate with a cancelled context: exit %d, want 130; stderr %q", code, stderr.String())
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("an interrupted generate left %v", left)
	}

	// --same-identity into a folder where latents.json cannot be written (a folder of that name is in the way):
	// the images written before are removed, the folder and what was in it stay.
	same := filepath.Join(dir, "same")
	if err := os.MkdirAll(filepath.Join(same, "latents.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(same, "mine.txt"), []byte("the user's"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := sdgan("generate", "--model", ckpt, "--same-identity", "3", "--out", same)
	if code != 1 {
		t.Fatalf("generate into a folder holding a latents.json folder: exit %d, want 1; stderr %q", code, errOut)
	}
	var names []string
	for _, e := range must(os.ReadDir(same)) {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "latents.json mine.txt" {
		t.Errorf("after the failure the folder holds %v; want only what was there before (latents.json mine.txt)", names)
	}
}
