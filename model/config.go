// Package model holds SD-GAN's networks: the SD-DCGAN and SD-BEGAN generators and discriminators, the AC-DCGAN
// baseline the paper compares them with, their configuration, latent sampling and the checkpoint format. It has
// no training code.
package model

import (
	"fmt"
)

// Architectures.
const (
	DCGAN = "dcgan" // SD-DCGAN: transposed-convolution generator, Siamese convolutional discriminator
	BEGAN = "began" // SD-BEGAN: ELU/upsampling generator, autoencoder discriminator
	// ACGAN is the paper's conditional baseline, AC-DCGAN (Odena et al. 2017): SD-DCGAN's generator whose z_I is a
	// learned row of a table, one row per identity label of the training data, and a discriminator that judges
	// single images with 1 + Classes outputs (real/fake and the identity). It cannot draw new identities.
	ACGAN = "acgan"
)

// ArchName is an architecture's name as the paper writes it: SD-DCGAN, SD-BEGAN, AC-DCGAN (the arch itself for an
// unknown one).
func ArchName(arch string) string {
	switch arch {
	case DCGAN:
		return "SD-DCGAN"
	case BEGAN:
		return "SD-BEGAN"
	case ACGAN:
		return "AC-DCGAN"
	}
	return arch
}

// Config describes a model; it is stored in every checkpoint so that a checkpoint rebuilds its own networks.
type Config struct {
	Arch     string `json:"arch"`     // DCGAN, BEGAN or ACGAN
	Res      int    `json:"res"`      // image height and width: 32 or 64
	Channels int    `json:"channels"` // 1 (grey) or 3 (RGB)
	K        int    `json:"k"`        // images per tuple the discriminator sees (≥ 2); AC-DCGAN: batches are tuples × k single images
	DI       int    `json:"d_i"`      // identity latent size (SPEC: 50)
	DO       int    `json:"d_o"`      // observation latent size (SPEC: 50)

	// SD-DCGAN and AC-DCGAN (Siamese: SD-DCGAN only; AC-DCGAN's discriminator sees one image).
	Siamese    bool    `json:"siamese"`     // discriminator: shared tower per image (true) or channel-stacked images
	BNMomentum float32 `json:"bn_momentum"` // running-average momentum, TensorFlow convention (SPEC: 0.99)
	BNEps      float32 `json:"bn_eps"`      // SPEC: 1e-3
	// DNorm is the discriminator's normalisation after its convolutions: NormBatch (SPEC; "" in checkpoints
	// written before the option existed) or NormNone (the convolutions then get biases).
	DNorm string `json:"d_norm,omitempty"`
	// SpectralNorm divides every discriminator weight by its largest singular value (Miyato et al., 2018).
	SpectralNorm bool `json:"spectral_norm,omitempty"`
	// InfoHead (Siamese SD-DCGAN only) gives the discriminator a dense head on its tower with d_I outputs per image,
	// computed from that image alone. Training uses it either as InfoGAN's Q network (Chen et al. 2016), an
	// estimate of the image's z_I (Options.Info), or as an identity embedding under a triplet loss
	// (Options.IDTriplet, a default of `sdgan train`).
	InfoHead bool `json:"info_head,omitempty"`
	// Compare (Siamese SD-DCGAN only) gives the discriminator's merge, beside the k images' feature maps, one
	// more: per position and channel, the mean over the k images of |f_i − mean_j f_j|, how far the tuple's images
	// are apart in that feature. With it, comparing the images is one layer's work instead of something the merge
	// convolution must learn from their concatenation.
	Compare bool `json:"d_compare,omitempty"`
	// GStyle (SD-DCGAN and AC-DCGAN) lets the identity code modulate every batch norm of the generator: per
	// batch norm a dense layer from z_I gives each channel a scale and a shift, x̂·(1 + γ(z_I)) + β(z_I), applied
	// after the normalisation and before the ReLU (class-conditional batch norm, as BigGAN's, with z_I as the
	// condition). Without it the generator reads z_I only at its input.
	GStyle bool `json:"g_style,omitempty"`
	// GWidth (SD-DCGAN and AC-DCGAN) multiplies the generator's channel counts (but the image's): 2 draws
	// 32×32 images from 512, 256 and 128 channels instead of 256, 128 and 64. 0 (checkpoints from before the
	// option) and 1 are SPEC's widths.
	GWidth int `json:"g_width,omitempty"`
	// DWidth (SD-DCGAN and AC-DCGAN) multiplies the discriminator's channel counts (but the image's): 2 reads
	// 32×32 images with 128, 256 and 512 channels instead of 64, 128 and 256. 0 (checkpoints from before the
	// option) and 1 are SPEC's widths.
	DWidth int `json:"d_width,omitempty"`

	// SD-BEGAN only.
	Filters int `json:"filters,omitempty"` // n, the convolution width (SPEC: 128)
	Hidden  int `json:"hidden,omitempty"`  // the autoencoder's code size per image before the bottleneck (SPEC: 100)

	// AC-DCGAN only: the number of identity labels (the training data's identities), the rows of the generator's
	// label table and the discriminator's class outputs.
	Classes int `json:"classes,omitempty"`
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
	case ACGAN: // Classes is left to the data
		c.BNMomentum, c.BNEps = 0.99, 1e-3
	case BEGAN:
		c.Filters, c.Hidden = 128, 100
	}
	return c
}

