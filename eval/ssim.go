package eval

import (
	"fmt"
	"math"
)

// Defaults of the SSIM of Wang, Bovik, Sheikh and Simoncelli (2004), used by SSIM and MSSSIM when the
// corresponding SSIMOptions field is zero.
const (
	DefaultFilterSize  = 11   // width of the square Gaussian window, in pixels
	DefaultFilterSigma = 1.5  // standard deviation of the Gaussian window, in pixels
	DefaultK1          = 0.01 // C1 = (K1·DataRange)², stabilises the luminance term
	DefaultK2          = 0.03 // C2 = (K2·DataRange)², stabilises the contrast-structure term
)

// SSIMOptions configures SSIM and MSSSIM. Only DataRange is required; a zero in any other field means its
// default.
type SSIMOptions struct {
	// DataRange is the dynamic range of the pixel values (maximum minus minimum allowed value): 255 for images
	// in 0..255, 1 for 0..1. It must be positive. Pixels should start at 0: the luminance term compares
	// absolute means, so it changes if both images are shifted, and a generator's -1..1 output should be
	// mapped to 0..1 (or 0..255) first, as the usual implementations assume.
	DataRange float64
	// FilterSize is the width of the square Gaussian window; 0 means DefaultFilterSize (11). It shrinks to
	// the image at small sizes: see SSIM.
	FilterSize int
	// FilterSigma is the window's standard deviation in pixels; 0 means DefaultFilterSigma (1.5).
	FilterSigma float64
	// K1 and K2 set the stabilising constants C1 = (K1·DataRange)² and C2 = (K2·DataRange)²; 0 means
	// DefaultK1 (0.01) and DefaultK2 (0.03).
	K1, K2 float64
}

// withDefaults fills zero fields with their defaults and checks the result.
func (o SSIMOptions) withDefaults() (SSIMOptions, error) {
	if o.FilterSize == 0 {
		o.FilterSize = DefaultFilterSize
	}
	if o.FilterSigma == 0 {
		o.FilterSigma = DefaultFilterSigma
	}
	if o.K1 == 0 {
		o.K1 = DefaultK1
	}
	if o.K2 == 0 {
		o.K2 = DefaultK2
	}
	switch {
	case !(o.DataRange > 0) || math.IsInf(o.DataRange, 0):
		return o, fmt.Errorf("ssim options: DataRange is %v, want a positive finite pixel range (e.g. 255 or 1)", o.DataRange)
	case o.FilterSize < 0:
		return o, fmt.Errorf("ssim options: FilterSize is %d, want a positive window width (0 for 11)", o.FilterSize)
	case !(o.FilterSigma > 0) || math.IsInf(o.FilterSigma, 0):
		return o, fmt.Errorf("ssim options: FilterSigma is %v, want a positive finite width (0 for 1.5)", o.FilterSigma)
	case !(o.K1 > 0) || !(o.K2 > 0) || math.IsInf(o.K1, 0) || math.IsInf(o.K2, 0):
		return o, fmt.Errorf("ssim options: K1, K2 are %v, %v, want positive finite constants (0 for 0.01, 0.03)", o.K1, o.K2)
	}
	return o, nil
}

// SSIM returns the structural similarity index (Wang, Bovik, Sheikh, Simoncelli 2004) of images a and b, each
// float32 [h, w, c] (NHWC without the batch axis) with pixel values spanning opt.DataRange.
//
// At every position where the Gaussian window fits inside the image ("valid" filtering, no padding), with
// local means μ, variances σ² and covariance σab taken under the window,
//
//	SSIM = (2·μa·μb + C1)(2·σab + C2) / ((μa² + μb² + C1)(σa² + σb² + C2)),
//
// and the result is the mean over those positions and over the channels, each channel treated as a grey
// image. The window is an 11×11 Gaussian with σ 1.5 by default, normalised to sum 1. For images smaller than
// the window (fewer than 11 rows or columns) the window shrinks to min(FilterSize, h, w) and its σ shrinks in
// proportion (σ·size/FilterSize); even sizes centre the window between pixels. This is what the NumPy
// MS-SSIM of tensorflow/models (research/compression/image_encoder/msssim.py) does; tf.image.ssim instead
// refuses images under 11×11. SSIM itself is not clamped: anti-correlated images give values below 0.
//
// It returns an error if the sizes do not describe a and b, or if opt or a pixel is invalid.
func SSIM(a, b []float32, h, w, c int, opt SSIMOptions) (float64, error) {
	o, err := opt.withDefaults()
	if err != nil {
		return 0, err
	}
	pa, pb, err := planes(a, b, h, w, c)
	if err != nil {
		return 0, fmt.Errorf("ssim: %w", err)
	}
	s, _ := ssimCS(pa, pb, h, w, o)
	return s, nil
}

