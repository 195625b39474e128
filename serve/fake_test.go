package serve

import (
	"errors"
	"math"
	"sync/atomic"
	"time"
)

// fakeModel is a deterministic stand-in for a generator: an image's colour comes from z_I and a stripe
// pattern (angle, frequency, phase) from z_O, so rows (identities) and columns (observations) differ visibly
// and a changed row shows in a pixel comparison.
type fakeModel struct {
	info  Info
	delay time.Duration // sleep per call
	block chan struct{} // when non-nil, each call waits until it is closed
	fail  string        // "", "error", "panic", "short" (one value missing), "count" (one image missing)

	calls      atomic.Int64
	running    atomic.Int64
	maxRunning atomic.Int64
}

// newFakeModel returns a fake with an awkward size: 13×13 RGB, d_I = 5, d_O = 7.
func newFakeModel() *fakeModel {
	return &fakeModel{info: Info{Arch: "fake-stripes", Res: 13, Channels: 3, K: 2, DI: 5, DO: 7, Step: 12345,
		Facts: map[string]string{"dataset": "synthetic stripes", "note": "test model"}}}
}

func (f *fakeModel) Info() Info { return f.info }

func (f *fakeModel) Generate(zi, zo [][]float32) ([][]float32, error) {
	f.calls.Add(1)
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		m := f.maxRunning.Load()
		if n <= m || f.maxRunning.CompareAndSwap(m, n) {
			break
		}
	}
	if f.block != nil {
		<-f.block
	}
	time.Sleep(f.delay)
	switch f.fail {
	case "error":
		return nil, errors.New("fake failure")
	case "panic":
		panic("fake panic")
	}
	if len(zi) != len(zo) {
		return nil, errors.New("fake: zi and zo differ in length")
	}
	out := make([][]float32, len(zi))
	for i := range zi {
		out[i] = fakeImage(f.info, zi[i], zo[i])
	}
	switch f.fail {
	case "short":
		out[0] = out[0][:len(out[0])-1]
	case "count":
		out = out[:len(out)-1]
	}
	return out, nil
}

// fakeImage renders one image: channel c has brightness zi[c mod d_I], modulated by stripes from z_O.
func fakeImage(info Info, zi, zo []float32) []float32 {
	res, ch := info.Res, info.Channels
	angle := math.Pi * float64(zo[0])
	freq := 1.5 + 1.5*(float64(zo[1%len(zo)])+1)
	phase := math.Pi * float64(zo[2%len(zo)])
	img := make([]float32, res*res*ch)
	for y := 0; y < res; y++ {
		for x := 0; x < res; x++ {
			t := (float64(x)*math.Cos(angle) + float64(y)*math.Sin(angle)) / float64(res)
			s := math.Sin(2*math.Pi*freq*t + phase)
			for c := 0; c < ch; c++ {
				img[(y*res+x)*ch+c] = float32(0.6*float64(zi[c%len(zi)]) + 0.4*s)
			}
		}
	}
	return img
}
