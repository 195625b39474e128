// Package augment is differentiable augmentation of the images a GAN's discriminator sees, real and fake alike:
// DiffAugment's translation, cutout and colour transforms (Zhao et al., "Differentiable Augmentation for
// Data-Efficient GAN Training", 2020), built from nn's ops so that the generator's gradient passes through them,
// with the adaptive strength of ADA (Karras et al., "Training Generative Adversarial Networks with Limited Data",
// 2020): each transform applies to an image with probability p, and p can follow the discriminator's overfitting.
//
// Images are NHWC in [−1, 1], k consecutive images forming one tuple. With PerTuple set, the images of a tuple
// share one draw of every transform (the discriminator then sees a tuple moved as a whole); otherwise every image
// draws its own.
package augment

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"sdgan/nn"
)

// Policy says which transforms run.
type Policy struct {
	Translation bool // move by up to 1/8 of the image size in each direction, filling with 0 (DiffAugment)
	Cutout      bool // zero a square of half the image size at a random place
	Color       bool // random brightness, saturation (colour images only) and contrast
}

// ParsePolicy reads a comma-separated list of transforms: "translation", "cutout", "color" (or "colour"); ""
// and "none" are the empty policy.
func ParsePolicy(s string) (Policy, error) {
	var p Policy
	if s == "" || s == "none" {
		return p, nil
	}
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case "translation":
			p.Translation = true
		case "cutout":
			p.Cutout = true
		case "color", "colour":
			p.Color = true
		default:
			return p, fmt.Errorf("augmentation %q: want a comma-separated list of translation, cutout, color (or none)", name)
		}
	}
	return p, nil
}

