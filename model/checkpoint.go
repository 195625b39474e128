package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sdgan/nn"
	"sdgan/safetensors"
)

// A checkpoint is one safetensors file (readable by any safetensors tool) holding every tensor by its name —
// the generator's "G/…", the discriminator's "D/…", and training state such as "opt/G/…" — and metadata:
//
//	sdgan.format  "1"
//	sdgan.config  the model Config as JSON
//	sdgan.step    training steps done
//	sdgan.identities  AC-DCGAN: the identity names of its labels, as a JSON array (label i is the i-th); optional
//
// plus any extra keys the writer adds (the training loop stores its resume state there).
const (
	metaFormat = "sdgan.format"
	metaConfig = "sdgan.config"
	metaStep   = "sdgan.step"
	format     = "1"
)

// MetaIdentities is the metadata key of an AC-DCGAN checkpoint's identity names (IdentitiesMeta writes its value).
const MetaIdentities = "sdgan.identities"

// IdentitiesMeta returns the metadata value that records identity names, label i being names[i].
func IdentitiesMeta(names []string) string {
	b, _ := json.Marshal(names) // a []string always marshals
	return string(b)
}

// CheckpointDir is where a run folder keeps its checkpoints.
const CheckpointDir = "checkpoints"

// Checkpoint is a checkpoint file's contents.
type Checkpoint struct {
	Path    string
	Config  Config
	Step    int64
	Tensors map[string]safetensors.Tensor
	Meta    map[string]string // every metadata key, the sdgan.* ones included
	// Identities names an AC-DCGAN's labels (label i is Identities[i]); nil for SD-GAN checkpoints and for an
	// AC-DCGAN checkpoint written without names.
	Identities []string
	// Generator is the generator LoadGenerator filled: WeightsEMA or WeightsRaw (empty when none was loaded).
	Generator Weights
}

// SaveCheckpoint writes cfg, step, the tensors (under their Names) and extra metadata to path atomically: a
// crash while writing leaves the previous file intact.
func SaveCheckpoint(path string, cfg Config, step int64, tensors []*nn.Tensor, extra map[string]string) error {
	js, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	meta := map[string]string{metaFormat: format, metaConfig: string(js), metaStep: strconv.FormatInt(step, 10)}
	for k, v := range extra {
		meta[k] = v
	}
	m := make(map[string]safetensors.Tensor, len(tensors))
	for _, t := range tensors {
		if t.Name == "" {
			return fmt.Errorf("save checkpoint %s: a tensor of shape %v has no name", path, t.Shape)
		}
		if _, dup := m[t.Name]; dup {
			return fmt.Errorf("save checkpoint %s: two tensors named %q", path, t.Name)
		}
		m[t.Name] = safetensors.Tensor{Shape: t.Shape, Data: t.ToHost()}
	}
	if err := safetensors.Write(path, m, meta); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// ReadCheckpoint reads and checks a checkpoint file.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	ts, meta, err := safetensors.Read(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	if meta[metaFormat] != format {
		return nil, fmt.Errorf("read checkpoint %s: not an sdgan checkpoint (metadata %s is %q, want %q)", path, metaFormat, meta[metaFormat], format)
	}
	c := &Checkpoint{Path: path, Tensors: ts, Meta: meta}
	if err := json.Unmarshal([]byte(meta[metaConfig]), &c.Config); err != nil {
		return nil, fmt.Errorf("read checkpoint %s: metadata %s: %w", path, metaConfig, err)
	}
	if err := c.Config.Validate(); err != nil {
		return nil, fmt.Errorf("read checkpoint %s: config: %w", path, err)
	}
	if c.Step, err = strconv.ParseInt(meta[metaStep], 10, 64); err != nil {
		return nil, fmt.Errorf("read checkpoint %s: metadata %s: %w", path, metaStep, err)
	}
	if c.Step < 0 {
		return nil, fmt.Errorf("read checkpoint %s: metadata %s is %d: want a step ≥ 0", path, metaStep, c.Step)
	}
	if js, ok := meta[MetaIdentities]; ok && c.Config.Arch == ACGAN {
		if err := json.Unmarshal([]byte(js), &c.Identities); err != nil || len(c.Identities) != c.Config.Classes {
			return nil, fmt.Errorf("read checkpoint %s: metadata %s: want a JSON array of the %d identity names of its labels (%d names, %v)",
				path, MetaIdentities, c.Config.Classes, len(c.Identities), err)
		}
	}
	if err := c.holds("G/", "generator", c.Config.GeneratorSize()); err != nil {
		return nil, err
	}
	if err := c.checkFinite(); err != nil {
		return nil, err
	}
	return c, nil
}