// Limits on a Config. They are far above the paper's networks (k = 2, d_I = d_O = 50, n = 128, hidden 100; at most
// about 14M values per network) and exist so that a config, which may come from a checkpoint file, cannot make the
// program allocate without bound: every size a network derives from a valid config fits in an int64, and both
// networks together hold at most MaxValues float32 values.
const (
	MaxK         = 64      // images per tuple
	MaxLatentDim = 4096    // d_I and d_O, each
	MaxFilters   = 1024    // SD-BEGAN's n
	MaxHidden    = 16384   // SD-BEGAN's hidden code size
	MaxClasses   = 1 << 20 // AC-DCGAN's identity labels (MS-Celeb-1M, the paper's largest data set, had 12k)
	MaxWidth     = 4       // the generator's and the discriminator's width multipliers (G at 4, 64×64: 2048 channels first, about 70M values)
	MaxValues    = 1 << 28 // parameters and buffers of the generator and discriminator together (1 GiB of float32)
)

// A ConfigError names the Config field that is out of range (by its JSON name; empty when the networks as a whole
// are too large), its value and what is expected.
type ConfigError struct {
	Field string
	Value any
	Want  string
}

func (e *ConfigError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%v: want %s", e.Value, e.Want)
	}
	return fmt.Sprintf("%s %v: want %s", e.Field, e.Value, e.Want)
}

