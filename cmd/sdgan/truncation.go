package main

import (
	"flag"
	"fmt"

	"sdgan/model"
)

// truncation is the --psi-i/--psi-o pair of generate and eval: how far random codes are pulled towards the
// prior's centre (model.Truncate). Codes a user gives (--latents, --identity) are never truncated.
type truncation struct{ psiI, psiO float64 }

func (t *truncation) addFlags(fs *flag.FlagSet) {
	fs.Float64Var(&t.psiI, "psi-i", 1, "truncation of random identity codes z_I: scale them by ψ in (0, 1] towards the prior's centre (1 = none; less variety between identities, more typical ones)")
	fs.Float64Var(&t.psiO, "psi-o", 1, "truncation of random observation codes z_O: scale them by ψ in (0, 1] (1 = none; less variety within an identity, each row keeps its identity more: QUALITY.md measures the trade)")
}

// check refuses a ψ outside (0, 1].
func (t truncation) check() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"--psi-i", t.psiI}, {"--psi-o", t.psiO}} {
		if !(f.v > 0 && f.v <= 1) {
			return usagef("%s %g: want a value in (0, 1] (1 = no truncation)", f.name, f.v)
		}
	}
	return nil
}

// checkModel refuses --psi-i for an AC-DCGAN, whose identity codes are rows of its label table, not prior draws.
func (t truncation) checkModel(cfg model.Config) error {
	if t.psiI != 1 && cfg.Arch == model.ACGAN {
		return usagef("--psi-i %g: an AC-DCGAN's identity codes are its label table's rows, not draws from a prior; only --psi-o applies", t.psiI)
	}
	return nil
}

// on says whether t changes any code.
func (t truncation) on() bool { return t.psiI != 1 || t.psiO != 1 }

// apply truncates the codes z (row-major codes of cfg.Z() values) in place.
func (t truncation) apply(z []float32, cfg model.Config) {
	model.Truncate(z, cfg, float32(t.psiI), float32(t.psiO))
}

// identities truncates random identity codes in place.
func (t truncation) identities(zi [][]float32) { model.TruncateEach(zi, float32(t.psiI)) }

// observations truncates random observation codes in place.
func (t truncation) observations(zo [][]float32) { model.TruncateEach(zo, float32(t.psiO)) }

func (t truncation) String() string { return fmt.Sprintf("ψ_I %g, ψ_O %g", t.psiI, t.psiO) }
