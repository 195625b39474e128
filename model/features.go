package model

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"sdgan/nn"
)

// LoadDiscriminator rebuilds the discriminator a training checkpoint holds (under "D/…"), for uses other than
// training, such as its features as a perceptual distance (sdgan project). A checkpoint without one (an imported
// generator, such as the authors' faces model) is an error that says so.
func LoadDiscriminator(c *Checkpoint) (Discriminator, error) {
	if err := c.CheckDiscriminator(); err != nil {
		return nil, err
	}
	d, err := NewDiscriminator(c.Config, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", c.Path, err)
	}
	if err := c.Fill(append(d.Params(), d.Buffers()...)); err != nil {
		return nil, err
	}
	return d, nil
}

// ErrNoImageTower is DiscriminatorFeatures's error for a discriminator that sees a tuple's images only together
// (SD-DCGAN with --non-siamese stacks them on the channel axis): it has no features of one image.
var ErrNoImageTower = errors.New("the discriminator stacks a tuple's images on the channel axis (non-Siamese): it has no per-image features")

// DiscriminatorFeatures returns feature maps of single images x [n, res, res, channels] taken inside d, in
// inference mode (batch-norm running averages), for a perceptual distance: SD-DCGAN's and AC-DCGAN's image tower
// (the activation after each of its convolutions), SD-BEGAN's encoder (the activation after each of its
// convolutions). Gradients flow to x when x is on a tape and needs them; d's parameters should not require
// gradients then.
func DiscriminatorFeatures(d Discriminator, x *nn.Tensor) ([]*nn.Tensor, error) {
	switch d := d.(type) {
	case *dcganDiscriminator:
		if d.k == 0 {
			return nil, ErrNoImageTower
		}
		checkImages("discriminator features", x, d.cfg)
		var feats []*nn.Tensor
		h := x
		lrelu := nn.LeakyReLUAct(0.2)
		for i, l := range d.tower {
			if i == 0 || d.bns == nil {
				h = l.ForwardAct(h, lrelu)
			} else {
				h = d.bns[i-1].ForwardAct(l.Forward(h), false, lrelu)
			}
			feats = append(feats, h)
		}
		return feats, nil
	case *beganDiscriminator:
		checkImages("discriminator features", x, d.cfg)
		var feats []*nn.Tensor
		h := x
		for _, l := range d.enc {
			h = nn.ELU(l.Forward(h))
			feats = append(feats, h)
		}
		return feats, nil
	}
	return nil, fmt.Errorf("discriminator %T: no image features", d)
}

// checkImages panics unless x is a batch of single images of cfg's size.
func checkImages(what string, x *nn.Tensor, cfg Config) {
	r, c := cfg.Res, cfg.Channels
	if len(x.Shape) != 4 || x.Dim(1) != r || x.Dim(2) != r || x.Dim(3) != c {
		panic(fmt.Sprintf("model: %s of input %v; want [n, %d, %d, %d]", what, x.Shape, r, r, c))
	}
}
