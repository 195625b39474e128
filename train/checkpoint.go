package train

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
)

// stateTensors lists every tensor a checkpoint holds: both networks' parameters and buffers, and the optimisers'
// state under "opt/" (sharing memory with the live tensors, so that filling them restores the optimisers).
func (t *trainer) stateTensors() []*nn.Tensor {
	ts := append(append(t.g.Params(), t.g.Buffers()...), append(t.d.Params(), t.d.Buffers()...)...)
	for _, s := range append(t.optG.State(), t.optD.State()...) {
		ts = append(ts, &nn.Tensor{Name: "opt/" + s.Name, Shape: s.Shape, Data: s.Data})
	}
	return ts
}

// save writes the trainer's whole state to the run's checkpoint for the current step, then removes all but the
// newest Keep checkpoints.
func (t *trainer) save(runDir string) (string, error) {
	rngState, err := t.pcg.MarshalBinary()
	if err != nil {
		return "", err
	}
	samplerState, err := t.sampler.MarshalBinary()
	if err != nil {
		return "", err
	}
	opts, err := json.Marshal(t.opt)
	if err != nil {
		return "", err
	}
	extra := map[string]string{
		metaOptions: string(opts),
		metaRNG:     base64.StdEncoding.EncodeToString(rngState),
		metaSampler: base64.StdEncoding.EncodeToString(samplerState),
		metaKT:      strconv.FormatFloat(t.kt, 'g', -1, 64),
		metaUpdates: fmt.Sprintf("%d,%d", t.optG.Updates(), t.optD.Updates()),
	}
	dir := filepath.Join(runDir, model.CheckpointDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint folder: %w", err)
	}
	path := filepath.Join(dir, model.CheckpointName(t.step))
	if err := model.SaveCheckpoint(path, t.opt.Model, t.step, t.stateTensors(), extra); err != nil {
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

// restore loads a checkpoint written by save into t, whose options must be the checkpoint's.
func (t *trainer) restore(c *model.Checkpoint) error {
	if err := c.Fill(t.stateTensors()); err != nil {
		return err
	}
	bad := func(key string, err error) error {
		return fmt.Errorf("checkpoint %s: metadata %s: %v (not a training checkpoint, or damaged)", c.Path, key, err)
	}
	rngState, err := base64.StdEncoding.DecodeString(c.Meta[metaRNG])
	if err == nil {
		err = t.pcg.UnmarshalBinary(rngState)
	}
	if err != nil {
		return bad(metaRNG, err)
	}
	samplerState, err := base64.StdEncoding.DecodeString(c.Meta[metaSampler])
	if err == nil {
		err = t.sampler.UnmarshalBinary(samplerState)
	}
	if err != nil {
		return bad(metaSampler, err)
	}
	if t.kt, err = strconv.ParseFloat(c.Meta[metaKT], 64); err != nil {
		return bad(metaKT, err)
	}
	var ug, ud int64
	if _, err := fmt.Sscanf(c.Meta[metaUpdates], "%d,%d", &ug, &ud); err != nil {
		return bad(metaUpdates, err)
	}
	t.optG.SetUpdates(ug)
	t.optD.SetUpdates(ud)
	t.step = c.Step
	return nil
}

// checkpointOptions reads the training options stored in a checkpoint.
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
	return o, nil
}
