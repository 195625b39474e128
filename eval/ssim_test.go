package eval

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// randImage returns h×w×c pixels in 0..255: a smooth random pattern plus pixel noise, so that SSIM's local
// statistics are neither flat nor pure noise.
func randImage(rng *rand.Rand, h, w, c int) []float32 {
	img := make([]float32, h*w*c)
	fy, fx, ph := 0.2+rng.Float64()*0.5, 0.2+rng.Float64()*0.5, rng.Float64()*6
	for y := range h {
		for x := range w {
			for ch := range c {
				v := 128 + 70*math.Sin(fy*float64(y)+ph+float64(ch))*math.Cos(fx*float64(x)) + 40*rng.NormFloat64()
				img[(y*w+x)*c+ch] = float32(min(max(v, 0), 255))
			}
		}
	}
	return img
}

// addNoise returns img plus sigma times the fixed noise pattern noise.
func addNoise(img, noise []float32, sigma float64) []float32 {
	out := make([]float32, len(img))
	for i := range img {
		out[i] = img[i] + float32(sigma)*noise[i]
	}
	return out
}

// naiveWindow is the normalised 2-D Gaussian of the published SSIM, written directly from
// exp(-(dx²+dy²)/(2σ²)) over the size×size grid centred on the window (half-integer offsets for even sizes),
// with size and σ shrunk to the image as documented on SSIM.
func naiveWindow(h, w int) [][]float64 {
	size := min(11, h, w)
	sigma := 1.5 * float64(size) / 11
	win := make([][]float64, size)
	var sum float64
	for i := range win {
		win[i] = make([]float64, size)
		for j := range win[i] {
			dy, dx := float64(i)-float64(size-1)/2, float64(j)-float64(size-1)/2
			win[i][j] = math.Exp(-(dx*dx + dy*dy) / (2 * sigma * sigma))
			sum += win[i][j]
		}
	}
	for i := range win {
		for j := range win[i] {
			win[i][j] /= sum
		}
	}
	return win
}

// naiveSSIMCS returns the mean SSIM and cs of images a and b (as [y][x][ch] float64) by direct
// Gaussian-weighted sums at each valid position, two-pass (means first, then centred moments).
func naiveSSIMCS(a, b [][][]float64, dataRange float64) (ssim, cs float64) {
	h, w, c := len(a), len(a[0]), len(a[0][0])
	win := naiveWindow(h, w)
	size := len(win)
	c1, c2 := math.Pow(0.01*dataRange, 2), math.Pow(0.03*dataRange, 2)
	n := 0
	for ch := range c {
		for y0 := 0; y0+size <= h; y0++ {
			for x0 := 0; x0+size <= w; x0++ {
				var ma, mb float64
				for i := range size {
					for j := range size {
						ma += win[i][j] * a[y0+i][x0+j][ch]
						mb += win[i][j] * b[y0+i][x0+j][ch]
					}
				}
				var va, vb, cov float64
				for i := range size {
					for j := range size {
						da, db := a[y0+i][x0+j][ch]-ma, b[y0+i][x0+j][ch]-mb
						va += win[i][j] * da * da
						vb += win[i][j] * db * db
						cov += win[i][j] * da * db
					}
				}
				l := (2*ma*mb + c1) / (ma*ma + mb*mb + c1)
				s := (2*cov + c2) / (va + vb + c2)
				ssim += l * s
				cs += s
				n++
			}
		}
	}
	return ssim / float64(n), cs / float64(n)
}

// grid returns the [h, w, c] image x as [y][x][ch] float64.
func grid(x []float32, h, w, c int) [][][]float64 {
	g := make([][][]float64, h)
	for y := range g {
		g[y] = make([][]float64, w)
		for xx := range g[y] {
			g[y][xx] = make([]float64, c)
			for ch := range c {
				g[y][xx][ch] = float64(x[(y*w+xx)*c+ch])
			}
		}
	}
	return g
}

