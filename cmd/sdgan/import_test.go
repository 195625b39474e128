package main

import (
	"encoding/binary"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sdgan/model"
)

// importOfficialDir is the authors' pretrained generator, relative to this package's folder (the repository's
// ../shared/official-sdbegan).
const importOfficialDir = "../../../shared/official-sdbegan"

// importFixture writes a folder in the authors' format holding random weights of the real shapes (plus a
// Figure 1 entry without its file, like the real folder's grid_Gzs) and returns it with the values written.
// edit, if not nil, changes the manifest and the files before they are written.
func importFixture(t *testing.T, seed uint64, edit func(manifest map[string]model.OfficialEntry, files map[string][]byte)) (string, map[string][]float32) {
	t.Helper()
	g, err := model.NewGenerator(model.DefaultConfig(model.BEGAN, 64, 3), rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	manifest := map[string]model.OfficialEntry{"fig1/grid_Gzs": {Filename: "fig1_grid_Gzs", Shape: []int{4, 4, 64, 64, 3}}}
	files, values := map[string][]byte{}, map[string][]float32{}
	for _, p := range g.Params() {
		file := strings.ReplaceAll(p.Name, "/", "_")
		manifest[p.Name] = model.OfficialEntry{Filename: file, Shape: p.Shape}
		vals, b := make([]float32, p.Size()), make([]byte, 4*p.Size())
		for i := range vals {
			vals[i] = float32(rng.NormFloat64() * 0.03)
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(vals[i]))
		}
		files[file], values[p.Name] = b, vals
	}
	if edit != nil {
		edit(manifest, files)
	}
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	js, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, model.OfficialManifest), js, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, values
}

