package eval

import "fmt"

// When the figures mislead. A collapsed generator — every image alike, or a few images over and over — looks
// identity-coherent to a verifier: its same-z_I pairs are accepted, and since its different-z_I pairs are alike
// too, nearly every pair is accepted; the AUC of same against different pairs can still be high (same-z_I images
// are a little more alike than the rest), so acceptance of same pairs and AUC alone would praise it. Its tell is
// the other half of the figures: the verifier accepts different-z_I pairs, and different-z_I images are similar
// (high MS-SSIM across identities), far more than real images of different identities. CollapseWarnings says so
// in words when either is further above the real data's than these margins.
//
// The margins: on builtin:fonts the real data's figures are about 0.13 (acceptance of different identities, with
// the verifier's threshold) and 0.08 (MS-SSIM across identities); trained SD-DCGAN and SD-BEGAN generators measure
// 0.08 to 0.15 and 0.08 to 0.10, and a constant generator 1 and 1. A margin of 0.20 in acceptance (20 points) and
// 0.10 in MS-SSIM lies well above what a healthy generator shows and far below a collapsed one's.
//
// A generator can also collapse within an identity only: every image of one z_I (or one AC-DCGAN label) the same
// whatever z_O, while identities still differ. Then same-z_I pairs are accepted because they are one image, and
// the identity figures praise what is a failure to draw observations. Its tell is MS-SSIM within an identity: real
// fonts measure about 0.09, SD-DCGAN 0.13 to 0.17, with --mismatch 0.20 to 0.43 (its early steps), and an
// AC-DCGAN whose labels ignore z 0.99. A margin of 0.50 lies above the first and far below the last.
const (
	CollapseAcceptMargin       = 0.20 // verifier_accept_different: generated − real above this warns
	CollapseMSSSIMMargin       = 0.10 // msssim_different: generated − real above this warns
	CollapseWithinMSSSIMMargin = 0.50 // msssim_same: generated − real above this warns
)

// misleading is the sentence both warnings end with: why the identity figures cannot be trusted then.
const misleading = "the identity figures then mislead: a collapsed generator (every image alike) accepts every pair and can still score a high verifier AUC"

// CollapseWarnings returns a sentence for each sign of collapse in a report's figures (see CollapseAcceptMargin):
// acceptance of different-z_I pairs, MS-SSIM across identities, or MS-SSIM within an identity far above the real
// data's. It needs both the
// generated and the real figure of a key; without them it says nothing of that key.
func CollapseWarnings(figs []Figure) []string {
	get := func(key string) (gen, real float64, ok bool) {
		for _, f := range figs {
			if f.Key == key && f.Generated != nil && f.Real != nil {
				return *f.Generated, *f.Real, true
			}
		}
		return 0, 0, false
	}
	var w []string
	if g, r, ok := get("verifier_accept_different"); ok && g-r > CollapseAcceptMargin {
		w = append(w, fmt.Sprintf("possible collapse: the verifier accepts %.0f%% of generated different-z_I pairs as one identity, "+
			"against %.0f%% of real pairs of different identities (more than %.0f points above): the generator draws few distinct identities or few distinct images; %s",
			100*g, 100*r, 100*CollapseAcceptMargin, misleading))
	}
	if g, r, ok := get("msssim_different"); ok && g-r > CollapseMSSSIMMargin {
		w = append(w, fmt.Sprintf("possible collapse: generated images of different z_I are far more alike than real images of different identities "+
			"(MS-SSIM across identities %.3f against %.3f, more than %.2f above): low diversity; %s",
			g, r, CollapseMSSSIMMargin, misleading))
	}
	if g, r, ok := get("msssim_same"); ok && g-r > CollapseWithinMSSSIMMargin {
		w = append(w, fmt.Sprintf("possible collapse within identities: generated images of one z_I are nearly the same image whatever z_O "+
			"(MS-SSIM within identity %.3f against %.3f for real images of one identity, more than %.2f above): the generator ignores z_O, "+
			"so its same-z_I pairs are accepted because they are one image and the identity figures mislead",
			g, r, CollapseWithinMSSSIMMargin))
	}
	return w
}
