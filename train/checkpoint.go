package train

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"sdgan/model"
	"sdgan/nn"
)

// Resume state stored in a checkpoint's metadata beside the model's own keys (see model.SaveCheckpoint).
const (
	metaOptions = "sdgan.train.options"     // Options as JSON
	metaRNG     = "sdgan.train.rng"         // the latent stream's PCG state, base64
	metaSampler = "sdgan.train.sampler"     // the data sampler's state, base64
	metaKT      = "sdgan.train.kt"          // BEGAN's k_t, exact (strconv 'g', -1)
	metaUpdates = "sdgan.train.opt_updates" // the optimisers' update counts, "G,D"
	metaAugment = "sdgan.train.augment"     // the augmenter's state (augment.Augmenter.State), JSON
)

// stateTensors lists every tensor a checkpoint holds: both networks' parameters and buffers, the generator's
// moving average ("G_ema/…") when there is one, and the optimisers' state under "opt/" (sharing memory with the
// live tensors, so that filling them restores the optimisers).
func (t *trainer) stateTensors() []*nn.Tensor {
	ts := append(append(t.g.Params(), t.g.Buffers()...), append(t.d.Params(), t.d.Buffers()...)...)
	if t.ema != nil {
		ts = append(ts, t.ema.tensors()...)
	}
	for _, s := range append(t.optG.State(), t.optD.State()...) {
		ts = append(ts, s.Alias("opt/"+s.Name))
	}
	return ts
}

// save writes the trainer's whole state to the run's checkpoint for the current step, then removes all but the
// newest Keep checkpoints.
func (t *trainer) save(runDir string) (string, error) {
	dir := filepath.Join(runDir, model.CheckpointDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint folder: %w", err)
	}
	path := filepath.Join(dir, model.CheckpointName(t.step))
	if err := t.saveTo(path, nil); err != nil {
		return "", err
	}
	files, err := model.ListCheckpoints(runDir)
	if err != nil {
		return path, err
	}
	for i := 0; i+t.opt.Keep < len(files); i++ {
		if err := os.Remove(files[i]); err != nil {
			return path, fmt.Errorf("remove old checkpoint: %w", err)
		}
	}
	return path, nil
}

// saveTo writes the trainer's whole state, and the extra metadata, to the checkpoint file path.
func (t *trainer) saveTo(path string, extra map[string]string) error {
	rngState, err := t.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	samplerState, err := t.sampler.MarshalBinary()
	if err != nil {
		return err
	}
	opts, err := json.Marshal(t.opt)
	if err != nil {
		return err
	}
	augState, err := t.aug.State()
	if err != nil {
		return err
	}
	meta := map[string]string{
		metaOptions: string(opts),
		metaRNG:     base64.StdEncoding.EncodeToString(rngState),
		metaSampler: base64.StdEncoding.EncodeToString(samplerState),
		metaKT:      strconv.FormatFloat(t.kt, 'g', -1, 64),
		metaUpdates: fmt.Sprintf("%d,%d", t.optG.Updates(), t.optD.Updates()),
		metaAugment: string(augState),
	}
	if t.identities != nil {
		meta[model.MetaIdentities] = model.IdentitiesMeta(t.identities)
	}
	for k, v := range extra {
		meta[k] = v
	}
	return model.SaveCheckpoint(path, t.opt.Model, t.step, t.stateTensors(), meta)
}

// resumeState is the training state a checkpoint keeps in its metadata, decoded.
type resumeState struct {
	rng, sampler []byte
	kt           float64
	updG, updD   int64
}

// parseResumeState decodes a checkpoint's training state, without applying it.
func parseResumeState(c *model.Checkpoint) (resumeState, error) {
	var s resumeState
	bad := func(key string, err error) error {
		return fmt.Errorf("checkpoint %s: metadata %s: %v (not a training checkpoint, or damaged)", c.Path, key, err)
	}
	var err error
	if s.rng, err = base64.StdEncoding.DecodeString(c.Meta[metaRNG]); err != nil {
		return s, bad(metaRNG, err)
	}
	if s.sampler, err = base64.StdEncoding.DecodeString(c.Meta[metaSampler]); err != nil {
		return s, bad(metaSampler, err)
	}
	if s.kt, err = strconv.ParseFloat(c.Meta[metaKT], 64); err != nil {
		return s, bad(metaKT, err)
	}
	if !(s.kt >= 0 && s.kt <= 1) {
		return s, bad(metaKT, fmt.Errorf("k_t %g outside [0, 1]", s.kt))
	}
	if _, err := fmt.Sscanf(c.Meta[metaUpdates], "%d,%d", &s.updG, &s.updD); err != nil {
		return s, bad(metaUpdates, err)
	}
	return s, nil
}

