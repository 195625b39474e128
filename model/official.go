package model

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"sdgan/nn"
)

// The authors' pretrained SD-BEGAN faces generator (public repository chrisdonahue/sdgan, branch gh-pages, folder
// ckpts/sdbegan_548235_small) is a folder of raw little-endian float32 files, row-major, listed by a manifest:
//
//	manifest.json  {"G/Conv/weights": {"filename": "G_Conv_weights", "shape": [3, 3, 128, 128]}, …}
//
// The "G/…" tensors are the generator, named as our BEGAN generator names its parameters; the "fig1/…" entries are
// the codes and outputs of the paper's Figure 1 (data, not weights). See ../shared/official-sdbegan/README.md.
const (
	// OfficialManifest is the manifest's file name inside the authors' folder.
	OfficialManifest = "manifest.json"
	// OfficialStep is the training step of the authors' checkpoint.
	OfficialStep = 548235
	// OfficialSource says where the imported weights come from and under which licence.
	OfficialSource = "chrisdonahue/sdgan sdbegan_548235_small, MIT, © 2017 Chris Donahue"
)

// OfficialEntry is one tensor of the authors' manifest: the file holding it, relative to the manifest's folder,
// and its shape.
type OfficialEntry struct {
	Filename string `json:"filename"`
	Shape    []int  `json:"shape"`
}

// OfficialDir is an opened folder in the authors' format: its path and its checked manifest.
type OfficialDir struct {
	Dir      string
	Manifest map[string]OfficialEntry
}

// OpenOfficial reads and checks dir/manifest.json: valid JSON, every entry with a plain file name (no folders) and
// a shape of positive dimensions. It does not read the tensor files.
func OpenOfficial(dir string) (*OfficialDir, error) {
	path := filepath.Join(dir, OfficialManifest)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("official weights: %w (want the authors' %s listing tensor files and shapes)", err, OfficialManifest)
	}
	var m map[string]OfficialEntry
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("official weights %s: not a JSON object of {\"filename\", \"shape\"} entries: %w", path, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("official weights %s: no tensors listed", path)
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names) // the first bad entry in name order: the same error every run
	for _, name := range names {
		e := m[name]
		if e.Filename == "" || e.Filename == "." || e.Filename == ".." || strings.ContainsAny(e.Filename, `/\`) {
			return nil, fmt.Errorf("official weights %s: tensor %q: filename %q: want a plain file name in the same folder", path, name, e.Filename)
		}
		if e.Shape == nil {
			return nil, fmt.Errorf("official weights %s: tensor %q: no shape", path, name)
		}
		for _, d := range e.Shape {
			if d < 1 || d > 1<<30 {
				return nil, fmt.Errorf("official weights %s: tensor %q: shape %v: want positive dimensions", path, name, e.Shape)
			}
		}
	}
	return &OfficialDir{Dir: dir, Manifest: m}, nil
}

// Tensor reads the named tensor's file: raw little-endian float32 whose size must be 4·Π(shape), with no NaN or
// infinity. The result is named name.
func (o *OfficialDir) Tensor(name string) (*nn.Tensor, error) {
	e, ok := o.Manifest[name]
	if !ok {
		return nil, fmt.Errorf("official weights %s: %s has no entry for tensor %q", o.Dir, OfficialManifest, name)
	}
	n := 1
	for _, d := range e.Shape {
		n *= d
		if n > 1<<31 {
			return nil, fmt.Errorf("official weights %s: tensor %q: shape %v is too large", o.Dir, name, e.Shape)
		}
	}
	path := filepath.Join(o.Dir, e.Filename)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("official weights: tensor %q: %w (the file %s names)", name, err, OfficialManifest)
	}
	if len(b) != 4*n {
		return nil, fmt.Errorf("official weights %s: tensor %q: %d bytes, want %d (float32 of shape %v)", path, name, len(b), 4*n, e.Shape)
	}
	vs := make([]float32, n)
	for i := range vs {
		v := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("official weights %s: tensor %q: value %d is %g, want a finite number", path, name, i, v)
		}
		vs[i] = v
	}
	t := nn.FromData(vs, e.Shape...)
	t.Name = name
	return t, nil
}

// ImportOfficial reads the authors' pretrained SD-BEGAN generator from dir and returns its configuration
// (DefaultConfig(BEGAN, 64, 3)) and its parameters, named and shaped as NewGenerator's for that configuration, in
// the same order. Every "G/…" tensor the generator needs must be listed with the generator's shape, and the
// manifest may list no other "G/…" tensor (that would be another network); other entries ("fig1/…") are skipped.
// Errors name the folder or file, the tensor, and what was expected.
func ImportOfficial(dir string) (Config, []*nn.Tensor, error) {
	cfg := DefaultConfig(BEGAN, 64, 3)
	o, err := OpenOfficial(dir)
	if err != nil {
		return cfg, nil, err
	}
	g, err := NewGenerator(cfg, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return cfg, nil, err
	}
	params := g.Params()
	want := make(map[string]bool, len(params))
	for _, p := range params {
		want[p.Name] = true
	}
	var extra []string
	for name := range o.Manifest {
		if strings.HasPrefix(name, "G/") && !want[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return cfg, nil, fmt.Errorf("official weights %s: %s lists %q, which the SD-BEGAN 64×64 generator does not have (another network?)",
			dir, OfficialManifest, extra)
	}
	for _, p := range params {
		e, ok := o.Manifest[p.Name]
		if !ok {
			return cfg, nil, fmt.Errorf("official weights %s: %s has no entry for tensor %q (shape %v), which the SD-BEGAN generator needs",
				dir, OfficialManifest, p.Name, p.Shape)
		}
		if !slices.Equal(e.Shape, p.Shape) {
			return cfg, nil, fmt.Errorf("official weights %s: tensor %q (file %s) has shape %v, the SD-BEGAN 64×64 generator wants %v",
				dir, p.Name, e.Filename, e.Shape, p.Shape)
		}
		t, err := o.Tensor(p.Name)
		if err != nil {
			return cfg, nil, err
		}
		p.CopyFromHost(t.ToHost())
	}
	return cfg, params, nil
}
