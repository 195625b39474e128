package project

import (
	"fmt"
	"strconv"
	"strings"

	"sdgan/model"
	"sdgan/nn"
	"sdgan/verify"
)

// Feature sources a loss spec can name.
const (
	FeaturesD        = "d"        // the model's discriminator (a training checkpoint holds it)
	FeaturesVerifier = "verifier" // an identity verifier (sdgan verifier train)
)

// TermPair names the identity term: the model's Siamese discriminator judges tuples that pair the images with new
// views of the projected identity (see Loss.Pair).
const TermPair = "pair"

// TermSpread names the term that keeps the identity term's new views apart (see Loss.SpreadWeight): the pair term
// alone is satisfied by new views that all copy one of the images.
const TermSpread = "spread"

// DefaultLoss is the loss spec the commands use unless told otherwise; the README (projection, "The loss") says
// how it was chosen.
const DefaultLoss = "l2"

// Spec is a parsed loss spec: at most one pixel term and at most one feature term, each with its weight.
type Spec struct {
	Text          string  // as given
	Pixel         string  // PixelL1, PixelL2 or ""
	PixelWeight   float64 //
	Features      string  // FeaturesD, FeaturesVerifier or ""
	FeatureWeight float64 //
	PairWeight    float64 // the weight of the identity term (TermPair); 0 = none
	SpreadWeight  float64 // the weight of TermSpread, which needs the pair term's views; 0 = none
}

// NeedsDiscriminator reports whether the spec uses the model's discriminator, which only a training checkpoint
// holds.
func (s Spec) NeedsDiscriminator() bool { return s.Features == FeaturesD || s.PairWeight > 0 }

// ParseLoss reads a loss spec: terms joined by "+", each a name with an optional weight written "w*name":
// l1 or l2 (pixel distances), d (the discriminator's features), verifier (the verifier's features), pair (the
// discriminator's judgement that new views of the projected identity show the images' identity),
// spread (keeps pair's new views of the identity as varied as a random identity's). Examples: "l2", "verifier",
// "l2+0.1*d", "l2+0.05*pair", "l2+0.1*pair+spread". Errors say what is expected.
func ParseLoss(text string) (Spec, error) {
	s := Spec{Text: text}
	if strings.TrimSpace(text) == "" {
		return s, fmt.Errorf("loss %q: empty; want terms such as l2, l1, d, verifier, pair or l2+0.1*verifier", text)
	}
	for _, term := range strings.Split(text, "+") {
		term = strings.TrimSpace(term)
		w, name := 1.0, term
		if ws, n, ok := strings.Cut(term, "*"); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(ws), 64)
			if err != nil || !(v > 0 && v <= 1e6) {
				return s, fmt.Errorf("loss %q: weight %q of %q: want a number above 0 and at most 1e6", text, ws, term)
			}
			w, name = v, strings.TrimSpace(n)
		}
		switch name {
		case PixelL1, PixelL2:
			if s.Pixel != "" {
				return s, fmt.Errorf("loss %q: two pixel terms (%s and %s); want at most one of l1, l2", text, s.Pixel, name)
			}
			s.Pixel, s.PixelWeight = name, w
		case FeaturesD, FeaturesVerifier:
			if s.Features != "" {
				return s, fmt.Errorf("loss %q: two feature terms (%s and %s); want at most one of d, verifier", text, s.Features, name)
			}
			s.Features, s.FeatureWeight = name, w
		case TermPair:
			if s.PairWeight != 0 {
				return s, fmt.Errorf("loss %q: pair twice", text)
			}
			s.PairWeight = w
		case TermSpread:
			if s.SpreadWeight != 0 {
				return s, fmt.Errorf("loss %q: spread twice", text)
			}
			s.SpreadWeight = w
		default:
			return s, fmt.Errorf("loss %q: unknown term %q; want l1, l2 (pixels), d (the discriminator's features), verifier (the verifier's features), pair (the discriminator's identity judgement) or spread (with pair: new views kept varied), joined by +, each with an optional weight w*", text, name)
		}
	}
	if s.SpreadWeight != 0 && s.PairWeight == 0 {
		return s, fmt.Errorf("loss %q: spread keeps the pair term's new views apart; use it with pair, e.g. l2+0.1*pair+spread", text)
	}
	return s, nil
}

// Build turns the spec into a Loss, with d the model's discriminator (needed for "d" and "pair") and v a verifier
// (needed for "verifier"); either may be nil when the spec does not use it. The networks' parameters are frozen (they
// stop requiring gradients). cfg is the generator's: a verifier must take its images.
func (s Spec) Build(cfg model.Config, d model.Discriminator, v *verify.Verifier) (Loss, error) {
	l := Loss{Name: s.Text, Pixel: s.Pixel, PixelWeight: s.PixelWeight, FeatureWeight: s.FeatureWeight, PairWeight: s.PairWeight, SpreadWeight: s.SpreadWeight}
	if s.PairWeight > 0 {
		switch {
		case d == nil:
			return l, fmt.Errorf("loss %s: the pair term needs the discriminator, which a training checkpoint holds", s.Text)
		case cfg.Arch != model.DCGAN:
			return l, fmt.Errorf("loss %s: the pair term needs the SD-DCGAN discriminator, which judges tuples of one identity; --arch %s has none", s.Text, cfg.Arch)
		}
		freeze(d.Params())
		l.Pair = func(tuples *nn.Tensor) *nn.Tensor { return d.Forward(tuples, false) }
	}
	switch s.Features {
	case FeaturesD:
		if d == nil {
			return l, fmt.Errorf("loss %s: the discriminator's features need a training checkpoint, which holds the discriminator", s.Text)
		}
		freeze(d.Params())
		l.Features = func(x *nn.Tensor) ([]*nn.Tensor, error) { return model.DiscriminatorFeatures(d, x) }
	case FeaturesVerifier:
		if v == nil {
			return l, fmt.Errorf("loss %s: the verifier's features need a verifier (--verifier)", s.Text)
		}
		if err := CheckVerifier(v, cfg); err != nil {
			return l, err
		}
		freeze(v.Net.Params())
		l.Features = func(x *nn.Tensor) ([]*nn.Tensor, error) { return v.Net.Features(x), nil }
	}
	return l, nil
}

// CheckVerifier reports whether v takes the images of a generator of cfg (resolution and channels).
func CheckVerifier(v *verify.Verifier, cfg model.Config) error {
	vc := v.Net.Config()
	if vc.Res != cfg.Res || vc.Channels != cfg.Channels {
		return fmt.Errorf("the verifier takes %d×%d×%d images but the model makes %d×%d×%d (a channel or size mismatch): use a verifier trained with --res %d --channels %d",
			vc.Res, vc.Res, vc.Channels, cfg.Res, cfg.Res, cfg.Channels, cfg.Res, cfg.Channels)
	}
	return nil
}

// freeze stops ts from requiring gradients. It writes only to those that still do, so that projections running
// at once on a network frozen before (as sdgan serve freezes its generator when it loads it) only read it.
func freeze(ts []*nn.Tensor) {
	for _, t := range ts {
		if t.RequiresGrad() {
			t.SetRequiresGrad(false)
		}
	}
}
