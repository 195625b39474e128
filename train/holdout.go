package train

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"sdgan/data"
	"sdgan/verify"
)

// Identities kept out of training (--hold-out-from V, --hold-out N), so that projection (sdgan project, sdgan eval
// project) can be measured on identities the generator never saw. The names are resolved once, when a new run
// starts, and stored in Options.HoldOut: config.json and every checkpoint keep them, so a resumed run leaves out
// exactly the same identities whatever happened to the verifier file since, and eval project reads them back.
// Checkpoints written before the option have none: they trained on every identity.

// resolveHoldOut fills o.HoldOut for a new run from o.HoldOutFrom (the verifier's held-out identities) or
// o.HoldOutCount (that many identities of ds, drawn as the verifier draws its own: data.Split with the run's
// seed). A resumed run's options already hold the names and are returned unchanged.
func resolveHoldOut(o Options, ds *data.Dataset) (Options, error) {
	if o.HoldOut != nil {
		return o, nil
	}
	switch {
	case o.HoldOutFrom != "":
		names, err := verify.HeldOutFrom(o.HoldOutFrom)
		if err != nil {
			return o, err
		}
		o.HoldOut = names
	case o.HoldOutCount > 0:
		if o.HoldOutCount >= len(ds.Identities) {
			return o, fmt.Errorf("--hold-out %d: --data %s has %d identities with at least k = %d images; want fewer held out, so that some remain to train on",
				o.HoldOutCount, o.Data, len(ds.Identities), o.Model.K)
		}
		_, test, err := ds.Split(o.HoldOutCount, o.Seed)
		if err != nil {
			return o, fmt.Errorf("--hold-out: %w", err)
		}
		for _, id := range test.Identities {
			o.HoldOut = append(o.HoldOut, id.Name)
		}
	default:
		return o, nil
	}
	sort.Strings(o.HoldOut)
	return o, nil
}

// holdOut returns ds without the identities o.HoldOut names, warning on w about names that ds lacks (an identity
// with fewer than k images is not in ds). It fails when none of the names is in ds: the hold-out was meant for
// other data.
func holdOut(o Options, ds *data.Dataset, w io.Writer) (*data.Dataset, error) {
	if len(o.HoldOut) == 0 {
		return ds, nil
	}
	held := map[string]bool{}
	for _, n := range o.HoldOut {
		held[n] = true
	}
	found := map[string]bool{}
	kept := ds.Subset(func(name string) bool {
		if held[name] {
			found[name] = true
			return false
		}
		return true
	})
	var missing []string
	for _, n := range o.HoldOut {
		if !found[n] {
			missing = append(missing, n)
		}
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("holding out %d identities (%s): none of them is in --data %s; the held-out identities must come from the training data",
			len(o.HoldOut), holdOutSource(o), o.Data)
	case len(kept.Identities) < 2:
		return nil, fmt.Errorf("holding out %d identities (%s) leaves %d of --data %s to train on; want at least 2",
			len(found), holdOutSource(o), len(kept.Identities), o.Data)
	case len(missing) > 0 && w != nil:
		fmt.Fprintf(w, "warning: %d of the %d held-out identities are not among the usable identities of %s (fewer than k = %d images, or absent): %s\n",
			len(missing), len(o.HoldOut), o.Data, o.Model.K, strings.Join(missing, ", "))
	}
	return kept, nil
}

// holdOutSource says where the held-out identities came from, for messages.
func holdOutSource(o Options) string {
	switch {
	case o.HoldOutFrom != "":
		return "the held-out identities of the verifier " + o.HoldOutFrom
	case o.HoldOutCount > 0:
		return fmt.Sprintf("--hold-out %d", o.HoldOutCount)
	}
	return "hold_out of the run's options"
}