// restore loads a checkpoint written by save into t, whose options must be the checkpoint's.
func (t *trainer) restore(c *model.Checkpoint) error {
	s, err := parseResumeState(c)
	if err != nil {
		return err
	}
	if c.Identities != nil && !slices.Equal(c.Identities, t.identities) {
		for i, name := range c.Identities {
			if name != t.identities[i] {
				return fmt.Errorf("checkpoint %s: identity label %d is %q but --data %s has %q there: the labels would mean other identities (resume with the data the run was trained on)",
					c.Path, i, name, t.opt.Data, t.identities[i])
			}
		}
	}
	if err := c.Fill(t.stateTensors()); err != nil {
		return err
	}
	if err := t.pcg.UnmarshalBinary(s.rng); err != nil {
		return fmt.Errorf("checkpoint %s: metadata %s: %v (not a training checkpoint, or damaged)", c.Path, metaRNG, err)
	}
	if err := t.sampler.UnmarshalBinary(s.sampler); err != nil {
		return fmt.Errorf("checkpoint %s: metadata %s: %v (not a training checkpoint, or damaged)", c.Path, metaSampler, err)
	}
	if st, ok := c.Meta[metaAugment]; ok { // absent from checkpoints older than augmentation
		if err := t.aug.SetState([]byte(st)); err != nil {
			return fmt.Errorf("checkpoint %s: metadata %s: %v (not a training checkpoint, or damaged)", c.Path, metaAugment, err)
		}
	}
	t.kt = s.kt
	t.optG.SetUpdates(s.updG)
	t.optD.SetUpdates(s.updD)
	t.step = c.Step
	return nil
}

// checkpointOptions reads the training options stored in a checkpoint, resolved and checked.
func checkpointOptions(c *model.Checkpoint) (Options, error) {
	var o Options
	js, ok := c.Meta[metaOptions]
	if !ok {
		return o, fmt.Errorf("checkpoint %s holds no training options (metadata %s): it cannot be resumed (an imported model?)", c.Path, metaOptions)
	}
	if err := json.Unmarshal([]byte(js), &o); err != nil {
		return o, fmt.Errorf("checkpoint %s: metadata %s: %w", c.Path, metaOptions, err)
	}
	if o.Model != c.Config {
		return o, fmt.Errorf("checkpoint %s: training options disagree with the model config", c.Path)
	}
	o = o.Resolve()
	if err := o.Validate(); err != nil {
		return o, fmt.Errorf("checkpoint %s: metadata %s: %w", c.Path, metaOptions, err)
	}
	return o, nil
}

// A resumePoint is the checkpoint a run resumes from, its options, and the newer checkpoints skipped because
// they cannot be resumed (newest first).
type resumePoint struct {
	ckpt    *model.Checkpoint
	opt     Options
	skipped []skippedCheckpoint
}

type skippedCheckpoint struct {
	path string
	err  error
}

// findResume finds the newest checkpoint of the run in dir that can be resumed: it reads, its step is the one its
// name says, its tensors hold what its config needs, and its options and training state decode. It reads every
// candidate whole, newest first, and changes nothing.
func findResume(dir string) (*resumePoint, error) {
	files, err := model.ListCheckpoints(dir)
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("--resume %s: no checkpoint found in %s (want a run folder written by sdgan train)", dir, filepath.Join(dir, model.CheckpointDir))
	}
	rp := &resumePoint{}
	for i := len(files) - 1; i >= 0; i-- {
		c, o, err := readResumable(files[i])
		if err == nil {
			rp.ckpt, rp.opt = c, o
			return rp, nil
		}
		rp.skipped = append(rp.skipped, skippedCheckpoint{files[i], err})
	}
	if len(files) == 1 {
		return nil, fmt.Errorf("--resume %s: %w", dir, rp.skipped[0].err)
	}
	return nil, fmt.Errorf("--resume %s: none of its %d checkpoints can be resumed; the newest: %w", dir, len(files), rp.skipped[0].err)
}

// readResumable reads a checkpoint and checks everything a resume needs before building anything.
func readResumable(path string) (*model.Checkpoint, Options, error) {
	c, err := model.ReadCheckpoint(path)
	if err != nil {
		return nil, Options{}, err
	}
	if step, _ := model.CheckpointStep(filepath.Base(path)); step != c.Step {
		return nil, Options{}, fmt.Errorf("checkpoint %s: metadata says step %d, its name step %d (a renamed or damaged file)", path, c.Step, step)
	}
	if err := c.CheckDiscriminator(); err != nil {
		return nil, Options{}, err
	}
	o, err := checkpointOptions(c)
	if err != nil {
		return nil, Options{}, err
	}
	if _, err := parseResumeState(c); err != nil {
		return nil, Options{}, err
	}
	return c, o, nil
}

// setAside renames the checkpoints that findResume skipped to "<name>.damaged", out of ListCheckpoints' sight (so
// that neither pruning, generate nor the next resume takes them), and says so.
func (rp *resumePoint) setAside(warn io.Writer) error {
	for _, s := range rp.skipped {
		aside := s.path + ".damaged"
		if err := os.Rename(s.path, aside); err != nil {
			return fmt.Errorf("--resume: set aside the damaged checkpoint: %w", err)
		}
		fmt.Fprintf(warn, "warning: %v\n  renamed it to %s; resuming from the previous checkpoint, %s (step %d)\n",
			s.err, filepath.Base(aside), filepath.Base(rp.ckpt.Path), rp.ckpt.Step)
	}
	return nil
}
