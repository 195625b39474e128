package model

import (
	"fmt"
	"math/rand/v2"

	"sdgan/nn"
)

// Uniform returns n vectors of d values drawn from U(−1, 1), SPEC's latent prior.
func Uniform(rng *rand.Rand, n, d int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, d)
		for j := range out[i] {
			out[i][j] = float32(2*rng.Float64() - 1)
		}
	}
	return out
}

// TupleZ fills z [tuples·k, d_I + d_O] for the fake side of a training batch: one z_I per tuple repeated for its
// k images, and an independent z_O for every image.
func TupleZ(rng *rand.Rand, cfg Config, tuples int, z []float32) {
	d := cfg.Z()
	if len(z) != tuples*cfg.K*d {
		panic(fmt.Sprintf("model: tuple latents: %d values for %d tuples of %d × %d", len(z), tuples, cfg.K, d))
	}
	for t := range tuples {
		row := z[t*cfg.K*d:]
		for i := range cfg.DI {
			row[i] = float32(2*rng.Float64() - 1)
		}
		for j := range cfg.K {
			img := row[j*d:]
			copy(img[:cfg.DI], row[:cfg.DI])
			for i := cfg.DI; i < d; i++ {
				img[i] = float32(2*rng.Float64() - 1)
			}
		}
	}
}

// GridZ returns the codes of an identity × observation grid: row-major cells, cell (i, o) = [zi[i]; zo[o]].
func GridZ(zi, zo [][]float32) []float32 {
	var z []float32
	for _, a := range zi {
		for _, b := range zo {
			z = append(append(z, a...), b...)
		}
	}
	return z
}

// Lerp returns a + (b − a)·t elementwise.
func Lerp(a, b []float32, t float32) []float32 {
	out := make([]float32, len(a))
	for i := range a {
		out[i] = a[i] + (b[i]-a[i])*t
	}
	return out
}

// IdentityCodes draws n identity codes z_I for the generator g of cfg. It is the one way z_I is drawn — by
// generate, serve, eval and training's previews and evaluations — so that every architecture is treated alike:
//   - SD-GAN (SD-DCGAN, SD-BEGAN): n vectors from SD-GAN's prior U(−1, 1)^d_I (as Uniform draws them), each a new
//     identity; labels is nil.
//   - AC-DCGAN (a Conditional generator): the rows of g's label table for n labels drawn uniformly, distinct
//     while n ≤ classes (a grid's rows are different identities); labels says which. They are identities of the
//     training data: an AC-GAN has no others and cannot sample new ones.
func IdentityCodes(rng *rand.Rand, g Generator, cfg Config, n int) (codes [][]float32, labels []int) {
	return identityCodes(rng, g, cfg, n, map[int]bool{})
}

// identityCodes is IdentityCodes, also avoiding (for AC-DCGAN) the labels in used, to which it adds its own.
func identityCodes(rng *rand.Rand, g Generator, cfg Config, n int, used map[int]bool) ([][]float32, []int) {
	c, ok := g.(Conditional)
	if !ok {
		return Uniform(rng, n, cfg.DI), nil
	}
	classes := c.LabelTable().Dim(0)
	labels := make([]int, n)
	for i := range labels {
		l := rng.IntN(classes)
		for used[l] && len(used) < classes {
			l = rng.IntN(classes)
		}
		used[l] = true
		labels[i] = l
	}
	return LabelCodes(g, labels), labels
}

// LabelCodes returns copies of the label table rows of an AC-DCGAN generator for labels: their identity codes. It
// panics if g is not Conditional or a label is out of range.
func LabelCodes(g Generator, labels []int) [][]float32 {
	c, ok := g.(Conditional)
	if !ok {
		panic("model: label codes of a generator without identity labels (only AC-DCGAN has them)")
	}
	table := c.LabelTable()
	classes, d := table.Dim(0), table.Dim(1)
	var rows []float32
	if table.Backend() == nn.CPU() {
		rows = table.CPUData() // read in place; the rows are copied below
	} else {
		rows = table.ToHost()
	}
	codes := make([][]float32, len(labels))
	for i, l := range labels {
		if l < 0 || l >= classes {
			panic(fmt.Sprintf("model: identity label %d of %d", l, classes))
		}
		codes[i] = append([]float32(nil), rows[l*d:(l+1)*d]...)
	}
	return codes
}

// RandomCodes draws n full codes [z_I ; z_O], each z_I by IdentityCodes (for AC-DCGAN, n different identities
// while n ≤ classes) followed by its z_O from U(−1, 1)^d_O. For SD-GAN they are exactly Uniform(rng, n, d_I + d_O).
func RandomCodes(rng *rand.Rand, g Generator, cfg Config, n int) (codes [][]float32, labels []int) {
	used := map[int]bool{}
	for range n {
		zi, l := identityCodes(rng, g, cfg, 1, used)
		codes = append(codes, append(zi[0], Uniform(rng, 1, cfg.DO)[0]...))
		labels = append(labels, l...)
	}
	return codes, labels
}

// PairCodes returns the codes of n pairs of images sharing z_I (independent z_O) followed by n pairs of independent
// codes (for AC-DCGAN: two different identities): 4n codes of d_I + d_O values, row-major, drawn as IdentityCodes
// and RandomCodes draw them (for SD-GAN, SD-GAN's prior U(−1, 1)). The verifier figures of sdgan eval and of
// training's evaluation are measured on such pairs (eval.SplitPairs cuts the images back into pairs).
func PairCodes(rng *rand.Rand, g Generator, cfg Config, n int) []float32 {
	z := make([]float32, 0, 4*n*cfg.Z())
	for range n { // same z_I
		zi, _ := IdentityCodes(rng, g, cfg, 1)
		zo := Uniform(rng, 2, cfg.DO)
		z = append(append(append(append(z, zi[0]...), zo[0]...), zi[0]...), zo[1]...)
	}
	for range n { // independent codes
		codes, _ := RandomCodes(rng, g, cfg, 2)
		z = append(append(z, codes[0]...), codes[1]...)
	}
	return z
}

// Truncate scales, in place, the z_I part of every code in z (row-major codes of cfg.Z() values) by psiI and its
// z_O part by psiO: the truncation trick (BigGAN's, StyleGAN's ψ) for SD-GAN's prior, whose mean is 0. ψ < 1 draws
// nearer the prior's centre, trading variety for typical samples; ψ = 1 leaves a part as it is. It panics if
// len(z) is not a multiple of cfg.Z().
func Truncate(z []float32, cfg Config, psiI, psiO float32) {
	d := cfg.Z()
	if len(z)%d != 0 {
		panic(fmt.Sprintf("model: truncate: %d values are not codes of %d", len(z), d))
	}
	for at := 0; at < len(z); at += d {
		scale(z[at:at+cfg.DI], psiI)
		scale(z[at+cfg.DI:at+d], psiO)
	}
}

// TruncateEach scales every code of codes (all z_I or all z_O) by psi in place, as Truncate does to one part.
func TruncateEach(codes [][]float32, psi float32) {
	for _, c := range codes {
		scale(c, psi)
	}
}

// scale multiplies v by psi in place.
func scale(v []float32, psi float32) {
	if psi == 1 {
		return
	}
	for i := range v {
		v[i] *= psi
	}
}
