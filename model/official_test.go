package model

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sdgan/nn"
)

// officialTestDir is the authors' pretrained generator, relative to this package's folder (the repository's
// ../shared/official-sdbegan). Tests that need it skip where it is absent.
const officialTestDir = "../../shared/official-sdbegan"

func needOfficial(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(officialTestDir, OfficialManifest)); err != nil {
		t.Skipf("the authors' SD-BEGAN weights are absent (%s: %v); get them from chrisdonahue/sdgan, gh-pages, ckpts/sdbegan_548235_small", officialTestDir, err)
	}
	return officialTestDir
}

// toPixel is the README's pixel mapping: clip((x + 1)·127.5, 0, 255), not rounded.
func toPixel(x float32) float64 {
	return min(max((float64(x)+1)*127.5, 0), 255)
}

// TestOfficialFigure1Golden imports the authors' generator, saves and reloads it as an sdgan checkpoint, and
// checks that it reproduces their Figure 1 interpolation grid (fig1/lerp_Gzs) to under 0.01 on the 0..255 scale
// in every cell, and that the Figure 1 identity × observation grid gives 16 distinct, non-blank faces.
func TestOfficialFigure1Golden(t *testing.T) {
	dir := needOfficial(t)
	cfg, params, err := ImportOfficial(dir)
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "official.safetensors")
	if err := SaveCheckpoint(ckpt, cfg, OfficialStep, params, map[string]string{"sdgan.source": OfficialSource}); err != nil {
		t.Fatal(err)
	}
	g, c, err := LoadGenerator(ckpt, WeightsAuto)
	if err != nil {
		t.Fatal(err)
	}
	if c.Step != OfficialStep || c.Meta["sdgan.source"] != OfficialSource || c.Config != cfg {
		t.Fatalf("checkpoint step %d, source %q, config %+v; want %d, %q, %+v", c.Step, c.Meta["sdgan.source"], c.Config, OfficialStep, OfficialSource, cfg)
	}

	o, err := OpenOfficial(dir)
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) *nn.Tensor {
		x, err := o.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	lerpZ, want := read("fig1/lerp_zs"), read("fig1/lerp_Gzs")
	gridZI, gridZO := read("fig1/grid_zis"), read("fig1/grid_zos")
	rows := func(x *nn.Tensor) [][]float32 {
		var r [][]float32
		for i := range x.Dim(0) {
			n := x.Size() / x.Dim(0)
			r = append(r, x.CPUData()[i*n:(i+1)*n])
		}
		return r
	}
	zi, zo := Interpolation(cfg, rows(lerpZ)[0], rows(lerpZ)[1], 4, 4)
	// One forward pass for both figures: 16 interpolation cells, then 16 grid cells.
	imgs := Generate(g, cfg, append(GridZ(zi, zo), GridZ(rows(gridZI), rows(gridZO))...))
	if len(imgs) != 32 {
		t.Fatalf("%d images; want 32", len(imgs))
	}

	size := cfg.ImageSize()
	worst, worstCell := 0.0, 0
	for cell, img := range imgs[:16] {
		ref := want.CPUData()[cell*size : (cell+1)*size]
		e := 0.0
		for i, x := range img {
			e = max(e, math.Abs(toPixel(x)-float64(ref[i])))
		}
		if e >= 0.01 {
			t.Errorf("interpolation cell (%d, %d): max abs error %.4g on 0..255; want < 0.01", cell/4, cell%4, e)
		}
		if e >= worst {
			worst, worstCell = e, cell
		}
	}
	t.Logf("Figure 1 interpolation: worst cell (%d, %d), max abs error %.3g on 0..255", worstCell/4, worstCell%4, worst)

	// The grid: each face must have contrast, and no two faces may be the same picture.
	for cell, img := range imgs[16:] {
		mean, sq := 0.0, 0.0
		for _, x := range img {
			p := toPixel(x)
			mean += p
			sq += p * p
		}
		mean /= float64(len(img))
		if std := math.Sqrt(sq/float64(len(img)) - mean*mean); std < 20 {
			t.Errorf("grid cell (%d, %d): pixel standard deviation %.2f; want ≥ 20 (a face, not a blank)", cell/4, cell%4, std)
		}
		for other := range cell {
			d := 0.0
			for i, x := range img {
				d = max(d, math.Abs(toPixel(x)-toPixel(imgs[16+other][i])))
			}
			if d < 10 {
				t.Errorf("grid cells %d and %d differ by at most %.2f on 0..255; want distinct faces", other, cell, d)
			}
		}
	}
}

