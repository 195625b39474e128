package eval

import (
	"fmt"
	"math"
)

// DefaultMSSSIMWeights returns the per-scale exponents of Wang, Simoncelli and Bovik (2003), finest scale
// first: 0.0448, 0.2856, 0.3001, 0.2363, 0.1333 (they sum to 1.0001, as published). MSSSIM uses them when
// MSSSIMOptions.Weights is nil.
func DefaultMSSSIMWeights() []float64 { return []float64{0.0448, 0.2856, 0.3001, 0.2363, 0.1333} }

// MSSSIMOptions configures MSSSIM.
type MSSSIMOptions struct {
	// SSIMOptions sets the pixel range (required), window and constants used at every scale.
	SSIMOptions
	// Weights holds one exponent per scale, finest first; its length is the number of scales. nil means
	// DefaultMSSSIMWeights (five scales). Weights must be non-negative.
	Weights []float64
}

// MSSSIM returns the multi-scale structural similarity (Wang, Simoncelli, Bovik 2003) of images a and b, each
// float32 [h, w, c] (NHWC without the batch axis) with pixel values spanning opt.DataRange. 1 means identical;
// lower means less similar (in GAN evaluation: more diverse).
//
// Scale 1 is the image itself; each further scale averages 2×2 blocks of the previous one (an odd last row or
// column is averaged with itself, so a side n becomes ⌈n/2⌉). At every scale j the mean SSIM and the mean
// contrast-structure term cs_j = (2·σab + C2)/(σa² + σb² + C2) are computed exactly as in SSIM: Gaussian
// window (11×11, σ 1.5 by default), K1 0.01, K2 0.03, valid positions only, channels averaged. Then, with M
// scales and weights w_j (default 0.0448, 0.2856, 0.3001, 0.2363, 0.1333),
//
//	MS-SSIM = SSIM_M^w_M · Π_{j<M} cs_j^w_j,
//
// so luminance enters only at the coarsest scale and contrast-structure at every scale.
//
// Small images. Five scales of an 11-wide window need about 160 pixels a side; sdgan's 32×32 and 64×64
// images shrink to 2×2 and 4×4 at scale 5. As in the NumPy MS-SSIM of tensorflow/models
// (research/compression/image_encoder/msssim.py), a common choice for scoring GAN sample diversity, the
// window shrinks to the image at coarse scales: its width becomes min(FilterSize, h_j, w_j) and its σ shrinks
// in proportion. So all five scales and the published weights are kept at every size (a 1-pixel window gives
// cs = 1 and a luminance-only SSIM). tf.image.ssim_multiscale keeps the 11-wide window and rejects such small
// images; to use fewer scales instead (e.g. three at 64×64, weights renormalised to sum 1), pass Weights.
//
// Negative terms. cs_j and SSIM_M can be negative for anti-correlated images, and a negative number to a
// fractional power is undefined; like tf.image.ssim_multiscale (which applies a ReLU), they are clamped at 0,
// so such pairs score 0. Channels are averaged inside each scale (as in tensorflow/models), not per channel
// after the product (as in tf.image).
//
// It returns an error if the sizes do not describe a and b, or if opt or a pixel is invalid.
func MSSSIM(a, b []float32, h, w, c int, opt MSSSIMOptions) (float64, error) {
	o, err := opt.SSIMOptions.withDefaults()
	if err != nil {
		return 0, fmt.Errorf("msssim: %w", err)
	}
	weights := opt.Weights
	if weights == nil {
		weights = DefaultMSSSIMWeights()
	}
	if len(weights) == 0 {
		return 0, fmt.Errorf("msssim options: Weights is empty, want one exponent per scale (nil for the five defaults)")
	}
	for i, wt := range weights {
		if !(wt >= 0) || math.IsInf(wt, 0) {
			return 0, fmt.Errorf("msssim options: Weights[%d] is %v, want a finite non-negative exponent", i, wt)
		}
	}
	pa, pb, err := planes(a, b, h, w, c)
	if err != nil {
		return 0, fmt.Errorf("msssim: %w", err)
	}
	result := 1.0
	for j, wt := range weights {
		ssim, cs := ssimCS(pa, pb, h, w, o)
		if j == len(weights)-1 {
			result *= math.Pow(max(ssim, 0), wt)
			break
		}
		result *= math.Pow(max(cs, 0), wt)
		for ch := range pa {
			pa[ch] = downsample2(pa[ch], h, w)
			pb[ch] = downsample2(pb[ch], h, w)
		}
		h, w = (h+1)/2, (w+1)/2
	}
	return result, nil
}

// downsample2 returns the h×w plane p averaged over 2×2 blocks: a ⌈h/2⌉×⌈w/2⌉ plane. An odd last row or
// column is repeated to fill its blocks (scipy's "reflect" border, as in tensorflow/models' msssim.py).
func downsample2(p []float64, h, w int) []float64 {
	oh, ow := (h+1)/2, (w+1)/2
	out := make([]float64, oh*ow)
	for y := range oh {
		y0, y1 := 2*y, min(2*y+1, h-1)
		for x := range ow {
			x0, x1 := 2*x, min(2*x+1, w-1)
			out[y*ow+x] = (p[y0*w+x0] + p[y0*w+x1] + p[y1*w+x0] + p[y1*w+x1]) / 4
		}
	}
	return out
}
