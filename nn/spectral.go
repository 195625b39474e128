package nn

import (
	"fmt"
	"math/rand/v2"
)

// SpectralNorm divides a weight by an estimate of its largest singular value σ (Miyato et al., 2018), so that
// the layer is about 1-Lipschitz. The weight is read as a matrix A of fan-in rows and one column per output
// (a dense layer's [in, out], a convolution's [kh·kw·in, out]); σ = vᵀ·A·u for the singular-vector estimates u
// [out] and v [fan-in], which one step of power iteration refines at every call (as PyTorch's spectral_norm
// does in training). Gradients flow through σ with u and v held constant, as in PyTorch.
type SpectralNorm struct {
	U *Tensor // [out]: the right singular vector estimate, saved in checkpoints
	v *Tensor // [fan-in]: the left one, recomputed from U at every call
}

// NewSpectralNorm returns the normalisation of a weight whose last axis is its outputs, with U named name+"/sn_u"
// and drawn from rng (a unit vector in a random direction). U and v live on w's backend.
func NewSpectralNorm(name string, w *Tensor, rng *rand.Rand) *SpectralNorm {
	out := w.Shape[len(w.Shape)-1]
	s := &SpectralNorm{U: newOn(w.dev, []int{out}), v: newOn(w.dev, []int{w.Size() / out})}
	s.U.Name = name + "/sn_u"
	InitNormal(rng, 1, s.U)
	s.U.dev.Normalize(s.U.data)
	return s
}

// Apply runs one power-iteration step on w and returns w/σ. The result is recorded on the tape of like (the
// layer's input) when like has one, so that gradients reach w; without a tape it is a plain tensor.
func (s *SpectralNorm) Apply(w, like *Tensor) *Tensor {
	out := w.Shape[len(w.Shape)-1]
	rows := w.Size() / out
	if s.U.Size() != out || s.v.Size() != rows {
		panic(fmt.Sprintf("nn: spectral norm of a weight %v with a vector of %d", w.Shape, s.U.Size()))
	}
	be := backendOf("spectral norm", w, s.U, s.v)
	be.Gemm(s.v.data, 1, false, false, rows, 1, out, 1, w.data, out, s.U.data, 1, 0) // v = A·u / |A·u|
	be.Normalize(s.v.data)
	be.Gemm(s.U.data, 1, true, false, out, 1, rows, 1, w.data, out, s.v.data, 1, 0) // u = Aᵀ·v / |Aᵀ·v|
	be.Normalize(s.U.data)
	return spectralScale(w, s.U, s.v, like)
}

// spectralScale is w/σ with σ = vᵀ·A·u (A: w as [rows, out]), recorded on like's tape. With u and v constant,
// ∂σ/∂A = v·uᵀ, so the gradient of w is (G − ⟨G, w/σ⟩·v·uᵀ)/σ for the result's gradient G.
func spectralScale(w, u, v, like *Tensor) *Tensor {
	be := backendOf("spectral norm", w, u, v)
	sigma := be.BilinearForm(w.data, u.data, v.data)
	if !(sigma > 0) {
		panic(fmt.Sprintf("nn: spectral norm: σ = %g; want a positive estimate (an all-zero weight?)", sigma))
	}
	inv := float32(1 / sigma)
	// The result lives on like's tape (w, a parameter, has none) and depends on w alone.
	var res *Tensor
	record := false
	if tp := tapeOf(like); tp != nil {
		res, record = recordOn("spectral norm", tp.newTensor(w.Shape, false), []*Tensor{w})
	} else {
		res = newOn(be, w.Shape)
	}
	be.Scale(res.data, w.data, inv)
	if record {
		// the next call moves the live vectors before this backward runs: keep copies
		uc, vc := scratch(res, u.Size(), false), scratch(res, v.Size(), false)
		be.Copy(uc, u.data)
		be.Copy(vc, v.data)
		res.backward = func() { be.SpectralNormGrad(w.gradBuf(), res.grad, res.data, uc, vc, inv) }
		res.vjp = func(g *Tensor, c *gradCtx) {
			if !c.wants(w) {
				return
			}
			// M = v·uᵀ in w's layout is ∂σ/∂w, and σ = Σ w·M: written with ops, σ is a function of w, so the
			// gradient (G − ⟨G, w/σ⟩·M)/σ can be differentiated again.
			out := w.Shape[len(w.Shape)-1]
			m := filled(res, w.Shape, 0)
			be.Gemm(m.data, out, false, false, w.Size()/out, out, 1, 1, vc, 1, uc, out, 0)
			sigma := Sum(Mul(w, m))
			c.add(w, Div(Sub(g, Mul(Sum(Mul(g, res)), m)), sigma))
		}
	}
	return res
}