// officialFixture is a synthetic folder in the authors' format: random weights of the real shapes and a Figure 1
// entry whose file is absent (as grid_Gzs is in the real folder).
type officialFixture struct {
	manifest map[string]OfficialEntry
	files    map[string][]byte
	values   map[string][]float32 // tensor name → the values written
}

func newOfficialFixture(t *testing.T, seed uint64) *officialFixture {
	t.Helper()
	g, err := NewGenerator(DefaultConfig(BEGAN, 64, 3), rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	f := &officialFixture{manifest: map[string]OfficialEntry{}, files: map[string][]byte{}, values: map[string][]float32{}}
	for _, p := range g.Params() {
		file := strings.ReplaceAll(p.Name, "/", "_")
		f.manifest[p.Name] = OfficialEntry{Filename: file, Shape: p.Shape}
		vals := make([]float32, p.Size())
		b := make([]byte, 4*len(vals))
		for i := range vals {
			vals[i] = float32(rng.NormFloat64() * 0.05)
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(vals[i]))
		}
		f.files[file], f.values[p.Name] = b, vals
	}
	f.manifest["fig1/grid_Gzs"] = OfficialEntry{Filename: "fig1_grid_Gzs", Shape: []int{4, 4, 64, 64, 3}}
	return f
}

// write creates the fixture's files and manifest.json in a new temporary folder.
func (f *officialFixture) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range f.files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	js, err := json.Marshal(f.manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, OfficialManifest), js, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestImportOfficialReadsEveryTensor(t *testing.T) {
	f := newOfficialFixture(t, 3)
	cfg, params, err := ImportOfficial(f.write(t))
	if err != nil {
		t.Fatal(err)
	}
	if cfg != DefaultConfig(BEGAN, 64, 3) {
		t.Errorf("config %+v; want DefaultConfig(began, 64, 3)", cfg)
	}
	if len(params) != 20 {
		t.Errorf("%d tensors; want 20 (dense and 9 convolutions, weights and biases)", len(params))
	}
	for _, p := range params {
		want := f.values[p.Name]
		if len(want) != p.Size() {
			t.Fatalf("%s: %d values; the fixture wrote %d", p.Name, p.Size(), len(want))
		}
		for i, v := range p.CPUData() {
			if v != want[i] {
				t.Fatalf("%s[%d] = %g; the file holds %g", p.Name, i, v, want[i])
			}
		}
	}
}