// naiveMSSSIM is MS-SSIM straight from Wang et al. (2003) with the documented small-image and clamping rules.
func naiveMSSSIM(a, b []float32, h, w, c int, dataRange float64, weights []float64) float64 {
	half := func(g [][][]float64) [][][]float64 {
		h, w := len(g), len(g[0])
		at := func(y, x, ch int) float64 { return g[min(y, h-1)][min(x, w-1)][ch] }
		out := make([][][]float64, (h+1)/2)
		for y := range out {
			out[y] = make([][]float64, (w+1)/2)
			for x := range out[y] {
				out[y][x] = make([]float64, c)
				for ch := range c {
					out[y][x][ch] = (at(2*y, 2*x, ch) + at(2*y+1, 2*x, ch) + at(2*y, 2*x+1, ch) + at(2*y+1, 2*x+1, ch)) / 4
				}
			}
		}
		return out
	}
	ga, gb := grid(a, h, w, c), grid(b, h, w, c)
	result := 1.0
	for j, wt := range weights {
		ssim, cs := naiveSSIMCS(ga, gb, dataRange)
		if j == len(weights)-1 {
			return result * math.Pow(math.Max(ssim, 0), wt)
		}
		result *= math.Pow(math.Max(cs, 0), wt)
		ga, gb = half(ga), half(gb)
	}
	return result
}

func TestSSIMAndMSSSIMMatchNaiveReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name    string
		h, w, c int
		weights []float64
	}{
		{"64x64x3", 64, 64, 3, nil},
		{"32x32x1", 32, 32, 1, nil},
		{"23x19x2 odd sides", 23, 19, 2, nil},
		{"13x7x3 window wider than image", 13, 7, 3, nil},
		{"1x1x1", 1, 1, 1, nil},
		{"29x31x1 three scales", 29, 31, 1, []float64{0.2, 0.5, 0.3}},
		{"11x11x2 one scale", 11, 11, 2, []float64{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := randImage(rng, tc.h, tc.w, tc.c)
			b := randImage(rng, tc.h, tc.w, tc.c)
			weights := tc.weights
			if weights == nil {
				weights = DefaultMSSSIMWeights()
			}
			got, err := MSSSIM(a, b, tc.h, tc.w, tc.c, MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 255}, Weights: tc.weights})
			if err != nil {
				t.Fatal(err)
			}
			want := naiveMSSSIM(a, b, tc.h, tc.w, tc.c, 255, weights)
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("MSSSIM = %.12f, naive reference %.12f", got, want)
			}
			gotS, err := SSIM(a, b, tc.h, tc.w, tc.c, SSIMOptions{DataRange: 255})
			if err != nil {
				t.Fatal(err)
			}
			wantS, _ := naiveSSIMCS(grid(a, tc.h, tc.w, tc.c), grid(b, tc.h, tc.w, tc.c), 255)
			if math.Abs(gotS-wantS) > 1e-9 {
				t.Errorf("SSIM = %.12f, naive reference %.12f", gotS, wantS)
			}
		})
	}
}

func TestMSSSIMIdentitySymmetryAndNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	opt := MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 255}}
	for _, tc := range []struct{ h, w, c int }{{64, 64, 3}, {32, 32, 1}, {37, 41, 3}, {5, 3, 2}} {
		a := randImage(rng, tc.h, tc.w, tc.c)
		b := randImage(rng, tc.h, tc.w, tc.c)
		if s, err := MSSSIM(a, a, tc.h, tc.w, tc.c, opt); err != nil || math.Abs(s-1) > 1e-12 {
			t.Errorf("%v: MSSSIM(a, a) = %v, %v; want 1", tc, s, err)
		}
		if s, err := SSIM(a, a, tc.h, tc.w, tc.c, opt.SSIMOptions); err != nil || math.Abs(s-1) > 1e-12 {
			t.Errorf("%v: SSIM(a, a) = %v, %v; want 1", tc, s, err)
		}
		ab, _ := MSSSIM(a, b, tc.h, tc.w, tc.c, opt)
		ba, _ := MSSSIM(b, a, tc.h, tc.w, tc.c, opt)
		if ab != ba || !(ab < 1) {
			t.Errorf("%v: MSSSIM(a, b) = %v, MSSSIM(b, a) = %v; want equal and below 1", tc, ab, ba)
		}

		noise := make([]float32, len(a))
		for i := range noise {
			noise[i] = float32(rng.NormFloat64())
		}
		prev := 1.0
		for _, sigma := range []float64{2, 5, 10, 20, 40, 80} {
			s, err := MSSSIM(a, addNoise(a, noise, sigma), tc.h, tc.w, tc.c, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !(s < prev) {
				t.Errorf("%v: MSSSIM with noise σ %v = %v, not below %v at the previous level", tc, sigma, s, prev)
			}
			prev = s
		}
	}
}