// Validate reports the first field that is out of range as a *ConfigError, naming it and what is expected; then
// whether the two networks together stay within MaxValues. It computes sizes without building anything.
func (c Config) Validate() error {
	bad := func(field string, v any, want string) error { return &ConfigError{field, v, want} }
	dcgan := c.Arch == DCGAN || c.Arch == ACGAN // SD-DCGAN's layers
	switch {
	case c.Arch != DCGAN && c.Arch != BEGAN && c.Arch != ACGAN:
		return bad("arch", fmt.Sprintf("%q", c.Arch), fmt.Sprintf("%q, %q or %q", DCGAN, BEGAN, ACGAN))
	case c.Res != 32 && c.Res != 64:
		return bad("res", c.Res, "32 or 64")
	case c.Channels != 1 && c.Channels != 3:
		return bad("channels", c.Channels, "1 or 3")
	case c.K < 2 || c.K > MaxK:
		return bad("k", c.K, fmt.Sprintf("2 to %d images per tuple", MaxK))
	case c.DI < 1 || c.DI > MaxLatentDim:
		return bad("d_i", c.DI, fmt.Sprintf("1 to %d identity dimensions", MaxLatentDim))
	case c.DO < 1 || c.DO > MaxLatentDim:
		return bad("d_o", c.DO, fmt.Sprintf("1 to %d observation dimensions", MaxLatentDim))
	case dcgan && !(c.BNMomentum >= 0 && c.BNMomentum < 1): // also refuses NaN
		return bad("bn_momentum", c.BNMomentum, "a number in [0, 1)")
	case dcgan && !(c.BNEps > 0 && c.BNEps <= 1):
		return bad("bn_eps", c.BNEps, "a number in (0, 1]")
	case dcgan && c.Filters != 0:
		return bad("filters", c.Filters, "0: only SD-BEGAN has a filter count")
	case dcgan && c.Hidden != 0:
		return bad("hidden", c.Hidden, "0: only SD-BEGAN has a hidden code")
	case dcgan && c.DNorm != "" && c.DNorm != NormBatch && c.DNorm != NormNone:
		return bad("d_norm", fmt.Sprintf("%q", c.DNorm), fmt.Sprintf("%q or %q", NormBatch, NormNone))
	case !dcgan && c.DNorm != "":
		return bad("d_norm", fmt.Sprintf("%q", c.DNorm), "none: only the SD-DCGAN and AC-DCGAN discriminators have this option")
	case !dcgan && c.SpectralNorm:
		return bad("spectral_norm", c.SpectralNorm, "false: only the SD-DCGAN and AC-DCGAN discriminators have this option")
	case c.InfoHead && (c.Arch != DCGAN || !c.Siamese):
		return bad("info_head", c.InfoHead, "false: only the Siamese SD-DCGAN discriminator has an identity head")
	case c.Compare && (c.Arch != DCGAN || !c.Siamese):
		return bad("d_compare", c.Compare, "false: only the Siamese SD-DCGAN discriminator compares a tuple's images")
	case c.GWidth < 0 || c.GWidth > MaxWidth:
		return bad("g_width", c.GWidth, fmt.Sprintf("0 to %d (0 and 1: SPEC's widths)", MaxWidth))
	case c.GWidth > 1 && !dcgan:
		return bad("g_width", c.GWidth, "0 or 1: only the SD-DCGAN and AC-DCGAN generators have this option")
	case c.DWidth < 0 || c.DWidth > MaxWidth:
		return bad("d_width", c.DWidth, fmt.Sprintf("0 to %d (0 and 1: SPEC's widths)", MaxWidth))
	case c.DWidth > 1 && !dcgan:
		return bad("d_width", c.DWidth, "0 or 1: only the SD-DCGAN and AC-DCGAN discriminators have this option")
	case c.GStyle && !dcgan:
		return bad("g_style", c.GStyle, "false: only the SD-DCGAN and AC-DCGAN generators have identity modulation")
	case c.Arch == ACGAN && c.Siamese:
		return bad("siamese", c.Siamese, "false: the AC-DCGAN discriminator judges one image at a time")
	case c.Arch == ACGAN && (c.Classes < 2 || c.Classes > MaxClasses):
		return bad("classes", c.Classes, fmt.Sprintf("2 to %d identity labels", MaxClasses))
	case c.Arch != ACGAN && c.Classes != 0:
		return bad("classes", c.Classes, "0: only AC-DCGAN has identity labels")
	case c.Arch == BEGAN && (c.Filters < 1 || c.Filters > MaxFilters):
		return bad("filters", c.Filters, fmt.Sprintf("1 to %d", MaxFilters))
	case c.Arch == BEGAN && (c.Hidden < 1 || c.Hidden > MaxHidden):
		return bad("hidden", c.Hidden, fmt.Sprintf("1 to %d", MaxHidden))
	}
	if g, d := c.GeneratorSize(), c.DiscriminatorSize(); g+d > MaxValues {
		return bad("", fmt.Sprintf("networks of %d values (G %d, D %d)", g+d, g, d),
			fmt.Sprintf("at most %d: lower filters, hidden, d_i, d_o or k", int64(MaxValues)))
	}
	return nil
}

// GeneratorSize is the number of float32 values in the generator of c, its parameters and buffers (batch-norm
// running averages) together, computed without building it. c's fields must be within the limits above.
func (c Config) GeneratorSize() int64 {
	if c.Arch == BEGAN {
		return c.beganDecoderSize(int64(c.Z()))
	}
	ch := dcganGenChannels(c)
	n := denseSize(int64(c.Z()), 16*int64(ch[0])) + bnSize(ch[0]) // project, bn0
	if c.Arch == ACGAN {
		n += int64(c.Classes) * int64(c.DI) // the label table
	}
	for i := 0; i+1 < len(ch); i++ {
		n += convSize(5, ch[i], ch[i+1], false)
		if i+2 < len(ch) {
			n += bnSize(ch[i+1])
		} else {
			n += int64(ch[i+1]) // the last layer's bias
		}
	}
	if c.GStyle { // a scale and a shift per channel of every batch norm, from z_I, without biases
		for _, ci := range ch[:len(ch)-1] {
			n += int64(c.DI) * 2 * int64(ci)
		}
	}
	return n
}

