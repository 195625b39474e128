package nn

// Dense is a fully connected layer y = x·W + B with W [in, out] and B [out] (nil without bias). With SN set, W is
// spectrally normalised at every call (SpectralNorm).
type Dense struct {
	W, B *Tensor
	SN   *SpectralNorm
}

// NewDense returns a dense layer with parameters named name/weights and name/biases (TensorFlow's names).
func NewDense(name string, in, out int, bias bool) *Dense {
	l := &Dense{W: NewParam(name+"/weights", in, out)}
	if bias {
		l.B = NewParam(name+"/biases", out)
	}
	return l
}

// Forward applies the layer to x [n, in].
func (l *Dense) Forward(x *Tensor) *Tensor { return Linear(x, l.weight(x), l.B) }

// weight is W, or W/σ(W) with spectral normalisation.
func (l *Dense) weight(x *Tensor) *Tensor {
	if l.SN == nil {
		return l.W
	}
	return l.SN.Apply(l.W, x)
}

// Params lists the layer's trainable tensors.
func (l *Dense) Params() []*Tensor { return nonNil(l.W, l.B) }

// Conv is a 2-D convolution layer: W [kh, kw, in, out], optional B [out]. With SN set, W is spectrally normalised
// at every call (SpectralNorm).
type Conv struct {
	W, B   *Tensor
	Stride int
	Pad    Padding
	SN     *SpectralNorm
}

// NewConv returns a k×k convolution layer from in to out channels.
func NewConv(name string, k, in, out, stride int, pad Padding, bias bool) *Conv {
	l := &Conv{W: NewParam(name+"/weights", k, k, in, out), Stride: stride, Pad: pad}
	if bias {
		l.B = NewParam(name+"/biases", out)
	}
	return l
}

// Forward applies the layer to NHWC x.
func (l *Conv) Forward(x *Tensor) *Tensor { return l.ForwardAct(x, Identity) }

// ForwardAct applies the layer and then act to NHWC x, fused (Conv2DAct).
func (l *Conv) ForwardAct(x *Tensor, act Activation) *Tensor {
	w := l.W
	if l.SN != nil {
		w = l.SN.Apply(l.W, x)
	}
	return Conv2DAct(x, w, l.B, l.Stride, l.Pad, act)
}

// Params lists the layer's trainable tensors.
func (l *Conv) Params() []*Tensor { return nonNil(l.W, l.B) }

// ConvTranspose is a transposed 2-D convolution layer: W [kh, kw, out, in], optional B [out]. Its output is
// Up times the input's height and width (Up = Stride with Same padding: TensorFlow's upsampling layers).
type ConvTranspose struct {
	W, B   *Tensor
	Stride int
	Pad    Padding
}

// NewConvTranspose returns a k×k transposed convolution from in to out channels.
func NewConvTranspose(name string, k, in, out, stride int, pad Padding, bias bool) *ConvTranspose {
	l := &ConvTranspose{W: NewParam(name+"/weights", k, k, out, in), Stride: stride, Pad: pad}
	if bias {
		l.B = NewParam(name+"/biases", out)
	}
	return l
}

// Forward applies the layer to NHWC x [n, h, w, in], giving [n, h·Stride, w·Stride, out] (Same padding).
func (l *ConvTranspose) Forward(x *Tensor) *Tensor { return l.ForwardAct(x, Identity) }

// ForwardAct applies the layer and then act, fused (ConvTranspose2DAct).
func (l *ConvTranspose) ForwardAct(x *Tensor, act Activation) *Tensor {
	if l.Pad.Mode != PadSame {
		panic("nn: ConvTranspose.Forward infers the output size only for Same padding; use ConvTranspose2D")
	}
	return ConvTranspose2DAct(x, l.W, l.B, l.Stride, l.Pad, x.Dim(1)*l.Stride, x.Dim(2)*l.Stride, act)
}

// Params lists the layer's trainable tensors.
func (l *ConvTranspose) Params() []*Tensor { return nonNil(l.W, l.B) }

// BN is a batch-normalisation layer over the last axis: scale Gamma, shift Beta and running Stats.
type BN struct {
	Gamma, Beta *Tensor
	Stats       *BNStats
}

// NewBN returns a batch-norm layer over c channels, Gamma 1 and Beta 0 (TensorFlow's names).
func NewBN(name string, c int, momentum, eps float32) *BN {
	l := &BN{Gamma: NewParam(name+"/gamma", c), Beta: NewParam(name+"/beta", c),
		Stats: NewBNStats(name, c, momentum, eps)}
	Fill(1, l.Gamma)
	return l
}

// Forward normalises x with batch statistics (training) or the running averages (inference).
func (l *BN) Forward(x *Tensor, training bool) *Tensor {
	return BatchNorm(x, l.Gamma, l.Beta, l.Stats, training)
}

// ForwardAct is Forward followed by act, fused (BatchNormAct).
func (l *BN) ForwardAct(x *Tensor, training bool, act Activation) *Tensor {
	return BatchNormAct(x, l.Gamma, l.Beta, l.Stats, training, act)
}

// ForwardGroups is ForwardAct on each of groups consecutive blocks of x's first axis separately (BatchNormGroups).
func (l *BN) ForwardGroups(x *Tensor, training bool, act Activation, groups int) *Tensor {
	return BatchNormGroups(x, l.Gamma, l.Beta, l.Stats, training, act, groups)
}

// Params lists the layer's trainable tensors.
func (l *BN) Params() []*Tensor { return []*Tensor{l.Gamma, l.Beta} }

// Buffers lists the layer's non-trainable state (the running averages), to save with the parameters.
func (l *BN) Buffers() []*Tensor { return []*Tensor{l.Stats.Mean, l.Stats.Var} }

func nonNil(ts ...*Tensor) []*Tensor {
	var out []*Tensor
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}