// holds checks, before anything is built from the config, that the file has at least the values that a network
// of want values needs under prefix: Fill needs every one of them, so a config that implies more (an edited or
// damaged file) is refused here, without allocating the network.
func (c *Checkpoint) holds(prefix, what string, want int64) error {
	var have int64
	for name, t := range c.Tensors {
		if strings.HasPrefix(name, prefix) {
			have += int64(len(t.Data))
		}
	}
	if have == 0 && want > 0 {
		return fmt.Errorf("read checkpoint %s: it holds no %s (no tensor under %q)", c.Path, what, prefix)
	}
	if want > have {
		return fmt.Errorf("read checkpoint %s: its config (%s %s %d×%d×%d, k=%d, d_i=%d, d_o=%d, filters %d, hidden %d) implies a %s of %d values, but the file holds %d under %q: the config and the tensor shapes disagree (an edited or damaged file)",
			c.Path, metaConfig, c.Config.Arch, c.Config.Res, c.Config.Res, c.Config.Channels, c.Config.K, c.Config.DI, c.Config.DO,
			c.Config.Filters, c.Config.Hidden, what, want, have, prefix)
	}
	return nil
}

// CheckDiscriminator checks, before a discriminator is built from the checkpoint's config (to resume training),
// that the file holds at least the values that discriminator needs. ReadCheckpoint checks the generator.
func (c *Checkpoint) CheckDiscriminator() error {
	return c.holds("D/", "discriminator", c.Config.DiscriminatorSize())
}

// checkFinite refuses a checkpoint with a NaN or infinite value in any tensor, naming the first (by name).
func (c *Checkpoint) checkFinite() error {
	names := make([]string, 0, len(c.Tensors))
	for name := range c.Tensors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for i, v := range c.Tensors[name].Data {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("read checkpoint %s: tensor %q holds %g at index %d: want finite values (a diverged or damaged checkpoint)",
					c.Path, name, v, i)
			}
		}
	}
	return nil
}

// Fill copies the checkpoint's tensors into ts by name, checking that each exists with the same shape.
func (c *Checkpoint) Fill(ts []*nn.Tensor) error {
	for _, t := range ts {
		src, ok := c.Tensors[t.Name]
		if !ok {
			return fmt.Errorf("checkpoint %s has no tensor %q", c.Path, t.Name)
		}
		if !slices.Equal(src.Shape, t.Shape) {
			return fmt.Errorf("checkpoint %s: tensor %q has shape %v, the model wants %v", c.Path, t.Name, src.Shape, t.Shape)
		}
		t.CopyFromHost(src.Data)
	}
	return nil
}

// LoadGenerator reads a checkpoint (a file, or a run folder: its latest checkpoint) and rebuilds its generator:
// with WeightsAuto the moving average (G_ema) when the checkpoint has one, else the trained weights; w can ask
// for either. The checkpoint's Generator field says which it loaded.
func LoadGenerator(path string, w Weights) (Generator, *Checkpoint, error) {
	file, err := ResolveCheckpoint(path)
	if err != nil {
		return nil, nil, err
	}
	c, err := ReadCheckpoint(file)
	if err != nil {
		return nil, nil, err
	}
	g, err := NewGenerator(c.Config, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", file, err)
	}
	if c.Generator, err = c.fillGenerator(g, w); err != nil {
		return nil, nil, err
	}
	return g, c, nil
}

// CheckpointName is the file name of the checkpoint at a step, inside a run's CheckpointDir.
func CheckpointName(step int64) string { return fmt.Sprintf("ckpt-%09d.safetensors", step) }

// CheckpointStep returns the step of a checkpoint file name that CheckpointName wrote, exactly; ok is false for
// any other name (a user's "ckpt-best.safetensors", "ckpt-0001.safetensors", a temporary file).
func CheckpointStep(name string) (step int64, ok bool) {
	digits, found := strings.CutPrefix(name, "ckpt-")
	if digits, found = strings.CutSuffix(digits, ".safetensors"); !found {
		return 0, false
	}
	step, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || step < 0 || CheckpointName(step) != name {
		return 0, false
	}
	return step, true
}

// ListCheckpoints returns the checkpoint files of a run folder, oldest (lowest step) first: only the files named
// as CheckpointName names them, ordered by that step.
func ListCheckpoints(runDir string) ([]string, error) {
	dir := filepath.Join(runDir, CheckpointDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type file struct {
		path string
		step int64
	}
	var found []file
	for _, e := range entries {
		if step, ok := CheckpointStep(e.Name()); ok && !e.IsDir() {
			found = append(found, file{filepath.Join(dir, e.Name()), step})
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].step < found[j].step })
	files := make([]string, len(found))
	for i, f := range found {
		files[i] = f.path
	}
	return files, nil
}

// ResolveCheckpoint turns a model argument into a checkpoint file: a file is itself; a run folder gives its latest
// checkpoint. The error says what was expected.
func ResolveCheckpoint(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", path, err)
	}
	if !st.IsDir() {
		return path, nil
	}
	files, err := ListCheckpoints(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("model %s: %w", path, err)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("model %s: a folder without checkpoints (want a run folder with %s/ckpt-*.safetensors, or a checkpoint file)", path, CheckpointDir)
	}
	return files[len(files)-1], nil
}

// LabelName names identity label l of an AC-DCGAN checkpoint: its identity's name when the checkpoint records
// names, else "label l".
func (c *Checkpoint) LabelName(l int) string {
	if l >= 0 && l < len(c.Identities) {
		return c.Identities[l]
	}
	return fmt.Sprintf("label %d", l)
}
