package verify

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"sdgan/nn"
	"sdgan/safetensors"
)

// CheckpointName is the training checkpoint inside a verifier folder: the network, the Adam moments and the
// batch stream, so that a resumed run continues exactly as an uninterrupted one would.
const CheckpointName = "checkpoint.safetensors"

// Checkpoint metadata keys.
const (
	metaCkptOptions = "sdgan.verifier.train.options" // Options as JSON
	metaCkptStep    = "sdgan.verifier.train.step"    // steps done
	metaCkptRNG     = "sdgan.verifier.train.rng"     // the batch stream's PCG state, base64
	metaCkptAdam    = "sdgan.verifier.train.adam"    // Adam's update count
)

// stateTensors lists what a checkpoint holds: the network's parameters and buffers, and Adam's moments under
// "opt/" (sharing memory with the live tensors, so that filling them restores the optimiser).
func (t *trainer) stateTensors() []*nn.Tensor {
	ts := append(t.net.Params(), t.net.Buffers()...)
	for _, s := range t.adam.State() {
		ts = append(ts, s.Alias("opt/"+s.Name))
	}
	return ts
}

// save writes the trainer's state to dir/CheckpointName atomically.
func (t *trainer) save(dir string) error {
	rng, err := t.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	meta := map[string]string{
		metaFormat: fileFormat, metaCkptOptions: optionsJSON(t.opt), metaCkptStep: strconv.FormatInt(t.step, 10),
		metaCkptRNG: base64.StdEncoding.EncodeToString(rng), metaCkptAdam: strconv.FormatInt(t.adam.Steps, 10),
	}
	path := filepath.Join(dir, CheckpointName)
	if err := safetensors.Write(path, tensorsOf("", t.stateTensors()), meta); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// readCheckpoint reads dir/CheckpointName and its options.
func readCheckpoint(dir string) (map[string]safetensors.Tensor, map[string]string, Options, error) {
	path := filepath.Join(dir, CheckpointName)
	ts, meta, err := safetensors.Read(path)
	if err != nil {
		return nil, nil, Options{}, fmt.Errorf("--resume %s: %w (want a folder written by sdgan verifier train)", dir, err)
	}
	var o Options
	if err := json.Unmarshal([]byte(meta[metaCkptOptions]), &o); err != nil {
		return nil, nil, o, fmt.Errorf("--resume %s: metadata %s: %w (not a verifier checkpoint?)", path, metaCkptOptions, err)
	}
	return ts, meta, o, nil
}

// ResumeOptions returns the options stored in the checkpoint of the verifier folder dir.
func ResumeOptions(dir string) (Options, error) {
	_, _, o, err := readCheckpoint(dir)
	return o, err
}

// restore loads dir's checkpoint into t, which was built with the checkpoint's options.
func (t *trainer) restore(dir string) error {
	ts, meta, _, err := readCheckpoint(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, CheckpointName)
	for _, dst := range t.stateTensors() {
		src, ok := ts[dst.Name]
		if !ok || !slices.Equal(src.Shape, dst.Shape) {
			return fmt.Errorf("--resume: checkpoint %s: tensor %q missing or of shape %v, want %v", path, dst.Name, src.Shape, dst.Shape)
		}
		dst.CopyFromHost(src.Data)
	}
	bad := func(key string, err error) error {
		return fmt.Errorf("--resume: checkpoint %s: metadata %s: %v", path, key, err)
	}
	if t.step, err = strconv.ParseInt(meta[metaCkptStep], 10, 64); err != nil {
		return bad(metaCkptStep, err)
	}
	if t.adam.Steps, err = strconv.ParseInt(meta[metaCkptAdam], 10, 64); err != nil {
		return bad(metaCkptAdam, err)
	}
	rng, err := base64.StdEncoding.DecodeString(meta[metaCkptRNG])
	if err == nil {
		err = t.pcg.UnmarshalBinary(rng)
	}
	if err != nil {
		return bad(metaCkptRNG, err)
	}
	return nil
}
