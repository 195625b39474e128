package train

import (
	"math"
	"math/rand/v2"

	"sdgan/model"
	"sdgan/nn"
)

// ema is the exponential moving average of the generator's weights that previews, checkpoints (as "G_ema/…")
// and, through them, generate, serve and eval use (StyleGAN2-ADA's G_ema). Its half-life is counted in images:
// after every generator update, ema ← β·ema + (1 − β)·G with β = ½^(batch images / half-life), the half-life
// being min(EMAKimg·1000, RampUp·images seen so far) so that the early average does not drag the random
// initialisation along. Batch-norm running averages are averaged the same way.
type ema struct {
	g        model.Generator
	avg, cur []*nn.Tensor // the average's tensors and the trained generator's, in one order
	halfLife float64      // images
	rampUp   float64      // 0: none
}

// newEMA builds the average of g, starting equal to it; it is built from cfg like g and renamed "G_ema/…".
func newEMA(cfg model.Config, g model.Generator, kimg, rampUp float64) (*ema, error) {
	avg, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(0, 0))) // overwritten below
	if err != nil {
		return nil, err
	}
	model.RenameEMA(avg)
	e := &ema{g: avg, halfLife: kimg * 1000, rampUp: rampUp}
	src, dst := append(g.Params(), g.Buffers()...), append(avg.Params(), avg.Buffers()...)
	for i := range src {
		dst[i].CopyFrom(src[i])
	}
	e.avg, e.cur = dst, src
	return e, nil
}

// beta is the decay for a step of batch images, imagesSeen images into training (this step's included).
func (e *ema) beta(batch, imagesSeen float64) float64 {
	hl := e.halfLife
	if e.rampUp > 0 {
		hl = min(hl, imagesSeen*e.rampUp)
	}
	return math.Pow(0.5, batch/max(hl, 1e-8))
}

// update moves the average towards the trained generator after one update of batch images.
func (e *ema) update(batch, imagesSeen float64) {
	nn.MovingAverage(e.avg, e.cur, float32(e.beta(batch, imagesSeen))) // avg = cur + β·(avg − cur)
}

// tensors lists the average's tensors, for checkpoints.
func (e *ema) tensors() []*nn.Tensor { return append(e.g.Params(), e.g.Buffers()...) }
