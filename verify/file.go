package verify

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"sdgan/data"
	"sdgan/nn"
	"sdgan/safetensors"
)

// FileName is the verifier file inside a verifier folder (the --out of `sdgan verifier train`).
const FileName = "verifier.safetensors"

// Metadata keys of a verifier file.
const (
	metaFormat    = "sdgan.verifier.format"    // "1"
	metaConfig    = "sdgan.verifier.config"    // Config as JSON
	metaThreshold = "sdgan.verifier.threshold" // cosine similarity threshold, exact (strconv 'g', -1)
	metaHeldOut   = "sdgan.verifier.held_out"  // JSON list of the held-out identity names
	metaFacts     = "sdgan.verifier.facts"     // Facts as JSON
	fileFormat    = "1"
)

// Facts records how a verifier was trained and how it scored on its held-out identities.
type Facts struct {
	Data             string  `json:"data"`               // the training data set, as given to data.Open
	Seed             uint64  `json:"seed"`               // training seed
	Steps            int64   `json:"steps"`              // optimiser steps done
	TrainIDs         int     `json:"train_ids"`          // identities trained on
	HeldOutIDs       int     `json:"held_out_ids"`       // identities held out
	Seconds          float64 `json:"seconds"`            // training wall time (this process)
	HeldOutPairs     int     `json:"held_out_pairs"`     // positive (and negative) pairs scored on the held-out set
	AUC              float64 `json:"auc"`                // held-out ROC AUC of cosine similarity, same vs different
	EER              float64 `json:"eer"`                // held-out equal error rate
	Accuracy         float64 `json:"accuracy"`           // held-out accuracy at the threshold (chosen on the same pairs)
	TrainAUC         float64 `json:"train_auc"`          // the same AUC on training identities, for comparison
	FinalTripletLoss float64 `json:"final_triplet_loss"` // mean loss over the last logged steps
}

// Verifier is a trained embedding network with its decision threshold and provenance.
type Verifier struct {
	Net       *Net
	Threshold float64  // pairs with cosine similarity ≥ Threshold are accepted as one identity
	HeldOut   []string // names of the identities it never trained on
	Facts     Facts
}

// Score returns the cosine similarity of two embeddings made by v.Net.Embed (higher = more likely one identity).
func (v *Verifier) Score(a, b []float32) float64 { return Cosine(a, b) }

// Same reports whether v accepts two embeddings as one identity.
func (v *Verifier) Same(a, b []float32) bool { return v.Score(a, b) >= v.Threshold }

// HeldOutOf returns the identities of ds that v never trained on (its HeldOut names): the real identities that
// generated images are compared with. It fails unless at least 2 of them have 2 images or more.
func (v *Verifier) HeldOutOf(ds *data.Dataset) (*data.Dataset, error) {
	held := map[string]bool{}
	for _, n := range v.HeldOut {
		held[n] = true
	}
	sub := ds.Subset(func(name string) bool { return held[name] })
	if n := len(sub.Identities); n < 2 {
		return nil, fmt.Errorf("%d of the verifier's %d held-out identities have 2 or more images there; want at least 2 (use the data the verifier was trained on, %q)",
			n, len(v.HeldOut), v.Facts.Data)
	}
	return sub, nil
}

// Save writes v to path atomically as a safetensors file with the metadata described in the package doc.
func Save(path string, v *Verifier) error {
	cfg, err := json.Marshal(v.Net.cfg)
	if err != nil {
		return fmt.Errorf("save verifier %s: %w", path, err)
	}
	held, err := json.Marshal(v.HeldOut)
	if err != nil {
		return fmt.Errorf("save verifier %s: %w", path, err)
	}
	facts, err := json.Marshal(v.Facts)
	if err != nil {
		return fmt.Errorf("save verifier %s: %w", path, err)
	}
	meta := map[string]string{metaFormat: fileFormat, metaConfig: string(cfg), metaHeldOut: string(held),
		metaFacts: string(facts), metaThreshold: strconv.FormatFloat(v.Threshold, 'g', -1, 64)}
	ts := map[string]safetensors.Tensor{}
	for _, t := range append(v.Net.Params(), v.Net.Buffers()...) {
		ts[t.Name] = safetensors.Tensor{Shape: t.Shape, Data: t.ToHost()}
	}
	if err := safetensors.Write(path, ts, meta); err != nil {
		return fmt.Errorf("save verifier: %w", err)
	}
	return nil
}

// Load reads a verifier from a file written by Save, or from a folder holding FileName.
func Load(path string) (*Verifier, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("load verifier: %w", err)
	} else if st.IsDir() {
		path = filepath.Join(path, FileName)
	}
	ts, meta, err := safetensors.Read(path)
	if err != nil {
		return nil, fmt.Errorf("load verifier: %w", err)
	}
	if meta[metaFormat] != fileFormat {
		return nil, fmt.Errorf("load verifier %s: not a verifier file (metadata %s is %q, want %q; a generator checkpoint?)", path, metaFormat, meta[metaFormat], fileFormat)
	}
	var cfg Config
	if err := json.Unmarshal([]byte(meta[metaConfig]), &cfg); err != nil {
		return nil, fmt.Errorf("load verifier %s: metadata %s: %w", path, metaConfig, err)
	}
	net, err := NewNet(cfg, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("load verifier %s: config: %w", path, err)
	}
	for _, t := range append(net.Params(), net.Buffers()...) {
		src, ok := ts[t.Name]
		if !ok {
			return nil, fmt.Errorf("load verifier %s: no tensor %q", path, t.Name)
		}
		if !slices.Equal(src.Shape, t.Shape) {
			return nil, fmt.Errorf("load verifier %s: tensor %q has shape %v, the config wants %v", path, t.Name, src.Shape, t.Shape)
		}
		t.CopyFromHost(src.Data)
	}
	v := &Verifier{Net: net}
	if v.Threshold, err = strconv.ParseFloat(meta[metaThreshold], 64); err != nil || math.IsNaN(v.Threshold) {
		return nil, fmt.Errorf("load verifier %s: metadata %s %q: want a number", path, metaThreshold, meta[metaThreshold])
	}
	if err := json.Unmarshal([]byte(meta[metaHeldOut]), &v.HeldOut); err != nil {
		return nil, fmt.Errorf("load verifier %s: metadata %s: %w", path, metaHeldOut, err)
	}
	if err := json.Unmarshal([]byte(meta[metaFacts]), &v.Facts); err != nil {
		return nil, fmt.Errorf("load verifier %s: metadata %s: %w", path, metaFacts, err)
	}
	return v, nil
}

// tensorsOf names ts for a checkpoint under prefix.
func tensorsOf(prefix string, ts []*nn.Tensor) map[string]safetensors.Tensor {
	m := map[string]safetensors.Tensor{}
	for _, t := range ts {
		m[prefix+t.Name] = safetensors.Tensor{Shape: t.Shape, Data: t.ToHost()}
	}
	return m
}

// HeldOutFrom returns the identities the verifier at path held out (a copy), for `--hold-out-from`: a run or
// another verifier that holds out the same ones. It fails when the file is no verifier or holds out none.
func HeldOutFrom(path string) ([]string, error) {
	v, err := Load(path)
	if err != nil {
		return nil, fmt.Errorf("--hold-out-from: %w", err)
	}
	if len(v.HeldOut) == 0 {
		return nil, fmt.Errorf("--hold-out-from %s: the verifier holds out no identities", path)
	}
	return append([]string(nil), v.HeldOut...), nil
}
