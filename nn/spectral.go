package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"sdgan/nn/kernels"
)

// SpectralNorm divides a weight by an estimate of its largest singular value σ (Miyato et al., 2018), so that
// the layer is about 1-Lipschitz. The weight is read as a matrix A of fan-in rows and one column per output
// (a dense layer's [in, out], a convolution's [kh·kw·in, out]); σ = vᵀ·A·u for the singular-vector estimates u
// [out] and v [fan-in], which one step of power iteration refines at every call (as PyTorch's spectral_norm
// does in training). Gradients flow through σ with u and v held constant, as in PyTorch.
type SpectralNorm struct {
	U *Tensor // [out]: the right singular vector estimate, saved in checkpoints
	v []float32
}

// NewSpectralNorm returns the normalisation of a weight whose last axis is its outputs, with U named name+"/sn_u"
// and drawn from rng (a unit vector in a random direction).
func NewSpectralNorm(name string, w *Tensor, rng *rand.Rand) *SpectralNorm {
	out := w.Shape[len(w.Shape)-1]
	s := &SpectralNorm{U: New(out), v: make([]float32, len(w.Data)/out)}
	s.U.Name = name + "/sn_u"
	InitNormal(rng, 1, s.U)
	normalise(s.U.Data)
	return s
}

// Apply runs one power-iteration step on w and returns w/σ. The result is recorded on the tape of like (the
// layer's input) when like has one, so that gradients reach w; without a tape it is a plain tensor.
func (s *SpectralNorm) Apply(w, like *Tensor) *Tensor {
	out := w.Shape[len(w.Shape)-1]
	rows := len(w.Data) / out
	if len(s.U.Data) != out || len(s.v) != rows {
		panic(fmt.Sprintf("nn: spectral norm of a weight %v with a vector of %d", w.Shape, len(s.U.Data)))
	}
	kernels.Sgemm(false, false, rows, 1, out, 1, w.Data, out, s.U.Data, 1, 0, s.v, 1) // v = A·u / |A·u|
	normalise(s.v)
	kernels.Sgemm(true, false, out, 1, rows, 1, w.Data, out, s.v, 1, 0, s.U.Data, 1) // u = Aᵀ·v / |Aᵀ·v|
	normalise(s.U.Data)
	return spectralScale(w, s.U.Data, s.v, like)
}

// spectralScale is w/σ with σ = vᵀ·A·u (A: w as [rows, out]), recorded on like's tape. With u and v constant,
// ∂σ/∂A = v·uᵀ, so the gradient of w is (G − ⟨G, w/σ⟩·v·uᵀ)/σ for the result's gradient G.
func spectralScale(w *Tensor, u, v []float32, like *Tensor) *Tensor {
	out := len(u)
	var sigma float64
	for i, vi := range v {
		var row float64
		for j, a := range w.Data[i*out : (i+1)*out] {
			row += float64(a) * float64(u[j])
		}
		sigma += float64(vi) * row
	}
	if !(sigma > 0) {
		panic(fmt.Sprintf("nn: spectral norm: σ = %g; want a positive estimate (an all-zero weight?)", sigma))
	}
	inv := float32(1 / sigma)
	// The result lives on like's tape (w, a parameter, has none) and depends on w alone.
	var res *Tensor
	record := false
	if tp := tapeOf(like); tp != nil {
		res, record = recordOn(tp.newTensor(w.Shape, false), []*Tensor{w})
	} else {
		res = New(w.Shape...)
	}
	for i, a := range w.Data {
		res.Data[i] = a * inv
	}
	if record {
		u, v := slices.Clone(u), slices.Clone(v) // the next call moves the live vectors before this backward runs
		res.backward = func() {
			var dot float64 // ⟨G, w/σ⟩
			for i, g := range res.Grad {
				dot += float64(g) * float64(res.Data[i])
			}
			gw, d := w.gradBuf(), float32(dot)
			for i, vi := range v {
				row, grow := res.Grad[i*out:(i+1)*out], gw[i*out:(i+1)*out]
				for j, g := range row {
					grow[j] += (g - d*vi*u[j]) * inv
				}
			}
		}
	}
	return res
}

// normalise scales x to unit length (left alone when it is all zeros).
func normalise(x []float32) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Max(math.Sqrt(ss), 1e-12))
	for i := range x {
		x[i] *= inv
	}
}
