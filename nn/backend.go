package nn

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"sdgan/nn/kernels"
)

// Buffer is a backend's handle on memory that holds Len() float32 values on its device: the storage of a tensor
// or of its gradient. Only the backend that made it reads or writes its contents; everyone else copies them to
// and from the host through that backend (Backend.CopyToHost, Backend.CopyFromHost). Implementations are pointer
// types, so that a Buffer can be compared and used as a map key.
type Buffer interface {
	Len() int
}

// Backend is where tensors live and how ops compute: it owns the memory of tensors (Alloc, Free, the copies
// to and from the host) and provides every kernel the ops need. Ops call the backend of their inputs, never the
// kernels directly, so that a new device (a GPU) is one new implementation of this interface. The CPU backend
// (CPU) is package kernels behind it; docs/backend.md says what a new backend must provide.
//
// Conventions, as in package kernels: the destination comes first; buffers passed as inputs are only read;
// "add" (or accumulate) means the result is added to the destination instead of overwriting it; a nil optional
// destination means that result is not wanted. Sizes are the callers' (package nn's) responsibility: a backend
// may panic on inconsistent sizes, as the CPU one does. Results must be deterministic (the same bits for the
// same inputs on one machine); the CPU backend's results define them. A backend is safe for concurrent use by
// ops on different tensors.
type Backend interface {
	// Name is the device's name, as --device takes it: "cpu".
	Name() string

	// Alloc returns a buffer of n values, zeroed when zero is set (otherwise its contents are arbitrary). It may
	// hand out memory that Free gave back. A buffer never given to Free is reclaimed when it becomes unreachable.
	Alloc(n int, zero bool) Buffer
	// Free gives b back for reuse; nobody may use b afterwards.
	Free(b Buffer)
	// CopyFromHost sets dst to src (as many values).
	CopyFromHost(dst Buffer, src []float32)
	// CopyToHost copies src into dst (as many values).
	CopyToHost(dst []float32, src Buffer)
	// Copy sets dst to src (as many values).
	Copy(dst, src Buffer)
	// Fill sets every value of dst to v.
	Fill(dst Buffer, v float32)

	// Gemm computes c = alpha·op(a)·op(b) + beta·c for op(a) m×k and op(b) k×n, row-major with leading
	// dimensions; transA: a is stored k×m; transB: b is stored n×k; beta 0 overwrites c (kernels.Sgemm).
	Gemm(c Buffer, ldc int, transA, transB bool, m, n, k int, alpha float32, a Buffer, lda int, b Buffer, ldb int,
		beta float32)
	// Conv2D sets (or adds to) y [N,OH,OW,F] the convolution of x [N,H,W,C] by w [KH,KW,C,F] (kernels.Conv2D).
	Conv2D(y, x, w Buffer, p ConvParams, add bool)
	// Conv2DBackwardData sets (or adds to) dx [N,H,W,C] the gradient of Conv2D's input from dy; it is also the
	// transposed convolution (kernels.Conv2DBackwardData).
	Conv2DBackwardData(dx, dy, w Buffer, p ConvParams, add bool)
	// Conv2DBackwardFilter sets (or adds to) dw [KH,KW,C,F] the gradient of Conv2D's filter from x and dy
	// (kernels.Conv2DBackwardFilter).
	Conv2DBackwardFilter(dw, x, dy Buffer, p ConvParams, add bool)

	// Activate sets y = act(x) elementwise; y may be x (kernels.Activate).
	Activate(y, x Buffer, act Activation)
	// ActivationGrad sets (or adds to) dx dy·act′ at the activation's output y; dx may be dy when add is false
	// (kernels.ActivationGrad).
	ActivationGrad(dx, dy, y Buffer, act Activation, add bool)
	// BiasAct sets y = act(y + b) in place, b added to every row of b.Len() values (kernels.BiasAct).
	BiasAct(y, b Buffer, act Activation)
	// BiasGrad adds to db the column sums of dy, rows of db.Len() values (kernels.BiasGrad).
	BiasGrad(db, dy Buffer)

	// Unary sets y = op(x) elementwise, alpha being OpLeaky's slope (kernels.Unary).
	Unary(op UnaryOp, y, x Buffer, alpha float32)
	// UnaryGrad adds to dx dy·op′ at (x, y) (kernels.UnaryGrad).
	UnaryGrad(op UnaryOp, dx, dy, x, y Buffer, alpha float32)
	// Binary sets y = a op b with NumPy broadcasting, the buffers having the shapes ys, as and bs
	// (kernels.Binary).
	Binary(op BinaryOp, y, a, b Buffer, ys, as, bs []int)
	// BinaryGrad adds to da and db (either may be nil) the gradients of Binary's inputs from dy; da and db may
	// be one buffer (kernels.BinaryGrad).
	BinaryGrad(op BinaryOp, da, db, dy, a, b Buffer, ys, as, bs []int)
	// Scale sets y = c·x (kernels.Scale).
	Scale(y, x Buffer, c float32)
	// Axpy adds alpha·x to y (kernels.Axpy).
	Axpy(y Buffer, alpha float32, x Buffer)
	// DivScalar sets y = a·(1/b) for b of one value (kernels.DivScalar).
	DivScalar(y, a, b Buffer)
	// DivScalarGrad adds to da and db (either may be nil) the gradients of DivScalar's inputs from dy
	// (kernels.DivScalarGrad).
	DivScalarGrad(da, db, dy, a, b Buffer)

	// SumAxes sets y (shape keep) to scale times the sums of x (shape xs) over the axes where keep is 1 and xs
	// is not, in float64 (kernels.SumAxes).
	SumAxes(y, x Buffer, xs, keep []int, scale float64)
	// SumAxesGrad adds to dx (shape xs) scale times dy (shape keep) broadcast (kernels.SumAxesGrad).
	SumAxesGrad(dx, dy Buffer, xs, keep []int, scale float32)
	// Copy2D copies (or adds) rows×cols values from src at srcOff, srcLd values apart, to dst at dstOff,
	// dstLd values apart (kernels.Copy2D): concat and split.
	Copy2D(dst Buffer, dstOff, dstLd int, src Buffer, srcOff, srcLd, rows, cols int, add bool)
	// Transpose sets (or adds to) y the permutation by perm of the axes of x, of shape xs (kernels.Transpose).
	Transpose(y, x Buffer, xs, perm []int, add bool)
	// Upsample2x sets y [n,2h,2w,c] to x [n,h,w,c] repeated 2×2 (kernels.Upsample2x).
	Upsample2x(y, x Buffer, n, h, w, c int)
	// Upsample2xGrad adds to dx [n,h,w,c] the gradient of Upsample2x's input from dy (kernels.Upsample2xGrad).
	Upsample2xGrad(dx, dy Buffer, n, h, w, c int)
	// Shift adds to dst, image by image, src [n,h,w,c] translated by sign·(dy[i], dx[i]) pixels
	// (kernels.Shift).
	Shift(dst, src Buffer, n, h, w, c int, dy, dx []int, sign int)

	// BatchNorm normalises x and applies act, writing y, the per-group means and inverse deviations (for
	// BatchNormGrad) and, in training mode, updating the running averages (kernels.BatchNorm).
	BatchNorm(y, mean, invStd, runMean, runVar, x, gamma, beta Buffer, p BatchNormParams, act Activation)
	// BatchNormGrad computes the gradients of BatchNorm's inputs from the gradient dz of its pre-activation
	// output; dx, dgamma, dbeta may be nil, dx may be dz when add is false (kernels.BatchNormGrad).
	BatchNormGrad(dx, dgamma, dbeta, dz, x, gamma, mean, invStd Buffer, p BatchNormParams, add bool)

	// SigmoidBCE sets loss (one value) to the mean sigmoid cross-entropy of logits against targets
	// (kernels.SigmoidBCE).
	SigmoidBCE(loss, logits, targets Buffer)
	// SigmoidBCEGrad adds to dlogits the gradient of SigmoidBCE from dloss (one value)
	// (kernels.SigmoidBCEGrad).
	SigmoidBCEGrad(dlogits, dloss, logits, targets Buffer)
	// PairLoss sets loss (one value) to the mean f(a − b) (kernels.PairLoss).
	PairLoss(op LossOp, loss, a, b Buffer)
	// PairLossGrad adds to da and subtracts from db (either may be nil) the gradient of PairLoss from dloss
	// (kernels.PairLossGrad).
	PairLossGrad(op LossOp, da, db, dloss, a, b Buffer)

	// AdamStep applies one Adam update to p from g, updating the moments m and v; g is only read
	// (kernels.AdamStep).
	AdamStep(p, g, m, v Buffer, c AdamCoeffs)
	// RMSPropStep applies one RMSProp update to p from g, updating the mean squares ms; g is only read
	// (kernels.RMSPropStep).
	RMSPropStep(p, g, ms Buffer, lr, decay, eps float32)
	// Clamp limits every value of x to [lo, hi] (kernels.Clamp).
	Clamp(x Buffer, lo, hi float32)
	// MovingAverage sets avg = cur + beta·(avg − cur) (kernels.MovingAverage).
	MovingAverage(avg, cur Buffer, beta float32)

	// Normalize scales x to unit length (kernels.Normalize).
	Normalize(x Buffer)
	// BilinearForm returns vᵀ·w·u for w read as v.Len()×u.Len(), in float64, to the host: spectral
	// normalisation's σ (kernels.BilinearForm).
	BilinearForm(w, u, v Buffer) float64
	// SpectralNormGrad adds to dw the gradient of w from dy for y = w·inv, inv = 1/σ, u and v held constant
	// (kernels.SpectralNormGrad).
	SpectralNormGrad(dw, dy, y, u, v Buffer, inv float32)
}

