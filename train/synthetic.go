package train

import (
	"sdgan/data"
	"sdgan/model"
)

// ReferenceOptions are the options of the PyTorch reference step (../shared/bench/torch_sdgan_step.py) for arch at
// res×res, RGB: 32 tuples of k = 2 (64 images per pass), the paper's losses and nothing since (no mismatched
// tuples, no moving average, no identity triplet loss); SD-BEGAN with its own loss.
func ReferenceOptions(arch string, res int) Options {
	o := Defaults()
	o.Model = model.DefaultConfig(arch, res, 3)
	o.Tuples = 32
	o.Mismatch, o.EMAKimg, o.IDTriplet = false, 0, 0 // sdgan's quality defaults are not in the reference step
	if arch == model.BEGAN {
		o.Loss = LossBEGAN
	}
	return o
}

// Stepper runs training steps without a run folder: no logs, previews or checkpoints. Benchmarks use it to time
// exactly the work of a step.
type Stepper struct{ t *trainer }

// NewStepper builds freshly initialised networks for o (resolved, as Run does) on ds.
func NewStepper(o Options, ds *data.Dataset) (*Stepper, error) {
	o = o.Resolve()
	if o.Model.Channels == 0 {
		o.Model.Channels = ds.Channels
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	t, err := newTrainer(o, ds)
	if err != nil {
		return nil, err
	}
	return &Stepper{t: t}, nil
}

// Step runs one training step (one generator update and its discriminator updates).
func (s *Stepper) Step() error {
	_, err := s.t.trainStep()
	return err
}
