// Package serve is the HTTP face of an SD-GAN generator: a JSON/PNG API that samples and renders grids of
// identities × observations, and the paper's latent explorer page, embedded in the binary.
//
// Build a handler with New from anything that implements Model; see API.md for the routes.
package serve

import (
	"fmt"
	"math/rand/v2"
)

// Model is what the server needs from a generator.
type Model interface {
	// Info describes the model. It is called once per request and must be cheap.
	Info() Info
	// Generate returns one image per row pair (zi[i], zo[i]): NHWC float32 values in [−1, 1], Res×Res×Channels.
	// It must be safe for concurrent use and must not modify its arguments (rows may be shared).
	Generate(zi, zo [][]float32) ([][]float32, error)
}

// Info describes a generator: its architecture, image shape, latent sizes and training progress.
type Info struct {
	Arch     string // architecture name, e.g. "dcgan"
	Res      int    // images are Res×Res pixels
	Channels int    // 1 (grey) or 3 (RGB)
	K        int    // tuple size the model was trained with
	DI       int    // length of the identity code z_I
	DO       int    // length of the observation code z_O
	Step     int64  // training steps done
	// Facts holds free-form facts shown on the page (dataset, parameters, loss, ...).
	Facts map[string]string

	// IdentityCodes, when not nil, draws n identity codes from rng, and says which trained identity each is
	// (an index into Identities, or nil): the way this model's z_I is drawn (cmd/sdgan gives model.IdentityCodes).
	// Nil means SD-GAN's prior U(−1, 1)^d_I, drawn as SampleGrid draws it.
	IdentityCodes func(rng *rand.Rand, n int) ([][]float32, []int)
	// Identities names, for a model whose identities are labels of its training data (an AC-GAN), every
	// identity it knows: such a model cannot draw new identities, and /api/info and the page say so. Nil for
	// SD-GAN models.
	Identities []string
}

// Validate reports whether the server can render images described by info.
func (info Info) Validate() error {
	switch {
	case info.Res < 1:
		return fmt.Errorf("model info: res %d: expected at least 1", info.Res)
	case info.Channels != 1 && info.Channels != 3:
		return fmt.Errorf("model info: channels %d: expected 1 or 3", info.Channels)
	case info.DI < 1:
		return fmt.Errorf("model info: d_i %d: expected at least 1", info.DI)
	case info.DO < 1:
		return fmt.Errorf("model info: d_o %d: expected at least 1", info.DO)
	}
	return nil
}

// pixels is the number of float32 values in one generated image.
func (info Info) pixels() int { return info.Res * info.Res * info.Channels }
