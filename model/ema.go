package model

import (
	"fmt"
	"strings"

	"sdgan/nn"
)

// A checkpoint may hold two generators: the trained one under "G/…" and an exponential moving average of its
// weights (and batch-norm running averages) under "G_ema/…", which is what generate, serve, eval and previews
// use when it is there (Karras et al.'s G_ema; see train's --ema-kimg).
const (
	rawPrefix = "G/"
	emaPrefix = "G_ema/"
)

// Weights says which generator of a checkpoint to load.
type Weights string

// The generator weights a command can ask for.
const (
	WeightsAuto Weights = ""    // the moving average when the checkpoint has one, else the trained weights
	WeightsEMA  Weights = "ema" // the moving average; an error when there is none
	WeightsRaw  Weights = "raw" // the trained weights
)

// ParseWeights reads a --weights flag value: "auto" (or ""), "ema" or "raw".
func ParseWeights(s string) (Weights, error) {
	switch s {
	case "", "auto":
		return WeightsAuto, nil
	case "ema":
		return WeightsEMA, nil
	case "raw":
		return WeightsRaw, nil
	}
	return "", fmt.Errorf("--weights %q: want auto, ema or raw", s)
}

// RenameEMA renames a generator's tensors from "G/…" to "G_ema/…", making it the moving-average copy that a
// checkpoint stores beside the trained generator.
func RenameEMA(g Generator) {
	for _, t := range append(g.Params(), g.Buffers()...) {
		t.Name = emaName(t.Name)
	}
}

func emaName(name string) string { return emaPrefix + strings.TrimPrefix(name, rawPrefix) }

// HasEMA reports whether the checkpoint holds a moving-average generator.
func (c *Checkpoint) HasEMA() bool {
	for name := range c.Tensors {
		if strings.HasPrefix(name, emaPrefix) {
			return true
		}
	}
	return false
}

// fillGenerator copies the chosen generator weights of c into g (whose tensors have "G/…" names) and says which
// it took.
func (c *Checkpoint) fillGenerator(g Generator, w Weights) (Weights, error) {
	ts := append(g.Params(), g.Buffers()...)
	useEMA := w == WeightsEMA || w == WeightsAuto && c.HasEMA()
	if !useEMA {
		return WeightsRaw, c.Fill(ts)
	}
	if !c.HasEMA() {
		return "", fmt.Errorf("checkpoint %s has no moving-average generator (G_ema/…): train with --ema-kimg, or load --weights raw", c.Path)
	}
	renamed := make([]*nn.Tensor, len(ts))
	for i, t := range ts {
		renamed[i] = t.Alias(emaName(t.Name))
	}
	return WeightsEMA, c.Fill(renamed)
}
