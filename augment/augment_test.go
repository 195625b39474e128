package augment

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"sdgan/nn"
)

func randImages(seed uint64, shape ...int) *nn.Tensor {
	rng := rand.New(rand.NewPCG(seed, seed))
	t := nn.New(shape...)
	for i := range t.CPUData() {
		t.CPUData()[i] = float32(2*rng.Float64() - 1)
	}
	return t
}

func TestParsePolicy(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"", "none", false},
		{"none", "none", false},
		{"translation,cutout,color", "translation,cutout,color", false},
		{"colour, translation", "translation,color", false},
		{"cutout", "cutout", false},
		{"flip", "", true},
		{"translation,", "", true},
	} {
		p, err := ParsePolicy(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("ParsePolicy(%q): error %v, want error %v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && p.String() != tc.want {
			t.Errorf("ParsePolicy(%q) = %s, want %s", tc.in, p, tc.want)
		}
	}
}

// With nothing to do, Apply returns its input and draws nothing.
func TestApplyNothing(t *testing.T) {
	x := randImages(1, 4, 5, 5, 1)
	all, _ := ParsePolicy("translation,cutout,color")
	for _, a := range []*Augmenter{New(Policy{}, 1, 2, false, 1), New(all, 0, 2, false, 1)} {
		before, _ := a.State()
		if got := a.Apply(x); got != x {
			t.Errorf("policy %s p %g: Apply made a new tensor", a.Policy, a.P)
		}
		if after, _ := a.State(); string(before) != string(after) {
			t.Errorf("policy %s p %g: Apply drew random numbers", a.Policy, a.P)
		}
	}
}

func TestApplyIsDeterministicForASeed(t *testing.T) {
	all, _ := ParsePolicy("translation,cutout,color")
	x := randImages(2, 6, 8, 8, 3)
	a1, a2, b := New(all, 0.7, 2, false, 5), New(all, 0.7, 2, false, 5), New(all, 0.7, 2, false, 6)
	for range 3 {
		y1, y2, z := a1.Apply(x), a2.Apply(x), b.Apply(x)
		if !slices.Equal(y1.CPUData(), y2.CPUData()) {
			t.Fatal("two augmenters with one seed gave different images")
		}
		if slices.Equal(y1.CPUData(), z.CPUData()) {
			t.Fatal("two seeds gave the same images")
		}
	}
}

// shiftOf finds the (dy, dx) within ±r that moves src onto dst (zero fill), or reports none.
func shiftOf(src, dst []float32, h, w, r int) (int, int, bool) {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			ok := true
			for y := 0; y < h && ok; y++ {
				for x := 0; x < w && ok; x++ {
					want := float32(0)
					if sy, sx := y-dy, x-dx; sy >= 0 && sy < h && sx >= 0 && sx < w {
						want = src[sy*w+sx]
					}
					ok = dst[y*w+x] == want
				}
			}
			if ok {
				return dy, dx, true
			}
		}
	}
	return 0, 0, false
}

// Translation moves each image by at most size/8 pixels; per tuple, a tuple's images move together.
func TestTranslation(t *testing.T) {
	const n, h, w, k = 12, 16, 16, 3
	x := nn.New(n, h, w, 1)
	one := randImages(3, 1, h, w, 1).CPUData()
	for i := range n { // every image the same picture, so that tuple-mates can be compared
		copy(x.CPUData()[i*h*w:], one)
	}
	for _, perTuple := range []bool{false, true} {
		a := New(Policy{Translation: true}, 1, k, perTuple, 9)
		y := a.Apply(x)
		moved, sameInTuple := 0, true
		var shifts [n][2]int
		for i := range n {
			dy, dx, ok := shiftOf(one, y.CPUData()[i*h*w:(i+1)*h*w], h, w, 2)
			if !ok {
				t.Fatalf("perTuple %v: image %d is not the input moved by at most 2 pixels", perTuple, i)
			}
			shifts[i] = [2]int{dy, dx}
			if dy != 0 || dx != 0 {
				moved++
			}
			if i%k != 0 && shifts[i] != shifts[i-i%k] {
				sameInTuple = false
			}
		}
		if moved == 0 {
			t.Errorf("perTuple %v: no image moved", perTuple)
		}
		if sameInTuple != perTuple {
			t.Errorf("perTuple %v: tuple-mates moved alike: %v (shifts %v)", perTuple, sameInTuple, shifts)
		}
	}
}

// Cutout zeros one square of half the image's size (clipped at the edges) and leaves the rest.
func TestCutout(t *testing.T) {
	const n, h, w = 20, 10, 10
	x := nn.New(n, h, w, 2)
	nn.Fill(1, x)
	y := New(Policy{Cutout: true}, 1, 2, false, 4).Apply(x)
	for i := range n {
		y0, y1, x0, x1, zeros := h, -1, w, -1, 0
		for yy := range h {
			for xx := range w {
				v := y.CPUData()[((i*h+yy)*w+xx)*2]
				if v != y.CPUData()[((i*h+yy)*w+xx)*2+1] {
					t.Fatalf("image %d: channels differ at (%d, %d)", i, yy, xx)
				}
				if v == 0 {
					zeros++
					y0, y1, x0, x1 = min(y0, yy), max(y1, yy), min(x0, xx), max(x1, xx)
				} else if v != 1 {
					t.Fatalf("image %d: value %g, want 0 or 1", i, v)
				}
			}
		}
		if zeros == 0 || zeros != (y1-y0+1)*(x1-x0+1) || y1-y0+1 > 5 || x1-x0+1 > 5 {
			t.Errorf("image %d: %d zeros in rows %d–%d, columns %d–%d: want one square of at most 5×5", i, zeros, y0, y1, x0, x1)
		}
		if y0 > 0 && y1 < h-1 && (y1-y0+1 != 5) || x0 > 0 && x1 < w-1 && (x1-x0+1 != 5) {
			t.Errorf("image %d: a square inside the image is not 5 wide", i)
		}
	}
}