// String is the policy as ParsePolicy reads it.
func (p Policy) String() string {
	var names []string
	for _, t := range []struct {
		on   bool
		name string
	}{{p.Translation, "translation"}, {p.Cutout, "cutout"}, {p.Color, "color"}} {
		if t.on {
			names = append(names, t.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Empty reports whether the policy does nothing.
func (p Policy) Empty() bool { return p == Policy{} }

// Augmenter draws and applies augmentations. Its random stream and strength are state to checkpoint (State,
// SetState), so that a resumed run augments exactly as an uninterrupted one.
type Augmenter struct {
	Policy   Policy
	P        float64 // probability that each transform applies to an image (or tuple), in [0, 1]
	K        int     // images per tuple
	PerTuple bool    // the images of a tuple share their draws

	// Adaptive strength (ADA): with Target > 0, every AdjustEvery steps P moves towards keeping r_t, the mean
	// sign of the discriminator's outputs on real data, at Target: up by AdjustEvery·images/SpeedImages when r_t
	// is above it (the discriminator is sure of the real data: it overfits), down when below.
	Target      float64
	SpeedImages float64 // images over which P can go from 0 to 1 (ADA: 500k; shorter runs want less)
	AdjustEvery int     // steps between adjustments (ADA: 4)

	pcg            *rand.PCG
	rng            *rand.Rand
	signSum        float64 // Σ sign(real outputs) since the last adjustment
	signN, pending int     // outputs summed, and steps since the last adjustment
}

// New returns an augmenter with its own random stream from seed.
func New(policy Policy, p float64, k int, perTuple bool, seed uint64) *Augmenter {
	pcg := rand.NewPCG(seed, 0xa096)
	return &Augmenter{Policy: policy, P: p, K: k, PerTuple: perTuple, pcg: pcg, rng: rand.New(pcg)}
}

// draws returns, for n images, one value of f per image: one per tuple repeated for its K images with PerTuple.
// applied says whether a transform happens at all for the image (probability P); f gets it and draws the value.
func (a *Augmenter) draws(n int, f func(applied bool) float32) []float32 {
	out := make([]float32, n)
	step := 1
	if a.PerTuple {
		step = a.K
	}
	for i := 0; i < n; i += step {
		v := f(a.rng.Float64() < a.P)
		for j := i; j < min(i+step, n); j++ {
			out[j] = v
		}
	}
	return out
}

// Apply returns the augmented images x [n, h, w, c] (n a multiple of K), recording on x's tape so that
// gradients flow back to x. With an empty policy or P = 0 it returns x itself and draws nothing.
func (a *Augmenter) Apply(x *nn.Tensor) *nn.Tensor {
	if a.Policy.Empty() || a.P <= 0 {
		return x
	}
	n, h, w, c := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	if n%a.K != 0 {
		panic(fmt.Sprintf("augment: %d images are not whole tuples of %d", n, a.K))
	}
	if a.Policy.Color {
		x = a.color(x, n, c)
	}
	if a.Policy.Translation {
		x = a.translate(x, n, h, w)
	}
	if a.Policy.Cutout {
		x = a.cutout(x, n, h, w)
	}
	return x
}

// color is DiffAugment's rand_brightness, rand_saturation and rand_contrast, in that order.
func (a *Augmenter) color(x *nn.Tensor, n, c int) *nn.Tensor {
	uniform := func(lo, hi, none float32) []float32 {
		return a.draws(n, func(on bool) float32 {
			if !on {
				return none
			}
			return lo + (hi-lo)*a.rng.Float32()
		})
	}
	perImage := func(v []float32) *nn.Tensor { return nn.FromData(v, n, 1, 1, 1) }
	x = nn.Add(x, perImage(uniform(-0.5, 0.5, 0))) // brightness
	if c > 1 {                                     // saturation: scale the distance from the pixel's channel mean
		s := perImage(uniform(0, 2, 1))
		m := nn.Reshape(nn.Mean(x, 3), n, x.Dim(1), x.Dim(2), 1)
		x = nn.Add(nn.Mul(nn.Sub(x, m), s), m)
	}
	ct := perImage(uniform(0.5, 1.5, 1)) // contrast: scale the distance from the image's mean
	m := nn.Reshape(nn.Mean(x, 1, 2, 3), n, 1, 1, 1)
	return nn.Add(nn.Mul(nn.Sub(x, m), ct), m)
}

// translate moves each image by up to ⌊size/8 + ½⌋ pixels along each axis (DiffAugment's ratio 1/8).
func (a *Augmenter) translate(x *nn.Tensor, n, h, w int) *nn.Tensor {
	offsets := func(size int) []int {
		r := int(float64(size)/8 + 0.5)
		v := a.draws(n, func(on bool) float32 {
			if !on {
				return 0
			}
			return float32(a.rng.IntN(2*r+1) - r)
		})
		out := make([]int, n)
		for i, f := range v {
			out[i] = int(f)
		}
		return out
	}
	dy := offsets(h)
	return nn.Shift(x, dy, offsets(w))
}

// cutout zeros a square of half the image's size, centred anywhere in the image (it may stick out of it).
func (a *Augmenter) cutout(x *nn.Tensor, n, h, w int) *nn.Tensor {
	ch, cw := int(float64(h)/2+0.5), int(float64(w)/2+0.5)
	// One draw per image (or tuple) of the square's top-left corner; −1 means no cutout.
	corner := func(size, cut int) []float32 {
		return a.draws(n, func(on bool) float32 {
			if !on {
				return -1 << 20
			}
			return float32(a.rng.IntN(size+(1-cut%2)) - cut/2) // DiffAugment's offsets
		})
	}
	ys := corner(h, ch)
	xs := corner(w, cw)
	mask := make([]float32, n*h*w)
	for i := range n {
		y0, x0 := int(ys[i]), int(xs[i])
		for y := range h {
			row := mask[(i*h+y)*w : (i*h+y+1)*w]
			for xx := range row {
				row[xx] = 1
				if y >= y0 && y < y0+ch && xx >= x0 && xx < x0+cw {
					row[xx] = 0
				}
			}
		}
	}
	return nn.Mul(x, nn.FromData(mask, n, h, w, 1))
}

// Observe records the discriminator's outputs on real images, relative to its decision boundary (positive:
// judged real), for the adaptive strength. It does nothing without a Target.
func (a *Augmenter) Observe(real []float32) {
	if a.Target <= 0 {
		return
	}
	for _, v := range real {
		switch {
		case v > 0:
			a.signSum++
		case v < 0:
			a.signSum--
		}
	}
	a.signN += len(real)
}

// EndStep is called once per training step with the images the discriminator saw as real in it; every
// AdjustEvery steps it moves P (see Target) and returns the r_t it used, with ok set.
func (a *Augmenter) EndStep(images int) (rt float64, ok bool) {
	if a.Target <= 0 {
		return 0, false
	}
	if a.pending++; a.pending < a.AdjustEvery || a.signN == 0 {
		return 0, false
	}
	rt = a.signSum / float64(a.signN)
	delta := float64(images*a.pending) / a.SpeedImages
	if rt < a.Target {
		delta = -delta
	}
	a.P = min(max(a.P+delta, 0), 1)
	a.signSum, a.signN, a.pending = 0, 0, 0
	return rt, true
}

// State is what a checkpoint keeps of an augmenter: its random stream, its strength and the adaptive
// controller's running sums.
func (a *Augmenter) State() ([]byte, error) {
	rng, err := a.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return json.Marshal(state{P: a.P, RNG: rng, SignSum: a.signSum, SignN: a.signN, Pending: a.pending})
}

// SetState restores what State saved.
func (a *Augmenter) SetState(b []byte) error {
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("augmenter state: %w", err)
	}
	if !(s.P >= 0 && s.P <= 1) {
		return fmt.Errorf("augmenter state: p = %g; want a probability in [0, 1]", s.P)
	}
	if err := a.pcg.UnmarshalBinary(s.RNG); err != nil {
		return fmt.Errorf("augmenter state: random stream: %w", err)
	}
	a.P, a.signSum, a.signN, a.pending = s.P, s.SignSum, s.SignN, s.Pending
	return nil
}

type state struct {
	P       float64 `json:"p"`
	RNG     []byte  `json:"rng"` // base64 in JSON
	SignSum float64 `json:"sign_sum"`
	SignN   int     `json:"sign_n"`
	Pending int     `json:"pending"`
}
