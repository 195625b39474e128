package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"sdgan/model"
)

// identityFile is zi.json, written by `sdgan project`: one identity code z_I found for a few real images, which
// `generate --identity` and `serve --identity` take as a row. The projection's own facts (its inputs, their
// fitted observation codes and how well each was reconstructed) come along for the record.
type identityFile struct {
	Model   string    `json:"model"`
	Weights string    `json:"weights,omitempty"`
	Name    string    `json:"name,omitempty"` // what to call the row (the first input's name, by default)
	ZI      []float32 `json:"zi"`

	Inputs []string       `json:"inputs,omitempty"` // the projected image files, in order
	ZO     [][]float32    `json:"zo,omitempty"`     // their observation codes
	Fit    []projectedFit `json:"fit,omitempty"`    // how well each input was reconstructed
	Loss   string         `json:"loss,omitempty"`   // the loss spec minimised
	Steps  int            `json:"steps,omitempty"`
	Starts int            `json:"starts,omitempty"`
	Seed   uint64         `json:"seed"`
}

// projectedFit is how well one input was reconstructed: MS-SSIM (1 = identical) and PSNR in dB, on [−1, 1] pixels.
type projectedFit struct {
	MSSSIM float64 `json:"msssim"`
	PSNR   float64 `json:"psnr_db"`
}

// maxIdentityBytes bounds an identity file read into memory: one code and a few dozen others are kilobytes.
const maxIdentityBytes = 16 << 20

// readIdentityFile reads a zi.json for a model of cfg, named by flag in errors: its z_I must have d_I finite values.
func readIdentityFile(path, flag string, cfg model.Config) (identityFile, error) {
	var f identityFile
	if st, err := os.Stat(path); err != nil {
		return f, fmt.Errorf("%s: %w", flag, err)
	} else if st.Size() > maxIdentityBytes {
		return f, fmt.Errorf("%s %s: %d bytes; an identity file (zi.json from sdgan project) is at most %d MiB", flag, path, st.Size(), maxIdentityBytes>>20)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("%s: %w", flag, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("%s %s: %w (want a zi.json written by sdgan project)", flag, path, err)
	}
	if len(f.ZI) != cfg.DI {
		return f, fmt.Errorf("%s %s: zi has %d values; this model wants d_I = %d (a zi.json of another model?)", flag, path, len(f.ZI), cfg.DI)
	}
	for i, v := range f.ZI {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return f, fmt.Errorf("%s %s: zi[%d] is %g; want finite values", flag, path, i, v)
		}
	}
	return f, nil
}

// identityFilesFlag is a repeatable flag of identity files.
type identityFilesFlag []string

func (f *identityFilesFlag) String() string { return fmt.Sprint(*f) }

func (f *identityFilesFlag) Set(s string) error {
	if s == "" {
		return fmt.Errorf("empty file name; want a zi.json written by sdgan project")
	}
	*f = append(*f, s)
	return nil
}