// Colour on grey images is brightness then contrast: per image, an affine map a·x + b with a in [0.5, 1.5].
func TestColorIsAffinePerImage(t *testing.T) {
	const n, h, w = 8, 4, 5
	x := randImages(5, n, h, w, 1)
	y := New(Policy{Color: true}, 1, 2, false, 8).Apply(x)
	for i := range n {
		xs, ys := x.CPUData()[i*h*w:(i+1)*h*w], y.CPUData()[i*h*w:(i+1)*h*w]
		a := (ys[1] - ys[0]) / (xs[1] - xs[0])
		b := ys[0] - a*xs[0]
		if a < 0.5-1e-4 || a > 1.5+1e-4 {
			t.Errorf("image %d: contrast factor %g outside [0.5, 1.5]", i, a)
		}
		for j := range xs {
			if d := math.Abs(float64(a*xs[j] + b - ys[j])); d > 1e-4 {
				t.Fatalf("image %d pixel %d: %g is not %g·%g + %g", i, j, ys[j], a, xs[j], b)
			}
		}
	}
}

// The generator's gradient passes through every transform: finite differences of Σ r·Apply(x), with the same
// draws at every evaluation (a fresh augmenter from one seed).
func TestApplyGradient(t *testing.T) {
	all, _ := ParsePolicy("translation,cutout,color")
	const n, h, w, c = 4, 6, 6, 3
	x0 := randImages(7, n, h, w, c)
	r := randImages(8, n, h, w, c)
	f := func(x *nn.Tensor) *nn.Tensor { return nn.Sum(nn.Mul(New(all, 0.8, 2, true, 11).Apply(x), r)) }
	tp := nn.NewTape()
	x := tp.Input(x0.CPUData(), x0.Shape...)
	x.SetRequiresGrad(true)
	tp.Backward(f(x))
	const eps = 1e-2
	grad := x.GradToHost()
	for _, j := range rand.New(rand.NewPCG(1, 1)).Perm(x0.Size())[:60] {
		old := x0.CPUData()[j]
		x0.CPUData()[j] = old + eps
		lp := f(x0).Item()
		x0.CPUData()[j] = old - eps
		lm := f(x0).Item()
		x0.CPUData()[j] = old
		num := float64(lp-lm) / (2 * eps)
		if an := float64(grad[j]); math.Abs(an-num) > 2e-3+1e-2*math.Abs(num) {
			t.Errorf("element %d: analytic %.5g, numeric %.5g", j, an, num)
		}
	}
}

// A restored state continues the same stream and strength.
func TestStateRoundTrip(t *testing.T) {
	all, _ := ParsePolicy("translation,cutout,color")
	x := randImages(9, 4, 8, 8, 1)
	a := New(all, 0.5, 2, false, 3)
	a.Target, a.SpeedImages, a.AdjustEvery = 0.6, 1000, 4
	a.Apply(x)
	a.Observe([]float32{1, -1, 2})
	a.EndStep(4)
	st, err := a.State()
	if err != nil {
		t.Fatal(err)
	}
	b := New(all, 0.9, 2, false, 99)
	b.Target, b.SpeedImages, b.AdjustEvery = 0.6, 1000, 4
	if err := b.SetState(st); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Apply(x).CPUData(), b.Apply(x).CPUData()) || a.P != b.P {
		t.Fatal("a restored augmenter does not continue as the original")
	}
	for _, bad := range []string{`{"p": 2}`, `not json`, `{"p": 0.5, "rng": "AAAA"}`} {
		if err := b.SetState([]byte(bad)); err == nil {
			t.Errorf("SetState(%s): no error", bad)
		}
	}
}

// ADA's controller: P rises while the discriminator is sure of the real data, falls when it is not, by
// AdjustEvery·images/SpeedImages per adjustment, within [0, 1].
func TestAdaptiveStrength(t *testing.T) {
	a := New(Policy{Translation: true}, 0, 2, false, 1)
	a.Target, a.SpeedImages, a.AdjustEvery = 0.6, 1000, 4
	for step := 1; step <= 8; step++ {
		a.Observe([]float32{3, 1, 2, -1}) // r_t = (3 − 1)/4 = 0.5, below the target
		rt, ok := a.EndStep(10)
		if ok != (step%4 == 0) {
			t.Fatalf("step %d: adjusted %v", step, ok)
		}
		if ok && rt != 0.5 {
			t.Fatalf("step %d: r_t %g, want 0.5", step, rt)
		}
	}
	if a.P != 0 {
		t.Fatalf("r_t below target from P = 0: P = %g, want 0 (clamped)", a.P)
	}
	for range 4 {
		a.Observe([]float32{1, 1})
		a.EndStep(10)
	}
	if want := 4 * 10 / 1000.0; math.Abs(a.P-want) > 1e-12 {
		t.Fatalf("after one adjustment with r_t = 1: P = %g, want %g", a.P, want)
	}
	for range 4 * 30 {
		a.Observe([]float32{1})
		a.EndStep(10)
	}
	if a.P != 1 {
		t.Fatalf("P = %g, want clamped at 1", a.P)
	}
}