// importWriteCodes writes codes as raw little-endian float32, the authors' format for --zi-file and --zo-file.
func importWriteCodes(t *testing.T, path string, codes ...[]float32) {
	t.Helper()
	var b []byte
	for _, c := range codes {
		for _, v := range c {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func importDecodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func TestImportOfficialUsage(t *testing.T) {
	dir, _ := importFixture(t, 1, nil)
	out := filepath.Join(t.TempDir(), "g.safetensors")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--out", out}, "got 0 arguments"},
		{[]string{dir, dir, "--out", out}, "got 2 arguments"},
		{[]string{dir}, "--out is required"},
		{[]string{dir, "--out", out, "--arch", "dcgan"}, "flag provided but not defined: -arch"},
	}
	for _, c := range cases {
		code, _, stderr := sdgan(append([]string{"import-official"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after usage errors (stat: %v)", out, err)
	}
}

// TestImportOfficialBadInput: each broken folder fails with exit 1, an error naming the file and the tensor, and
// leaves nothing in the output folder (no checkpoint, no temporary file).
func TestImportOfficialBadInput(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(manifest map[string]model.OfficialEntry, files map[string][]byte)
		after func(dir string)
		want  []string
	}{
		{"missing manifest", nil, func(dir string) { os.Remove(filepath.Join(dir, model.OfficialManifest)) },
			[]string{"has no manifest.json", "chrisdonahue/sdgan", "gh-pages"}},
		{"manifest not JSON", nil, func(dir string) {
			os.WriteFile(filepath.Join(dir, model.OfficialManifest), []byte(`{"G/Conv/weights": [3, 3, 128`), 0o644)
		}, []string{"manifest.json", "JSON"}},
		{"size mismatch", func(m map[string]model.OfficialEntry, f map[string][]byte) {
			f["G_Conv_7_weights"] = append(f["G_Conv_7_weights"], 0, 0, 0, 0)
		}, nil, []string{"G_Conv_7_weights", `"G/Conv_7/weights"`, "589828 bytes, want 589824"}},
		{"missing tensor file", func(m map[string]model.OfficialEntry, f map[string][]byte) {
			delete(f, "G_Conv_2_biases")
		}, nil, []string{"G_Conv_2_biases", `"G/Conv_2/biases"`, "no such file"}},
		{"manifest entry missing", func(m map[string]model.OfficialEntry, f map[string][]byte) {
			delete(m, "G/fully_connected/biases")
		}, nil, []string{`"G/fully_connected/biases"`, "manifest.json has no entry"}},
		{"shapes of another network", func(m map[string]model.OfficialEntry, f map[string][]byte) {
			// A 32×32 variant's dense layer would be the same; a narrower network (n = 64) is not.
			m["G/fully_connected/weights"] = model.OfficialEntry{Filename: "G_fully_connected_weights", Shape: []int{100, 4096}}
			f["G_fully_connected_weights"] = f["G_fully_connected_weights"][:4*100*4096]
		}, nil, []string{`"G/fully_connected/weights"`, "G_fully_connected_weights", "[100 4096]", "wants [100 8192]"}},
		{"DCGAN tensors", func(m map[string]model.OfficialEntry, f map[string][]byte) {
			m["G/project/weights"] = model.OfficialEntry{Filename: "G_project_weights", Shape: []int{100, 8192}}
		}, nil, []string{"G/project/weights", "does not have"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, _ := importFixture(t, 2, c.edit)
			if c.after != nil {
				c.after(dir)
			}
			outDir := t.TempDir()
			code, stdout, stderr := sdgan("import-official", dir, "--out", filepath.Join(outDir, "g.safetensors"))
			if code != 1 {
				t.Errorf("exit %d (stdout %q); want 1", code, stdout)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q; want it to contain %q", stderr, w)
				}
			}
			if left, _ := os.ReadDir(outDir); len(left) != 0 {
				t.Errorf("the output folder holds %v after a failed import; want nothing", left)
			}
		})
	}
}

// TestImportOfficialWritesCheckpoint imports random weights, checks the checkpoint holds exactly them with the
// BEGAN config, step and source, refuses to overwrite without --force, and generates from it.
func TestImportOfficialWritesCheckpoint(t *testing.T) {
	dir, values := importFixture(t, 3, nil)
	work := t.TempDir()
	out := filepath.Join(work, "official.safetensors")
	code, stdout, stderr := sdgan("import-official", dir, "--out", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and a line naming %s", code, stdout, stderr, out)
	}
	c, err := model.ReadCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	if c.Config != model.DefaultConfig(model.BEGAN, 64, 3) || c.Step != model.OfficialStep || c.Meta["sdgan.source"] != model.OfficialSource {
		t.Errorf("config %+v, step %d, source %q; want the BEGAN default, %d, %q", c.Config, c.Step, c.Meta["sdgan.source"], model.OfficialStep, model.OfficialSource)
	}
	if len(c.Tensors) != len(values) {
		t.Errorf("%d tensors; want the generator's %d only", len(c.Tensors), len(values))
	}
	for name, want := range values {
		got, ok := c.Tensors[name]
		if !ok || len(got.Data) != len(want) {
			t.Fatalf("tensor %q: present %v, %d values; want %d", name, ok, len(got.Data), len(want))
		}
		for i := range want {
			if got.Data[i] != want[i] {
				t.Fatalf("tensor %q[%d] = %g; want %g", name, i, got.Data[i], want[i])
			}
		}
	}

	// No overwrite without --force; the file stays as it was.
	before, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := importFixture(t, 4, nil)
	code, _, stderr = sdgan("import-official", other, "--out", out)
	if after, _ := os.ReadFile(out); code != 1 || !strings.Contains(stderr, "--force") || string(after) != string(before) {
		t.Errorf("overwrite without --force: exit %d, stderr %q, file changed %v; want exit 1, a hint at --force, the file unchanged",
			code, stderr, string(after) != string(before))
	}
	if code, _, stderr = sdgan("import-official", "--force", "--out", out, other); code != 0 {
		t.Fatalf("--force: exit %d, stderr %q", code, stderr)
	}
	if after, _ := os.ReadFile(out); string(after) == string(before) {
		t.Errorf("--force left the old checkpoint in place")
	}

	// sdgan generate accepts it: a 3×2 grid of 64×64 cells without padding.
	rng := rand.New(rand.NewPCG(5, 6))
	zi, zo := model.Uniform(rng, 3, 50), model.Uniform(rng, 2, 50)
	importWriteCodes(t, filepath.Join(work, "zi"), zi...)
	importWriteCodes(t, filepath.Join(work, "zo"), zo...)
	gridPath := filepath.Join(work, "grid.png")
	code, _, stderr = sdgan("generate", "--model", out, "--zi-file", filepath.Join(work, "zi"), "--zo-file", filepath.Join(work, "zo"),
		"--padding", "0", "--out", gridPath)
	if code != 0 {
		t.Fatalf("generate: exit %d, stderr %q", code, stderr)
	}
	if b := importDecodePNG(t, gridPath).Bounds(); b.Dx() != 128 || b.Dy() != 192 {
		t.Errorf("grid %v; want 128×192", b)
	}
}

// TestImportOfficialGoldenCorners imports the authors' real weights through the command and generates the four
// corners of their Figure 1 interpolation (A, B and the two swaps) with sdgan generate --zi-file/--zo-file: every
// pixel must be within rounding (≤ 1 on 0..255) of the authors' fig1/lerp_Gzs.
func TestImportOfficialGoldenCorners(t *testing.T) {
	if _, err := os.Stat(filepath.Join(importOfficialDir, model.OfficialManifest)); err != nil {
		t.Skipf("the authors' SD-BEGAN weights are absent (%s: %v); get them from chrisdonahue/sdgan, gh-pages, ckpts/sdbegan_548235_small", importOfficialDir, err)
	}
	work := t.TempDir()
	ckpt := filepath.Join(work, "official.safetensors")
	if code, _, stderr := sdgan("import-official", importOfficialDir, "--out", ckpt); code != 0 {
		t.Fatalf("import-official: exit %d, stderr %q", code, stderr)
	}
	o, err := model.OpenOfficial(importOfficialDir)
	if err != nil {
		t.Fatal(err)
	}
	lerp, err := o.Tensor("fig1/lerp_zs")
	if err != nil {
		t.Fatal(err)
	}
	want, err := o.Tensor("fig1/lerp_Gzs")
	if err != nil {
		t.Fatal(err)
	}
	a, b := lerp.CPUData()[:100], lerp.CPUData()[100:]
	importWriteCodes(t, filepath.Join(work, "zi"), a[:50], b[:50])
	importWriteCodes(t, filepath.Join(work, "zo"), a[50:], b[50:])
	out := filepath.Join(work, "corners.png")
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--zi-file", filepath.Join(work, "zi"), "--zo-file", filepath.Join(work, "zo"),
		"--padding", "0", "--out", out); code != 0 {
		t.Fatalf("generate: exit %d, stderr %q", code, stderr)
	}
	img := importDecodePNG(t, out)
	if bd := img.Bounds(); bd.Dx() != 128 || bd.Dy() != 128 {
		t.Fatalf("corners %v; want 128×128", bd)
	}
	// Our cell (i, o) is the interpolation's cell (3i, 3o).
	for i := range 2 {
		for oi := range 2 {
			worst := 0.0
			cell := (3*i*4 + 3*oi) * 64 * 64 * 3
			for y := range 64 {
				for x := range 64 {
					r, g, bl, _ := img.At(64*oi+x, 64*i+y).RGBA()
					for ch, v := range []uint32{r >> 8, g >> 8, bl >> 8} {
						worst = max(worst, math.Abs(float64(v)-float64(want.CPUData()[cell+(y*64+x)*3+ch])))
					}
				}
			}
			if worst > 1 {
				t.Errorf("corner (%d, %d): a pixel differs from the authors' by %.2f; want ≤ 1 (rounding)", 3*i, 3*oi, worst)
			}
		}
	}
}

// The authors' files work as downloaded: the folder itself, its manifest.json, or the top of a clone of their
// gh-pages branch. Help and errors say where the files come from.
func TestImportOfficialAsDownloaded(t *testing.T) {
	dir, _ := importFixture(t, 4, nil)
	clone := t.TempDir()
	if err := os.MkdirAll(filepath.Join(clone, "ckpts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir, filepath.Join(clone, "ckpts", "sdbegan_548235_small")); err != nil {
		t.Fatal(err)
	}
	inClone := filepath.Join(clone, "ckpts", "sdbegan_548235_small")
	for _, arg := range []string{inClone, filepath.Join(inClone, model.OfficialManifest), clone} {
		out := filepath.Join(t.TempDir(), "g.safetensors")
		if code, _, stderr := sdgan("import-official", arg, "--out", out); code != 0 {
			t.Errorf("import-official %s: exit %d, %s", arg, code, stderr)
		}
	}
	_, _, help := sdgan("import-official", "-h")
	for _, want := range []string{"chrisdonahue/sdgan", "gh-pages", "ckpts/sdbegan_548235_small", "git clone", "as downloaded"} {
		if !strings.Contains(help, want) {
			t.Errorf("import-official -h lacks %q:\n%s", want, help)
		}
	}
	for _, bad := range []string{filepath.Join(t.TempDir(), "missing"), t.TempDir()} {
		code, _, stderr := sdgan("import-official", bad, "--out", filepath.Join(t.TempDir(), "g.safetensors"))
		if code != 1 || !strings.Contains(stderr, "chrisdonahue/sdgan") || !strings.Contains(stderr, "ckpts/sdbegan_548235_small") {
			t.Errorf("import-official %s: exit %d, stderr %q; want 1 and where the authors' files come from", bad, code, stderr)
		}
	}
}