// planes checks a and b against the shape [h, w, c] and splits them into float64 channel planes, each h×w
// in row-major order.
func planes(a, b []float32, h, w, c int) (pa, pb [][]float64, err error) {
	if h <= 0 || w <= 0 || c <= 0 {
		return nil, nil, fmt.Errorf("image shape [%d, %d, %d]: want positive height, width and channels", h, w, c)
	}
	n := h * w * c
	if len(a) != n || len(b) != n {
		return nil, nil, fmt.Errorf("image sizes: a has %d values and b has %d, want %d each for shape [%d, %d, %d]", len(a), len(b), n, h, w, c)
	}
	split := func(name string, x []float32) ([][]float64, error) {
		p := make([][]float64, c)
		for ch := range p {
			p[ch] = make([]float64, h*w)
		}
		for i, v := range x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("image %s: value %d (y %d, x %d, channel %d) is %v, want a finite pixel", name, i, i/c/w, i/c%w, i%c, v)
			}
			p[i%c][i/c] = float64(v)
		}
		return p, nil
	}
	if pa, err = split("a", a); err != nil {
		return nil, nil, err
	}
	if pb, err = split("b", b); err != nil {
		return nil, nil, err
	}
	return pa, pb, nil
}

// ssimCS returns the mean SSIM and the mean contrast-structure term cs = (2·σab + C2) / (σa² + σb² + C2)
// over every valid window position of every channel plane of a and b (each h×w). o has its defaults filled.
func ssimCS(a, b [][]float64, h, w int, o SSIMOptions) (ssim, cs float64) {
	size := min(o.FilterSize, h, w)
	k := gaussian1D(size, o.FilterSigma*float64(size)/float64(o.FilterSize))
	c1 := (o.K1 * o.DataRange) * (o.K1 * o.DataRange)
	c2 := (o.K2 * o.DataRange) * (o.K2 * o.DataRange)
	oh, ow := h-size+1, w-size+1

	tmp := make([]float64, h*ow)
	prod := make([]float64, h*w)
	muA, muB := make([]float64, oh*ow), make([]float64, oh*ow)
	aa, bb, ab := make([]float64, oh*ow), make([]float64, oh*ow), make([]float64, oh*ow)
	for ch := range a {
		pa, pb := a[ch], b[ch]
		blurValid(muA, pa, h, w, k, tmp)
		blurValid(muB, pb, h, w, k, tmp)
		for i := range prod {
			prod[i] = pa[i] * pa[i]
		}
		blurValid(aa, prod, h, w, k, tmp)
		for i := range prod {
			prod[i] = pb[i] * pb[i]
		}
		blurValid(bb, prod, h, w, k, tmp)
		for i := range prod {
			prod[i] = pa[i] * pb[i]
		}
		blurValid(ab, prod, h, w, k, tmp)
		for i := range muA {
			ma, mb := muA[i], muB[i]
			varA, varB, cov := aa[i]-ma*ma, bb[i]-mb*mb, ab[i]-ma*mb
			v := (2*cov + c2) / (varA + varB + c2)
			cs += v
			ssim += v * (2*ma*mb + c1) / (ma*ma + mb*mb + c1)
		}
	}
	n := float64(len(a) * oh * ow)
	return ssim / n, cs / n
}

// gaussian1D returns the size-tap Gaussian with standard deviation sigma, normalised to sum 1, sampled at
// offsets -r..r from the centre for odd sizes and at half-integers ±0.5..±(size-1)/2 for even sizes (like
// MATLAB's fspecial). The outer product of two such vectors is the normalised 2-D window.
func gaussian1D(size int, sigma float64) []float64 {
	k := make([]float64, size)
	var sum float64
	for i := range k {
		x := float64(i) - float64(size-1)/2
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// blurValid sets dst ((h-len(k)+1)×(w-len(k)+1)) to src (h×w) filtered with the separable window k⊗k at every
// position where the window fits. tmp holds at least h×(w-len(k)+1) values.
func blurValid(dst, src []float64, h, w int, k, tmp []float64) {
	s := len(k)
	ow, oh := w-s+1, h-s+1
	for y := range h { // rows: tmp[y][x] = Σ_j k[j]·src[y][x+j]
		row := src[y*w : (y+1)*w]
		out := tmp[y*ow : (y+1)*ow]
		for x := range out {
			var acc float64
			for j, kv := range k {
				acc += kv * row[x+j]
			}
			out[x] = acc
		}
	}
	for y := range oh { // columns: dst[y][x] = Σ_i k[i]·tmp[y+i][x]
		out := dst[y*ow : (y+1)*ow]
		clear(out)
		for i, kv := range k {
			in := tmp[(y+i)*ow : (y+i+1)*ow]
			for x := range out {
				out[x] += kv * in[x]
			}
		}
	}
}
