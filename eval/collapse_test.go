package eval

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// identityData draws pairs from a toy data set of identities: identity = a random pattern plus a colour offset per
// channel; an image of it = the identity plus a little noise. Same pairs are two images of one identity, different
// pairs images of two identities.
type identityData struct {
	rng           *rand.Rand
	res, channels int
}

func (d identityData) identity() []float32 {
	id := randImg(d.rng, d.res*d.res*d.channels)
	for c := range d.channels {
		off := float32(1.6*d.rng.Float64() - 0.8)
		for i := c; i < len(id); i += d.channels {
			id[i] = 0.3*id[i] + off
		}
	}
	return id
}

func (d identityData) image(id []float32) []float32 {
	img := make([]float32, len(id))
	for i, v := range id {
		img[i] = v + float32(0.1*(2*d.rng.Float64()-1))
	}
	return img
}

func (d identityData) pairs(n int) (same, diff [][2][]float32) {
	for range n {
		a := d.identity()
		same = append(same, [2][]float32{d.image(a), d.image(a)})
		diff = append(diff, [2][]float32{d.image(d.identity()), d.image(d.identity())})
	}
	return same, diff
}

// colourEmbed is a toy verifier: the unit vector of an image's mean per channel.
func colourEmbed(channels int) func([][]float32) [][]float32 {
	return func(imgs [][]float32) [][]float32 {
		var out [][]float32
		for _, img := range imgs {
			e := make([]float32, channels)
			for i, v := range img {
				e[i%channels] += v
			}
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

// The collapse warning fires on a constant generator and on a nearly constant one (which the verifier's AUC
// praises), in the report and from its figures alone, and not on a generator that draws like the real data.
func TestCollapseWarnings(t *testing.T) {
	const res, c, n = 16, 3, 150
	d := identityData{rand.New(rand.NewPCG(1, 2)), res, c}
	realSame, realDiff := d.pairs(n)
	report := func(genSame, genDiff [][2][]float32) *Report {
		t.Helper()
		r, err := BuildReport(context.Background(), ReportInput{Res: res, Channels: c, GenSame: genSame, GenDiff: genDiff,
			RealSame: realSame, RealDiff: realDiff, Embed: colourEmbed(c), Threshold: 0.98})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// Like the real data (another sample of it): no warning, and the real figures are those of a working verifier.
	likeSame, likeDiff := d.pairs(n)
	r := report(likeSame, likeDiff)
	if len(r.Warnings) != 0 {
		t.Errorf("a generator drawing like the real data: warnings %q", r.Warnings)
	}
	if a, b := *r.Figure("verifier_accept_same").Real, *r.Figure("verifier_accept_different").Real; a < 0.9 || b > 0.2 {
		t.Fatalf("the toy verifier accepts %g of real same pairs and %g of different ones: the fixture does not test anything", a, b)
	}

	// Constant: every image the same.
	x := d.image(d.identity())
	var constSame, constDiff [][2][]float32
	for range n {
		constSame, constDiff = append(constSame, [2][]float32{x, x}), append(constDiff, [2][]float32{x, x})
	}
	r = report(constSame, constDiff)
	if w := strings.Join(r.Warnings, "\n"); len(r.Warnings) != 2 || !strings.Contains(w, "accepts 100% of generated different-z_I pairs") ||
		!strings.Contains(w, "MS-SSIM across identities 1.000") || !strings.Contains(w, "high verifier AUC") {
		// Not the within-identity warning: this fixture's real identities are near-constant images themselves
		// (MS-SSIM within 0.95), so a constant generator is not far above them there.
		t.Errorf("constant generator: warnings %q; want both, in words", r.Warnings)
	}
	if html, err := r.HTML(HTMLPage{Title: "t"}); err != nil || !strings.Contains(string(html), "these figures may mislead") {
		t.Errorf("report.html does not carry the warning (%v)", err)
	}

	// Nearly constant: one image with a faint per-identity tint. The verifier accepts every pair and yet its AUC
	// is high — the case the warning exists for.
	var nearSame, nearDiff [][2][]float32
	tint := func(v float32) []float32 {
		img := append([]float32(nil), x...)
		for i := 0; i < len(img); i += c {
			img[i] += v
		}
		return img
	}
	for range n {
		a := float32(0.02 * d.rng.Float64())
		nearSame = append(nearSame, [2][]float32{tint(a), tint(a + 0.001)})
		nearDiff = append(nearDiff, [2][]float32{tint(float32(0.02 * d.rng.Float64())), tint(float32(0.02 * d.rng.Float64()))})
	}
	r = report(nearSame, nearDiff)
	if auc, acc := *r.Figure("verifier_auc").Generated, *r.Figure("verifier_accept_different").Generated; auc < 0.8 || acc < 0.99 {
		t.Fatalf("nearly constant generator: AUC %g, different pairs accepted %g; the fixture should score a high AUC accepting every pair", auc, acc)
	}
	if len(r.Warnings) != 2 {
		t.Errorf("nearly constant generator: warnings %q; want both", r.Warnings)
	}
	if again := CollapseWarnings(r.Figures); strings.Join(again, "") != strings.Join(r.Warnings, "") {
		t.Error("CollapseWarnings on the report's figures differs from the report's warnings")
	}

	// Just inside the margins: nothing; just outside: each warning alone.
	fig := func(key string, g, r float64) Figure { return Figure{Key: key, Generated: &g, Real: &r} }
	if w := CollapseWarnings([]Figure{fig("verifier_accept_different", 0.32, 0.13), fig("msssim_different", 0.17, 0.08), fig("msssim_same", 0.58, 0.09)}); len(w) != 0 {
		t.Errorf("within the margins: %q", w)
	}
	if w := CollapseWarnings([]Figure{fig("verifier_accept_different", 0.34, 0.13)}); len(w) != 1 || !strings.Contains(w[0], "34%") {
		t.Errorf("acceptance 21 points above: %q", w)
	}
	if w := CollapseWarnings([]Figure{fig("msssim_different", 0.19, 0.08)}); len(w) != 1 || !strings.Contains(w[0], "0.190 against 0.080") {
		t.Errorf("MS-SSIM 0.11 above: %q", w)
	}
	if w := CollapseWarnings([]Figure{fig("msssim_same", 0.60, 0.09)}); len(w) != 1 || !strings.Contains(w[0], "0.600 against 0.090") {
		t.Errorf("MS-SSIM within identity 0.51 above: %q", w)
	}
	// An AC-DCGAN whose labels ignore z (measured on builtin:fonts at 2000 steps): only the within warning.
	if w := CollapseWarnings([]Figure{fig("verifier_accept_different", 0.076, 0.126), fig("msssim_different", 0.101, 0.092),
		fig("msssim_same", 0.986, 0.092)}); len(w) != 1 || !strings.Contains(w[0], "collapse within identities") {
		t.Errorf("AC-DCGAN collapsed within its labels: %q", w)
	}
	if w := CollapseWarnings([]Figure{{Key: "msssim_different", Generated: new(float64)}}); len(w) != 0 {
		t.Errorf("without a real figure: %q", w)
	}
}