// DiscriminatorSize is the number of float32 values in the discriminator of c, parameters and buffers, computed
// without building it. c's fields must be within the limits above.
func (c Config) DiscriminatorSize() int64 {
	if c.Arch == BEGAN {
		f, nb := c.Filters, c.blocks()
		n := convSize(3, c.Channels, f, true)
		prev := f
		for i := range nb {
			ci := f * (i + 1)
			n += convSize(3, prev, ci, true) + convSize(3, ci, ci, true)
			if i+1 < nb {
				n += convSize(3, ci, ci, true)
			}
			prev = ci
		}
		k, h := int64(c.K), int64(c.Hidden)
		n += denseSize(64*int64(prev), h)              // encoder output
		n += denseSize(k*h, int64(c.DI)+k*int64(c.DO)) // bottleneck
		n += k * denseSize(int64(c.Z()), h)            // one dense layer per tuple position
		return n + c.beganDecoderSize(h)
	}
	ch := c.dcganDiscChannels()
	images, outs := c.dcganDiscriminatorShape()
	if images == 0 {
		ch[0] = c.K * c.Channels
	}
	batchNorm := c.DNorm != NormNone
	var n, sn int64 // sn: spectral norm's vectors, one value per output of each weight
	for i := 0; i+1 < len(ch); i++ {
		n += convSize(5, ch[i], ch[i+1], i == 0 || !batchNorm)
		if i > 0 && batchNorm {
			n += bnSize(ch[i+1])
		}
		sn += int64(ch[i+1])
	}
	last := ch[len(ch)-1]
	in := last * max(images, 1)
	if c.Compare {
		in += last
	}
	n += convSize(3, in, last, !batchNorm) + denseSize(4*int64(last), int64(outs)) // merge, out
	if batchNorm {
		n += bnSize(last)
	}
	if c.SpectralNorm {
		n += sn + int64(last) + int64(outs)
	}
	if c.InfoHead {
		n += denseSize(16*int64(last), int64(c.DI))
	}
	return n
}

// dcganDiscChannels returns the channel counts of SD-DCGAN's discriminator tower, the image's first: SPEC's
// 64, 128, 256 (and 512 at 64×64), times DWidth.
func (c Config) dcganDiscChannels() []int {
	w := max(c.DWidth, 1)
	ch := []int{c.Channels, 64 * w, 128 * w, 256 * w, 512 * w}
	if c.Res == 32 {
		ch = ch[:4]
	}
	return ch
}

// dcganDiscriminatorShape says how SD-DCGAN's discriminator layout is used by c: the images that go through the
// shared tower one by one and are merged on the channel axis (k for Siamese SD-DCGAN, 1 for AC-DCGAN; 0 when the
// k images are stacked into one tower input instead), and the outputs per judged input (1 logit; AC-DCGAN: 1 +
// Classes).
func (c Config) dcganDiscriminatorShape() (images, outs int) {
	switch {
	case c.Arch == ACGAN:
		return 1, 1 + c.Classes
	case c.Siamese:
		return c.K, 1
	}
	return 0, 1
}

// beganDecoderSize is the size of newBEGANDecoder(c, in).
func (c Config) beganDecoderSize(in int64) int64 {
	f := c.Filters
	n := denseSize(in, 64*int64(f))
	n += int64(2*c.blocks()) * convSize(3, f, f, true)
	return n + convSize(3, f, c.Channels, true)
}

// denseSize counts a dense layer's weights and biases; convSize a k×k convolution's (or transposed convolution's);
// bnSize a batch norm's scale, shift and two running averages.
func denseSize(in, out int64) int64 { return in*out + out }

func convSize(k, in, out int, bias bool) int64 {
	n := int64(k) * int64(k) * int64(in) * int64(out)
	if bias {
		n += int64(out)
	}
	return n
}

func bnSize(c int) int64 { return 4 * int64(c) }

// Z is the full latent size d_I + d_O.
func (c Config) Z() int { return c.DI + c.DO }

// ImageSize is the number of values in one image, Res·Res·Channels.
func (c Config) ImageSize() int { return c.Res * c.Res * c.Channels }
