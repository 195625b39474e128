package eval

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestSamplePairs(t *testing.T) {
	sizes := []int{3, 1, 0, 5, 2, 7}
	same, diff, err := SamplePairs(rand.New(rand.NewPCG(1, 2)), sizes, 301)
	if err != nil {
		t.Fatal(err)
	}
	if len(same) != 301 || len(diff) != 301 {
		t.Fatalf("%d same and %d different pairs, want 301 each", len(same), len(diff))
	}
	seen := map[int]bool{}
	for _, p := range same {
		a, b := p[0], p[1]
		if a.Group != b.Group || a.Index == b.Index || sizes[a.Group] < 2 || a.Index >= sizes[a.Group] || b.Index >= sizes[b.Group] {
			t.Fatalf("bad same pair %v", p)
		}
		seen[a.Group] = true
	}
	for _, p := range diff {
		if p[0].Group == p[1].Group || sizes[p[0].Group] == 0 || sizes[p[1].Group] == 0 || p[0].Index >= sizes[p[0].Group] || p[1].Index >= sizes[p[1].Group] {
			t.Fatalf("bad different pair %v", p)
		}
	}
	if len(seen) != 4 {
		t.Errorf("same pairs came from %d groups, want all 4 with 2+ images", len(seen))
	}
	again, _, _ := SamplePairs(rand.New(rand.NewPCG(1, 2)), sizes, 301)
	if !slices.Equal(same, again) {
		t.Error("same seed, different pairs")
	}
	for _, bad := range []struct {
		sizes []int
		n     int
		want  string
	}{{[]int{1, 1, 1}, 3, "no identity has 2 images"}, {[]int{5, 0}, 3, "at least 2"}, {[]int{2, 2}, 0, "n 0"}} {
		if _, _, err := SamplePairs(rand.New(rand.NewPCG(1, 1)), bad.sizes, bad.n); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("sizes %v n %d: error %v, want %q", bad.sizes, bad.n, err, bad.want)
		}
	}
}

func TestPixelDistances(t *testing.T) {
	a, b := []float32{1, -1, 0.5}, []float32{0, 1, 0.5}
	if got, want := RMSDistance(a, b), math.Sqrt(5.0/3); math.Abs(got-want) > 1e-12 {
		t.Errorf("rms %g, want %g", got, want)
	}
	if got := MeanAbsDistance(a, b); math.Abs(got-1) > 1e-12 {
		t.Errorf("mean abs %g, want 1", got)
	}
	px := ToPixelRange([]float32{-1, 1, 0, 2, -3})
	if !slices.Equal(px, []float32{0, 255, 127.5, 255, 0}) {
		t.Errorf("pixel range %v", px)
	}
}

// randImg returns a random image of n values in [−1, 1].
func randImg(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(2*rng.Float64() - 1)
	}
	return x
}

// meanEmbed is a toy verifier: the unit vector of an image's mean per channel, shifted away from 0.
func meanEmbed(channels int) func([][]float32) [][]float32 {
	return func(imgs [][]float32) [][]float32 {
		var out [][]float32
		for _, img := range imgs {
			e := make([]float32, channels+1)
			for i, v := range img {
				e[i%channels] += v
			}
			e[channels] = float32(len(img)) / 4
			var s float64
			for _, v := range e {
				s += float64(v) * float64(v)
			}
			for i := range e {
				e[i] /= float32(math.Sqrt(s))
			}
			out = append(out, e)
		}
		return out
	}
}

