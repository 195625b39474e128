package verify

import "fmt"

// Config describes a verifier network; it is stored with the weights so that a file rebuilds its own network.
type Config struct {
	Res        int     `json:"res"`         // input images are Res×Res (8 to 256, a multiple of 16)
	Channels   int     `json:"channels"`    // 1 (grey) or 3 (RGB)
	Widths     []int   `json:"widths"`      // output channels of the 4 stride-2 convolutions
	Embed      int     `json:"embed"`       // embedding size
	BNMomentum float32 `json:"bn_momentum"` // batch-norm running-average momentum (TensorFlow convention)
	BNEps      float32 `json:"bn_eps"`      // batch-norm epsilon
}

// DefaultConfig returns the verifier used by `sdgan verifier train`: widths 32, 64, 128, 256 and a 64-d
// embedding.
func DefaultConfig(res, channels int) Config {
	return Config{Res: res, Channels: channels, Widths: []int{32, 64, 128, 256}, Embed: 64, BNMomentum: 0.9, BNEps: 1e-3}
}

// Validate reports the first field out of range, naming it and what is expected.
func (c Config) Validate() error {
	switch {
	case c.Res < 16 || c.Res > 256 || c.Res%16 != 0:
		return fmt.Errorf("res %d: want a multiple of 16 from 16 to 256 (4 stride-2 convolutions)", c.Res)
	case c.Channels != 1 && c.Channels != 3:
		return fmt.Errorf("channels %d: want 1 or 3", c.Channels)
	case len(c.Widths) != 4:
		return fmt.Errorf("widths %v: want 4 convolution widths", c.Widths)
	case c.Embed < 2:
		return fmt.Errorf("embed %d: want at least 2 dimensions", c.Embed)
	case c.BNMomentum < 0 || c.BNMomentum >= 1 || c.BNEps <= 0:
		return fmt.Errorf("bn_momentum %g / bn_eps %g: want momentum in [0, 1) and eps > 0", c.BNMomentum, c.BNEps)
	}
	for i, w := range c.Widths {
		if w < 1 {
			return fmt.Errorf("widths[%d] %d: want at least 1 channel", i, w)
		}
	}
	return nil
}

// ImageSize is the number of values in one input image, Res·Res·Channels.
func (c Config) ImageSize() int { return c.Res * c.Res * c.Channels }
