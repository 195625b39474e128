package kernels

import (
	"fmt"
	"math"
)

// The parameter updates of package nn's optimisers and training loop, and
// the fills. Each value is updated on its own, so the two halves that large
// slices are cut into (parallel) cannot change a bit.

// RMSPropStep applies one update of TensorFlow 1's RMSProp without momentum
// to the parameters p from their gradient g (only read, as in AdamStep),
// updating the mean squares ms; for each i, in float32:
//
//	ms[i] = decay·ms[i] + ((1−decay)·g[i])·g[i]
//	p[i] −= (lr·g[i]) / float32(√float64(ms[i] + eps))
//
// p and ms must be as long as g.
func RMSPropStep(p, g, ms []float32, lr, decay, eps float32) {
	if len(p) != len(g) || len(ms) != len(g) {
		panic(fmt.Sprintf("kernels: rmsprop step of %d parameters with %d gradients and %d mean squares", len(p), len(g), len(ms)))
	}
	parallel(len(g), func(_, lo, hi int) {
		p, g, ms := p[lo:hi], g[lo:hi], ms[lo:hi]
		for j, gj := range g {
			ms[j] = float32(decay*ms[j]) + float32((1-decay)*gj*gj)
			p[j] -= lr * gj / float32(math.Sqrt(float64(ms[j]+eps)))
		}
	})
}

// Clamp limits every value of x to [lo, hi]: x[i] = min(max(x[i], lo), hi)
// (NaN stays NaN).
func Clamp(x []float32, lo, hi float32) {
	for i, v := range x {
		x[i] = min(max(v, lo), hi)
	}
}

// MovingAverage moves avg towards cur: avg[i] = cur[i] + beta·(avg[i] −
// cur[i]), which is beta·avg + (1 − beta)·cur. avg must be as long as cur.
func MovingAverage(avg, cur []float32, beta float32) {
	checkSame("moving average", "avg", len(avg), len(cur))
	for i, v := range cur {
		avg[i] = v + float32(beta*(avg[i]-v))
	}
}

// Fill sets every value of x to v.
func Fill(x []float32, v float32) {
	if v == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] = v
	}
}