func TestImportOfficialRejectsBadInput(t *testing.T) {
	base := newOfficialFixture(t, 5)
	cases := []struct {
		name  string
		edit  func(f *officialFixture) // changes the fixture before it is written (nil: none)
		after func(dir string)         // changes the written folder (nil: none)
		want  []string                 // substrings of the error
	}{
		{"missing manifest", nil, func(dir string) { os.Remove(filepath.Join(dir, OfficialManifest)) },
			[]string{OfficialManifest, "no such file"}},
		{"manifest not JSON", nil, func(dir string) {
			os.WriteFile(filepath.Join(dir, OfficialManifest), []byte("G/Conv/weights: [3, 3]\n"), 0o644)
		}, []string{OfficialManifest, "JSON"}},
		{"empty manifest", nil, func(dir string) { os.WriteFile(filepath.Join(dir, OfficialManifest), []byte("{}"), 0o644) },
			[]string{OfficialManifest, "no tensors"}},
		{"size mismatch", func(f *officialFixture) { f.files["G_Conv_3_biases"] = f.files["G_Conv_3_biases"][:4*127] }, nil,
			[]string{"G_Conv_3_biases", `"G/Conv_3/biases"`, "508 bytes, want 512"}},
		{"missing tensor file", func(f *officialFixture) { delete(f.files, "G_fully_connected_weights") }, nil,
			[]string{"G_fully_connected_weights", `"G/fully_connected/weights"`, "no such file"}},
		{"manifest entry missing", func(f *officialFixture) { delete(f.manifest, "G/Conv_8/weights") }, nil,
			[]string{`"G/Conv_8/weights"`, "[3 3 128 3]", OfficialManifest}},
		{"shapes of another network", func(f *officialFixture) {
			f.manifest["G/Conv/weights"] = OfficialEntry{Filename: "G_Conv_weights", Shape: []int{3, 3, 64, 64}}
			f.files["G_Conv_weights"] = f.files["G_Conv_weights"][:4*3*3*64*64]
		}, nil, []string{`"G/Conv/weights"`, "G_Conv_weights", "[3 3 64 64]", "wants [3 3 128 128]"}},
		{"tensor of another network", func(f *officialFixture) {
			f.manifest["G/Conv_9/weights"] = OfficialEntry{Filename: "G_Conv_9_weights", Shape: []int{3, 3, 128, 128}}
		}, nil, []string{"G/Conv_9/weights", "does not have"}},
		{"NaN weight", func(f *officialFixture) {
			b := append([]byte(nil), f.files["G_Conv_5_weights"]...)
			binary.LittleEndian.PutUint32(b[4*1001:], math.Float32bits(float32(math.NaN())))
			f.files["G_Conv_5_weights"] = b
		}, nil, []string{"G_Conv_5_weights", `"G/Conv_5/weights"`, "value 1001 is NaN"}},
		{"infinite bias", func(f *officialFixture) {
			b := append([]byte(nil), f.files["G_Conv_8_biases"]...)
			binary.LittleEndian.PutUint32(b[4*2:], math.Float32bits(float32(math.Inf(-1))))
			f.files["G_Conv_8_biases"] = b
		}, nil, []string{"G_Conv_8_biases", `"G/Conv_8/biases"`, "value 2 is -Inf"}},
		{"file outside the folder", func(f *officialFixture) {
			f.manifest["G/Conv/biases"] = OfficialEntry{Filename: "../G_Conv_biases", Shape: []int{128}}
		}, nil, []string{`"G/Conv/biases"`, `"../G_Conv_biases"`, "plain file name"}},
		{"zero dimension", func(f *officialFixture) {
			f.manifest["fig1/lerp_zs"] = OfficialEntry{Filename: "fig1_lerp_zs", Shape: []int{0, 100}}
		}, nil, []string{`"fig1/lerp_zs"`, "positive dimensions"}},
		{"no shape", func(f *officialFixture) { f.manifest["G/Conv/biases"] = OfficialEntry{Filename: "G_Conv_biases"} }, nil,
			[]string{`"G/Conv/biases"`, "no shape"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &officialFixture{manifest: map[string]OfficialEntry{}, files: map[string][]byte{}}
			for k, v := range base.manifest {
				f.manifest[k] = v
			}
			for k, v := range base.files {
				f.files[k] = v
			}
			if c.edit != nil {
				c.edit(f)
			}
			dir := f.write(t)
			if c.after != nil {
				c.after(dir)
			}
			_, params, err := ImportOfficial(dir)
			if err == nil {
				t.Fatalf("imported %d tensors; want an error", len(params))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to contain %q", err, w)
				}
			}
			if c.name == "missing manifest" || c.name == "missing tensor file" {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("error %v; want it to wrap os.ErrNotExist", err)
				}
			}
		})
	}
}
