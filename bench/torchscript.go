package bench

import (
	_ "embed" // the PyTorch reference step, below
	"fmt"
	"os"
)

// stepScript is torch_sdgan_step.py, the PyTorch reference step (the same networks and step as sdgan's, timed side
// by side). It is a copy of the project's shared ../shared/bench/torch_sdgan_step.py with a two-line note on top;
// TestStepScriptMatchesShared checks that the two agree wherever ../shared is present.
//
//go:embed torch_sdgan_step.py
var stepScript []byte

// WriteStepScript writes the embedded PyTorch reference step to a new temporary file and returns its path and a
// function that removes it.
func WriteStepScript() (path string, remove func(), err error) {
	f, err := os.CreateTemp("", "sdgan-torch-step-*.py")
	if err != nil {
		return "", nil, fmt.Errorf("write the PyTorch reference script: %w", err)
	}
	remove = func() { os.Remove(f.Name()) }
	if _, err := f.Write(stepScript); err != nil {
		f.Close()
		remove()
		return "", nil, fmt.Errorf("write the PyTorch reference script %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		remove()
		return "", nil, fmt.Errorf("write the PyTorch reference script %s: %w", f.Name(), err)
	}
	return f.Name(), remove, nil
}