// TestSSIMConstantImages checks the closed form: on constant images every variance is 0, so cs = 1 and
// SSIM is the luminance term (2·μa·μb + C1)/(μa² + μb² + C1), unchanged by downsampling.
func TestSSIMConstantImages(t *testing.T) {
	for _, tc := range []struct {
		muA, muB, dataRange float64
		h, w, c             int
	}{
		{100, 50, 255, 16, 16, 3},
		{0.25, 0.75, 1, 7, 5, 1},
		{200, 201, 255, 64, 64, 1},
	} {
		a, b := make([]float32, tc.h*tc.w*tc.c), make([]float32, tc.h*tc.w*tc.c)
		for i := range a {
			a[i], b[i] = float32(tc.muA), float32(tc.muB)
		}
		c1 := math.Pow(0.01*tc.dataRange, 2)
		lum := (2*tc.muA*tc.muB + c1) / (tc.muA*tc.muA + tc.muB*tc.muB + c1)
		s, err := SSIM(a, b, tc.h, tc.w, tc.c, SSIMOptions{DataRange: tc.dataRange})
		if err != nil || math.Abs(s-lum) > 1e-12 {
			t.Errorf("%+v: SSIM = %v, %v; want %v", tc, s, err, lum)
		}
		ms, err := MSSSIM(a, b, tc.h, tc.w, tc.c, MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: tc.dataRange}})
		if want := math.Pow(lum, 0.1333); err != nil || math.Abs(ms-want) > 1e-12 {
			t.Errorf("%+v: MSSSIM = %v, %v; want lum^0.1333 = %v", tc, ms, err, want)
		}
	}
}

// TestMSSSIMNegativeCSClampsToZero uses a photographic negative: cs < 0 at the finest scale, so MS-SSIM is
// clamped to 0 while single-scale SSIM stays negative.
func TestMSSSIMNegativeCSClampsToZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const h, w, c = 32, 32, 1
	a := randImage(rng, h, w, c)
	b := make([]float32, len(a))
	for i := range a {
		b[i] = 255 - a[i]
	}
	s, err := SSIM(a, b, h, w, c, SSIMOptions{DataRange: 255})
	if err != nil || !(s < 0) {
		t.Fatalf("SSIM of an image and its negative = %v, %v; want below 0", s, err)
	}
	ms, err := MSSSIM(a, b, h, w, c, MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 255}})
	if err != nil || ms != 0 {
		t.Errorf("MSSSIM of an image and its negative = %v, %v; want 0 (clamped)", ms, err)
	}
}

// TestMSSSIMDataRangeInvariance: scaling pixels and DataRange together leaves MS-SSIM unchanged (shifting
// them does not: the luminance term compares absolute means).
func TestMSSSIMDataRangeInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const h, w, c = 33, 47, 3
	a, b := randImage(rng, h, w, c), randImage(rng, h, w, c)
	as, bs := make([]float32, len(a)), make([]float32, len(b))
	for i := range a {
		as[i], bs[i] = a[i]/255, b[i]/255
	}
	s255, err1 := MSSSIM(a, b, h, w, c, MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 255}})
	s1, err2 := MSSSIM(as, bs, h, w, c, MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 1}})
	if err1 != nil || err2 != nil || math.Abs(s255-s1) > 1e-6 {
		t.Errorf("MSSSIM at range 255 = %v (%v), at range 1 = %v (%v); want equal", s255, err1, s1, err2)
	}
}