// The parameter types of the kernels, shared by every backend.
type (
	// ConvParams describes a convolution (kernels.ConvParams).
	ConvParams = kernels.ConvParams
	// AdamCoeffs are the scalars of one Adam update (kernels.AdamCoeffs).
	AdamCoeffs = kernels.AdamCoeffs
	// BatchNormParams describes a batch norm (kernels.BatchNormParams).
	BatchNormParams = kernels.BatchNormParams
	// UnaryOp names an elementwise unary op (kernels.UnaryOp).
	UnaryOp = kernels.UnaryOp
	// BinaryOp names an elementwise binary op (kernels.BinaryOp).
	BinaryOp = kernels.BinaryOp
	// LossOp names a loss between two tensors (kernels.LossOp).
	LossOp = kernels.LossOp
)

var (
	defaultMu      sync.RWMutex
	defaultBackend Backend = CPU()
)

// DefaultBackend returns the backend on which New, NewParam, FromData, Scalar and NewTape put their tensors:
// the CPU unless SetDefaultBackend or UseDevice changed it. An op's result lives on its inputs' backend.
func DefaultBackend() Backend {
	defaultMu.RLock()
	defer defaultMu.RUnlock()
	return defaultBackend
}

// SetDefaultBackend makes b the default backend and returns the previous one. Set it before making a model's
// tensors: ops refuse inputs on different backends.
func SetDefaultBackend(b Backend) (previous Backend) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	previous, defaultBackend = defaultBackend, b
	return previous
}