func TestBuildReport(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const res, c, n = 11, 3, 23
	size := res * res * c
	var genSame, genDiff, realSame, realDiff [][2][]float32
	for range n {
		x := randImg(rng, size)
		genSame = append(genSame, [2][]float32{x, x}) // identical: distance 0, MS-SSIM 1, always accepted
		genDiff = append(genDiff, [2][]float32{randImg(rng, size), randImg(rng, size)})
		y := randImg(rng, size)
		z := slices.Clone(y)
		z[0] = -z[0]
		realSame = append(realSame, [2][]float32{y, z})
		realDiff = append(realDiff, [2][]float32{randImg(rng, size), randImg(rng, size)})
	}
	in := ReportInput{Res: res, Channels: c, GenSame: genSame, GenDiff: genDiff, RealSame: realSame, RealDiff: realDiff,
		Embed: meanEmbed(c), Threshold: 0.999}
	r, err := BuildReport(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"verifier_accept_same", "verifier_accept_different", "verifier_accuracy", "verifier_auc", "frechet_embedding",
		"pixel_rms_same", "pixel_rms_different", "pixel_l1_same", "pixel_l1_different", "pixel_auc", "msssim_same", "msssim_different"}
	for _, k := range keys {
		f := r.Figure(k)
		if f == nil || f.Generated == nil || f.Real == nil || f.Definition == "" || math.IsNaN(*f.Generated) || math.IsNaN(*f.Real) {
			t.Errorf("figure %s missing or incomplete: %+v", k, f)
		}
	}
	if len(r.Skipped) != 0 || r.GenROC == nil || r.RealROC == nil {
		t.Errorf("skipped %v, ROC %v %v; want nothing skipped and both curves", r.Skipped, r.GenROC != nil, r.RealROC != nil)
	}
	want := map[string]float64{"pixel_rms_same": 0, "pixel_l1_same": 0, "msssim_same": 1, "verifier_accept_same": 1, "pixel_auc": 1}
	for k, w := range want {
		if g := *r.Figure(k).Generated; math.Abs(g-w) > 1e-9 {
			t.Errorf("%s generated %g, want %g", k, g, w)
		}
	}
	// Reference: the real same pairs differ by one value, so their mean absolute distance is |2·y0|/size.
	var l1 float64
	for _, p := range realSame {
		l1 += 2 * math.Abs(float64(p[0][0])) / float64(size)
	}
	if g := *r.Figure("pixel_l1_same").Real; math.Abs(g-l1/n) > 1e-9 {
		t.Errorf("real pixel_l1_same %g, want %g", g, l1/n)
	}

	page := HTMLPage{Title: "t", Inputs: [][2]string{{"model", "m<1>"}}, ROC: &HTMLImage{"roc.png", "roc"}, Grids: []HTMLImage{{"a.png", "a"}}}
	html, err := r.HTML(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(keys, `src="roc.png"`, `src="a.png"`, "m&lt;1&gt;") {
		if !strings.Contains(string(html), s) {
			t.Errorf("html lacks %q", s)
		}
	}

	// Without a verifier and real data: pixel figures only, and the skipped groups are named.
	r, err = BuildReport(context.Background(), ReportInput{Res: res, Channels: c, GenSame: genSame, GenDiff: genDiff, NoReal: "no data", NoEmbed: "no verifier"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Figure("verifier_auc") != nil || r.Figure("frechet_embedding") != nil || r.Figure("msssim_same") == nil || r.Figure("msssim_same").Real != nil {
		t.Errorf("figures without verifier or data: %+v", r.Figures)
	}
	if s := strings.Join(r.Skipped, "; "); !strings.Contains(s, "no data") || !strings.Contains(s, "no verifier") {
		t.Errorf("skipped %q, want the reasons", s)
	}
	if _, err := BuildReport(context.Background(), ReportInput{Res: res, Channels: c}); err == nil {
		t.Error("a report without generated pairs succeeded")
	}
}

// BuildReport stops when its context is cancelled, wherever it is: here, inside the embedding of many images.
func TestBuildReportStopsOnCancel(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	const res, c, n = 11, 1, 600
	var same, diff [][2][]float32
	for range n {
		same = append(same, [2][]float32{randImg(rng, res*res*c), randImg(rng, res*res*c)})
		diff = append(diff, [2][]float32{randImg(rng, res*res*c), randImg(rng, res*res*c)})
	}
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	embed := func(images [][]float32) [][]float32 {
		if batches++; batches == 2 {
			cancel() // as if Ctrl-C came while embedding
		}
		return meanEmbed(c)(images)
	}
	_, err := BuildReport(ctx, ReportInput{Res: res, Channels: c, GenSame: same, GenDiff: diff, Embed: embed, Threshold: 0.9})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("BuildReport cancelled while embedding: %v, want context.Canceled", err)
	}
	if batches != 2 {
		t.Errorf("embedded %d batches of %d images after the cancel at the 2nd; want to stop there", batches, embedBatch)
	}
	if _, err := BuildReport(ctx, ReportInput{Res: res, Channels: c, GenSame: same, GenDiff: diff}); !errors.Is(err, context.Canceled) {
		t.Fatalf("BuildReport without a verifier, cancelled: %v, want context.Canceled", err)
	}
}

// rocOf says which scores it could not draw the curve of.
func TestRocOfErrors(t *testing.T) {
	good := &pairScores{pos: []float64{0.9, 0.8}, neg: []float64{0.1, 0.85}}
	bad := &pairScores{pos: []float64{math.NaN()}, neg: []float64{0.1}}
	if g, r, err := rocOf(good, nil); err != nil || g == nil || r != nil {
		t.Errorf("rocOf(good, nil) = %v, %v, %v", g, r, err)
	}
	if _, _, err := rocOf(bad, nil); err == nil || !strings.Contains(err.Error(), "generated pairs") {
		t.Errorf("rocOf(NaN, nil): %v, want an error naming the generated pairs", err)
	}
	if g, _, err := rocOf(good, bad); err == nil || g != nil || !strings.Contains(err.Error(), "real pairs") {
		t.Errorf("rocOf(good, NaN): %v, %v; want no curve and an error naming the real pairs", g, err)
	}
}