func TestSSIMBadInput(t *testing.T) {
	img := make([]float32, 4*4*3)
	for i := range img {
		img[i] = float32(i)
	}
	nan := append([]float32(nil), img...)
	nan[7] = float32(math.NaN())
	ok := SSIMOptions{DataRange: 255}
	for _, tc := range []struct {
		name    string
		a, b    []float32
		h, w, c int
		opt     MSSSIMOptions
		want    string
	}{
		{"mismatched lengths", img, img[:len(img)-3], 4, 4, 3, MSSSIMOptions{SSIMOptions: ok}, "b has 45"},
		{"shape does not fit", img, img, 4, 5, 3, MSSSIMOptions{SSIMOptions: ok}, "want 60 each"},
		{"empty", nil, nil, 0, 0, 3, MSSSIMOptions{SSIMOptions: ok}, "want positive height"},
		{"zero data range", img, img, 4, 4, 3, MSSSIMOptions{}, "DataRange is 0"},
		{"negative filter", img, img, 4, 4, 3, MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 1, FilterSize: -3}}, "FilterSize is -3"},
		{"NaN pixel", img, nan, 4, 4, 3, MSSSIMOptions{SSIMOptions: ok}, "image b: value 7 (y 0, x 2, channel 1) is NaN"},
		{"empty weights", img, img, 4, 4, 3, MSSSIMOptions{SSIMOptions: ok, Weights: []float64{}}, "Weights is empty"},
		{"negative weight", img, img, 4, 4, 3, MSSSIMOptions{SSIMOptions: ok, Weights: []float64{0.5, -1}}, "Weights[1] is -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MSSSIM(tc.a, tc.b, tc.h, tc.w, tc.c, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("MSSSIM error = %v, want one containing %q", err, tc.want)
			}
			if tc.opt.Weights != nil {
				return // SSIM has no weights to reject
			}
			_, err = SSIM(tc.a, tc.b, tc.h, tc.w, tc.c, tc.opt.SSIMOptions)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SSIM error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestMSSSIMMatchesTensorflowModels compares with values computed once (scipy 1.10, float64) by the MS-SSIM of
// tensorflow/models research/compression/image_encoder/msssim.py (a common NumPy implementation, whose
// small-image rule MSSSIM follows), on integer-formula images that both sides build identically.
func TestMSSSIMMatchesTensorflowModels(t *testing.T) {
	for _, tc := range []struct {
		h, w, c      int
		ssim, msssim float64
	}{
		{64, 64, 3, 0.633023268532, 0.820618443569},
		{32, 32, 1, 0.655852458783, 0.822684905730},
		{23, 19, 2, 0.659133588341, 0.847166506652},
	} {
		a, b := make([]float32, tc.h*tc.w*tc.c), make([]float32, tc.h*tc.w*tc.c)
		for y := range tc.h {
			for x := range tc.w {
				for ch := range tc.c {
					av := (y*y*7 + x*13 + ch*61 + (x*y)%17*9) % 256
					i := (y*tc.w+x)*tc.c + ch
					a[i], b[i] = float32(av), float32(min(255, av+(x*31+y*17+ch*5)%23*9))
				}
			}
		}
		s, err := SSIM(a, b, tc.h, tc.w, tc.c, SSIMOptions{DataRange: 255})
		if err != nil || math.Abs(s-tc.ssim) > 1e-9 {
			t.Errorf("%dx%dx%d: SSIM = %.12f, %v; tensorflow/models gives %.12f", tc.h, tc.w, tc.c, s, err, tc.ssim)
		}
		ms, err := MSSSIM(a, b, tc.h, tc.w, tc.c, MSSSIMOptions{SSIMOptions: SSIMOptions{DataRange: 255}})
		if err != nil || math.Abs(ms-tc.msssim) > 1e-9 {
			t.Errorf("%dx%dx%d: MSSSIM = %.12f, %v; tensorflow/models gives %.12f", tc.h, tc.w, tc.c, ms, err, tc.msssim)
		}
	}
}
