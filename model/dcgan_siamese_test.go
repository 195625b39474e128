package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"sdgan/nn"
)

// perPositionForward is the Siamese discriminator as the authors wrote it: one tower call per tuple position
// (Split), each with its own batch-norm statistics, then Concat on the channel axis. The reference for Forward's
// single grouped call.
func perPositionForward(d *dcganDiscriminator, x *nn.Tensor, training bool) *nn.Tensor {
	k, r, c := d.cfg.K, d.cfg.Res, d.cfg.Channels
	n := x.Dim(0) / k
	byPos := nn.Transpose(nn.Reshape(x, n, k, r*r*c), 1, 0, 2)
	sizes := make([]int, k)
	for j := range sizes {
		sizes[j] = 1
	}
	lrelu := func(h *nn.Tensor) *nn.Tensor { return nn.LeakyReLU(h, 0.2) }
	feats := make([]*nn.Tensor, k)
	for j, xj := range nn.Split(byPos, 0, sizes...) {
		h := nn.Reshape(xj, n, r, r, c)
		for i, l := range d.tower {
			h = l.Forward(h)
			if i > 0 {
				h = d.bns[i-1].Forward(h, training)
			}
			h = lrelu(h)
		}
		feats[j] = h
	}
	h := lrelu(d.mbn.Forward(d.merge.Forward(nn.Concat(3, feats...)), training))
	return d.out.Forward(nn.Reshape(h, n, -1))
}

// The grouped tower computes what the per-position calls compute: logits, gradients with respect to the images
// and to every parameter, and the running averages, for k = 2 and an odd k = 3 and both resolutions.
func TestSiameseGroupedTowerMatchesPerPositionCalls(t *testing.T) {
	for _, tc := range []struct{ res, k, tuples int }{{32, 2, 3}, {32, 3, 5}, {64, 2, 2}} {
		cfg := DefaultConfig(DCGAN, tc.res, 3)
		cfg.K = tc.k
		x0 := nn.New(tc.tuples*tc.k, tc.res, tc.res, 3)
		nn.InitUniform(rand.New(rand.NewPCG(5, uint64(tc.k))), -1, 1, x0)
		type outcome struct {
			logits, dx []float32
			grads      [][]float32
			buffers    [][]float32
		}
		run := func(forward func(d *dcganDiscriminator, x *nn.Tensor) *nn.Tensor) outcome {
			dd, err := NewDiscriminator(cfg, rand.New(rand.NewPCG(7, 7)))
			if err != nil {
				t.Fatal(err)
			}
			d := dd.(*dcganDiscriminator)
			tp := nn.NewTape()
			x := tp.Input(x0.CPUData(), x0.Shape...)
			x.SetRequiresGrad(true)
			y := forward(d, x)
			o := outcome{logits: append([]float32(nil), y.CPUData()...)}
			tp.Backward(nn.Sum(nn.Mul(y, y)))
			o.dx = append([]float32(nil), x.GradToHost()...)
			for _, p := range d.Params() {
				o.grads = append(o.grads, append([]float32(nil), p.GradToHost()...))
			}
			for _, b := range d.Buffers() {
				o.buffers = append(o.buffers, append([]float32(nil), b.CPUData()...))
			}
			return o
		}
		got := run(func(d *dcganDiscriminator, x *nn.Tensor) *nn.Tensor { return d.Forward(x, true) })
		want := run(func(d *dcganDiscriminator, x *nn.Tensor) *nn.Tensor { return perPositionForward(d, x, true) })
		close := func(what string, a, b []float32) {
			t.Helper()
			var scale float64
			for _, v := range b {
				scale = max(scale, math.Abs(float64(v)))
			}
			for i := range b {
				if d := math.Abs(float64(a[i] - b[i])); d > 1e-4*scale+1e-6 {
					t.Fatalf("res %d k %d: %s[%d] = %g, per-position calls %g", tc.res, tc.k, what, i, a[i], b[i])
				}
			}
		}
		close("logits", got.logits, want.logits)
		close("image gradient", got.dx, want.dx)
		for i := range want.grads {
			close("parameter gradient", got.grads[i], want.grads[i])
		}
		for i := range want.buffers {
			close("running average", got.buffers[i], want.buffers[i])
		}
	}
}
