package verify

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"sdgan/eval"
	"sdgan/internal/atomicfile"
	"sdgan/plot"
)

// trainReport is report.json of a verifier folder.
type trainReport struct {
	Threshold   float64           `json:"threshold"` // cosine similarity at which two images are called one identity
	Facts       Facts             `json:"facts"`     // training facts and held-out figures
	HeldOut     []string          `json:"held_out"`  // the held-out identity names
	Definitions map[string]string `json:"definitions"`
}

// writeReport writes report.json and roc.png (the held-out ROC curve) into dir, atomically.
func writeReport(dir string, v *Verifier, m Metrics) error {
	r := trainReport{Threshold: v.Threshold, Facts: v.Facts, HeldOut: v.HeldOut, Definitions: map[string]string{
		"threshold": "cosine similarity of the embeddings at the held-out equal error rate; pairs scoring ≥ it are accepted as one identity",
		"auc":       "held-out ROC AUC: probability that a same-identity pair has a higher cosine similarity than a different-identity pair",
		"eer":       "held-out equal error rate: where the false accept rate equals the false reject rate",
		"accuracy":  "held-out accuracy at the threshold (chosen on the same pairs, so slightly optimistic)",
		"train_auc": "the same AUC on pairs of training identities (a large gap to auc means overfitting)",
	}}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n')); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	c, err := eval.ROC(m.Pos, m.Neg)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	series := []plot.Series{
		{Name: fmt.Sprintf("held-out pairs (AUC %.3f)", m.AUC), X: c.FPR, Y: c.TPR},
		{Name: "chance", X: []float64{0, 1}, Y: []float64{0, 1}},
	}
	err = plot.Lines(filepath.Join(dir, "roc.png"), "verifier ROC on held-out identities", series,
		plot.Options{XLabel: "false accept rate", XRange: plot.Range{Min: 0, Max: 1}, YRange: plot.Range{Min: 0, Max: 1}})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
