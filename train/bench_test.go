package train

import (
	"testing"

	"sdgan/data"
	"sdgan/model"
)

// benchStep times one training step with the reference PyTorch step's shapes: 32 tuples of k = 2 (64 images per
// pass), RGB, at the given resolution.
func benchStep(b *testing.B, arch string, res int) {
	o := Defaults()
	o.Model = model.DefaultConfig(arch, res, 3)
	o.Tuples = 32
	if arch == model.BEGAN {
		o.Loss = LossBEGAN
	}
	s, err := NewStepper(o, data.Random(res, 3, 8, 4, 1))
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Step(); err != nil { // warm the tape's buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTrainStepDCGAN64(b *testing.B) { benchStep(b, model.DCGAN, 64) }
func BenchmarkTrainStepDCGAN32(b *testing.B) { benchStep(b, model.DCGAN, 32) }
