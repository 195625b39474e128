package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// tinyNet is a small convolutional classifier: conv 3×3/2 → BN → LeakyReLU → conv 3×3/2 → ReLU → dense → logit.
type tinyNet struct {
	c1 *Conv
	bn *BN
	c2 *Conv
	d  *Dense
}

func newTinyNet(rng *rand.Rand) *tinyNet {
	n := &tinyNet{
		c1: NewConv("c1", 3, 1, 4, 2, Same, true),
		bn: NewBN("bn", 4, 0.9, 1e-3),
		c2: NewConv("c2", 3, 4, 5, 2, Same, false),
		d:  NewDense("d", 2*2*5, 1, true),
	}
	InitNormal(rng, 0.3, n.c1.W, n.c2.W, n.d.W)
	return n
}

func (n *tinyNet) params() []*Tensor {
	return slices.Concat(n.c1.Params(), n.bn.Params(), n.c2.Params(), n.d.Params())
}

func (n *tinyNet) forward(x *Tensor, training bool) *Tensor {
	h := LeakyReLU(n.bn.Forward(n.c1.Forward(x), training), 0.2)
	h = ReLU(n.c2.Forward(h))
	return n.d.Forward(Reshape(h, x.Dim(0), -1))
}

// blobBatch makes 7×7 grey images with a bright 2×2 blob on the left (label 0) or right (label 1) half, on noise.
func blobBatch(rng *rand.Rand, n int) (x, y []float32) {
	x, y = make([]float32, n*7*7), make([]float32, n)
	for b := range n {
		for i := range 49 {
			x[b*49+i] = float32(rng.Float64()*0.6 - 0.3)
		}
		right := rng.IntN(2)
		y[b] = float32(right)
		r, c := rng.IntN(6), rng.IntN(2)+right*4
		for dy := range 2 {
			for dx := range 2 {
				x[b*49+(r+dy)*7+c+dx] = 1
			}
		}
	}
	return x, y
}

// trainTiny trains the tiny net for steps Adam updates and returns its parameters and the final mean loss.
func trainTiny(seed uint64, steps int) ([]*Tensor, float64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	net := newTinyNet(rng)
	opt := NewAdam(net.params(), 0.02, 0.9, 0.999, 1e-8)
	tp := NewTape()
	var recent float64
	for s := range steps {
		xs, ys := blobBatch(rng, 16)
		logits := net.forward(tp.Input(xs, 16, 7, 7, 1), true)
		loss := SigmoidBCE(logits, tp.Input(ys, 16, 1))
		tp.Backward(loss)
		opt.Step()
		if s >= steps-20 {
			recent += float64(loss.Item()) / 20
		}
		tp.Reset()
	}
	return net.params(), recent
}

func TestTinyConvNetLearnsAndIsDeterministic(t *testing.T) {
	const steps, threshold = 300, 0.05
	p1, loss := trainTiny(42, steps)
	t.Logf("mean loss over the last 20 of %d steps: %.4f (chance is %.3f)", steps, loss, math.Ln2)
	if !(loss < threshold) {
		t.Fatalf("loss %.4f after %d steps; want below %g", loss, steps, threshold)
	}
	p2, _ := trainTiny(42, steps)
	for i := range p1 {
		if !slices.Equal(p1[i].CPUData(), p2[i].CPUData()) {
			t.Fatalf("parameter %s differs between two runs with one seed", p1[i].Name)
		}
	}
	p3, _ := trainTiny(43, steps)
	if slices.Equal(p1[0].CPUData(), p3[0].CPUData()) {
		t.Fatal("another seed gave the same parameters: the seed is not used")
	}
}

func TestAdamAndRMSPropMatchHandComputedSteps(t *testing.T) {
	p := NewParam("p", 2)
	copy(p.CPUData(), []float32{1, -2})
	adam := NewAdam([]*Tensor{p}, 0.1, 0.5, 0.9, 1e-8)
	setGrad(p, []float32{0.5, -4})
	adam.Step() // t=1: m̂ = g, v̂ = g², update = lr·g/|g| = ±lr
	setGrad(p, []float32{0.5, 1})
	adam.Step() // t=2
	// by hand: m = [0.375, -0.5], v = [0.0475, 1.54]; m̂ = m/0.75, v̂ = v/0.19
	want := []float64{1 - 0.1 - 0.1*(0.375/0.75)/math.Sqrt(0.0475/0.19), -2 + 0.1 - 0.1*(-0.5/0.75)/math.Sqrt(1.54/0.19)}
	for i, w := range want {
		if math.Abs(float64(p.CPUData()[i])-w) > 1e-6 {
			t.Errorf("adam p[%d] = %.7f, want %.7f", i, p.CPUData()[i], w)
		}
	}
	if p.HasGrad() {
		t.Error("Adam's Step kept the gradient: the next backward pass would add to it")
	}

	q := NewParam("q", 1)
	q.CPUData()[0] = 1
	rms := NewRMSProp([]*Tensor{q}, 0.01, 0.9, 1e-10)
	setGrad(q, []float32{3})
	rms.Step() // ms = 0.9·1 + 0.1·9 = 1.8
	if q.HasGrad() {
		t.Error("RMSProp's Step kept the gradient")
	}
	if w := 1 - 0.01*3/math.Sqrt(1.8); math.Abs(float64(q.CPUData()[0])-w) > 1e-6 {
		t.Errorf("rmsprop q = %.7f, want %.7f", q.CPUData()[0], w)
	}
	ClipWeights(0.5, q, p)
	if q.CPUData()[0] != 0.5 || p.CPUData()[1] < -0.5 {
		t.Errorf("clip to ±0.5 gave %v and %v", q.CPUData(), p.CPUData())
	}
}