// devices are the backends UseDevice can open, by name.
var devices = map[string]func() (Backend, error){"cpu": func() (Backend, error) { return CPU(), nil }}

// plannedDevices are devices that have no backend yet, for the message of an unknown one.
const plannedDevices = "cuda (a CUDA backend: planned, not yet written)"

// RegisterDevice makes the backend that open returns available to UseDevice (and so to --device) under name;
// a backend package calls it from its init function. It panics if name is taken.
func RegisterDevice(name string, open func() (Backend, error)) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if _, ok := devices[name]; ok {
		panic(fmt.Sprintf("nn: device %q registered twice", name))
	}
	devices[name] = open
}

// Devices lists the device names UseDevice accepts in this build, sorted.
func Devices() []string {
	defaultMu.RLock()
	defer defaultMu.RUnlock()
	var names []string
	for name := range devices {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// UseDevice opens the backend of the named device and makes it the default (SetDefaultBackend). An unknown name
// gives an error that lists the devices of this build and the planned ones.
func UseDevice(name string) error {
	defaultMu.RLock()
	open, ok := devices[name]
	defaultMu.RUnlock()
	if !ok {
		return fmt.Errorf("unknown device %q: this build has %s; to come: %s", name, strings.Join(Devices(), ", "),
			plannedDevices)
	}
	b, err := open()
	if err != nil {
		return fmt.Errorf("device %s: %w", name, err)
	}
	SetDefaultBackend(b)
	return nil
}
