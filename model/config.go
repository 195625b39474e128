// Package model holds SD-GAN's networks: the SD-DCGAN and SD-BEGAN generators and discriminators, their
// configuration, latent sampling and the checkpoint format. It has no training code.
package model

import (
	"fmt"
)

// Architectures.
const (
	DCGAN = "dcgan" // SD-DCGAN: transposed-convolution generator, Siamese convolutional discriminator
	BEGAN = "began" // SD-BEGAN: ELU/upsampling generator, autoencoder discriminator
)

// Config describes a model; it is stored in every checkpoint so that a checkpoint rebuilds its own networks.
type Config struct {
	Arch     string `json:"arch"`     // DCGAN or BEGAN
	Res      int    `json:"res"`      // image height and width: 32 or 64
	Channels int    `json:"channels"` // 1 (grey) or 3 (RGB)
	K        int    `json:"k"`        // images per tuple the discriminator sees (≥ 2)
	DI       int    `json:"d_i"`      // identity latent size (SPEC: 50)
	DO       int    `json:"d_o"`      // observation latent size (SPEC: 50)

	// SD-DCGAN only.
	Siamese    bool    `json:"siamese"`     // discriminator: shared tower per image (true) or channel-stacked images
	BNMomentum float32 `json:"bn_momentum"` // running-average momentum, TensorFlow convention (SPEC: 0.99)
	BNEps      float32 `json:"bn_eps"`      // SPEC: 1e-3
	// DNorm is the discriminator's normalisation after its convolutions: NormBatch (SPEC; "" in checkpoints
	// written before the option existed) or NormNone (the convolutions then get biases).
	DNorm string `json:"d_norm,omitempty"`
	// SpectralNorm divides every discriminator weight by its largest singular value (Miyato et al., 2018).
	SpectralNorm bool `json:"spectral_norm,omitempty"`

	// SD-BEGAN only.
	Filters int `json:"filters,omitempty"` // n, the convolution width (SPEC: 128)
	Hidden  int `json:"hidden,omitempty"`  // the autoencoder's code size per image before the bottleneck (SPEC: 100)
}

// Discriminator normalisations (Config.DNorm).
const (
	NormBatch = "batch"
	NormNone  = "none"
)

// DefaultConfig returns SPEC's defaults for an architecture at a resolution and channel count, with k = 2.
func DefaultConfig(arch string, res, channels int) Config {
	c := Config{Arch: arch, Res: res, Channels: channels, K: 2, DI: 50, DO: 50}
	switch arch {
	case DCGAN:
		c.Siamese, c.BNMomentum, c.BNEps = true, 0.99, 1e-3
	case BEGAN:
		c.Filters, c.Hidden = 128, 100
	}
	return c
}

// Validate reports the first field that is out of range, naming it and what is expected.
func (c Config) Validate() error {
	switch {
	case c.Arch != DCGAN && c.Arch != BEGAN:
		return fmt.Errorf("arch %q: want %q or %q", c.Arch, DCGAN, BEGAN)
	case c.Res != 32 && c.Res != 64:
		return fmt.Errorf("res %d: want 32 or 64", c.Res)
	case c.Channels != 1 && c.Channels != 3:
		return fmt.Errorf("channels %d: want 1 or 3", c.Channels)
	case c.K < 2:
		return fmt.Errorf("k %d: want at least 2 images per tuple", c.K)
	case c.DI < 1:
		return fmt.Errorf("d_i %d: want at least 1 identity dimension", c.DI)
	case c.DO < 1:
		return fmt.Errorf("d_o %d: want at least 1 observation dimension", c.DO)
	case c.Arch == DCGAN && (c.BNMomentum < 0 || c.BNMomentum >= 1 || c.BNEps <= 0):
		return fmt.Errorf("bn_momentum %g / bn_eps %g: want momentum in [0, 1) and eps > 0", c.BNMomentum, c.BNEps)
	case c.Arch == DCGAN && c.DNorm != "" && c.DNorm != NormBatch && c.DNorm != NormNone:
		return fmt.Errorf("d_norm %q: want %q or %q", c.DNorm, NormBatch, NormNone)
	case c.Arch != DCGAN && (c.DNorm != "" || c.SpectralNorm):
		return fmt.Errorf("d_norm %q / spectral_norm %v: only the dcgan discriminator has these options", c.DNorm, c.SpectralNorm)
	case c.Arch == BEGAN && (c.Filters < 1 || c.Hidden < 1):
		return fmt.Errorf("filters %d / hidden %d: want both ≥ 1", c.Filters, c.Hidden)
	}
	return nil
}

// Z is the full latent size d_I + d_O.
func (c Config) Z() int { return c.DI + c.DO }

// ImageSize is the number of values in one image, Res·Res·Channels.
func (c Config) ImageSize() int { return c.Res * c.Res * c.Channels }
