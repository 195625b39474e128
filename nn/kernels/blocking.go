package kernels

import (
	"fmt"
	"strconv"
	"strings"
)

// Blocking is the cache blocking of the GEMM around its micro-kernel (Goto and van de Geijn): a packed block of A
// holds MC rows (sized for L2), a packed panel is KC deep, and a packed block of B holds NC columns (sized for
// what the threads can keep in cache together).
//
// MC and NC change only which products a thread computes when, not the order in which a value of C sums its
// products, so they change no bits; KC sets where a value's sum is cut into blocks, so it does. That is why the
// blocking chosen for a core (DefaultBlocking) differs from core to core in MC and NC only: the same seed trains
// the same weights on every core with the same instruction set.
type Blocking struct{ MC, KC, NC int }

// String writes "mc 140 kc 512 nc 4096".
func (b Blocking) String() string { return fmt.Sprintf("mc %d kc %d nc %d", b.MC, b.KC, b.NC) }

// ParseBlocking reads "MC,KC,NC" (as `sdgan bench --blocking` takes it).
func ParseBlocking(s string) (Blocking, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Blocking{}, fmt.Errorf("blocking %q: want MC,KC,NC, three integers", s)
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return Blocking{}, fmt.Errorf("blocking %q: %q is not an integer", s, p)
		}
		v[i] = n
	}
	return Blocking{MC: v[0], KC: v[1], NC: v[2]}, nil
}

// maxBlockFloats bounds MC·KC and KC·NC, the packed blocks' sizes: 64 MiB each.
const maxBlockFloats = 1 << 24

// check reports whether kern can run with b: positive sizes, MC a multiple of its tile's rows and NC of its
// columns, and packed blocks of at most maxBlockFloats values.
func (b Blocking) check(kern *microKernel) error {
	switch {
	case b.MC < kern.mr || b.MC%kern.mr != 0:
		return fmt.Errorf("mc %d: want a positive multiple of the %s micro-kernel's %d rows", b.MC, kern.name, kern.mr)
	case b.NC < kern.nr || b.NC%kern.nr != 0:
		return fmt.Errorf("nc %d: want a positive multiple of the %s micro-kernel's %d columns", b.NC, kern.name, kern.nr)
	case b.KC < 1:
		return fmt.Errorf("kc %d: want ≥ 1", b.KC)
	case b.MC*b.KC > maxBlockFloats || b.KC*b.NC > maxBlockFloats:
		return fmt.Errorf("%v: a packed block of mc·kc or kc·nc values may hold at most %d", b, maxBlockFloats)
	}
	return nil
}

// blocking returns kern's blocking.
func (kern *microKernel) blocking() Blocking { return Blocking{MC: kern.mc, KC: kern.kc, NC: kern.nc} }

// SetBlocking makes the active GEMM micro-kernel use b until restore is called: for benchmarks that compare
// blockings on one machine (`sdgan bench --blocking`). It must not be called while kernels run. It returns an
// error, changing nothing, when the micro-kernel cannot use b.
func SetBlocking(b Blocking) (restore func(), err error) {
	kern := activeKernel
	if err := b.check(kern); err != nil {
		return nil, err
	}
	old := kern.blocking()
	kern.mc, kern.kc, kern.nc = b.MC, b.KC, b.NC
	return func() { kern.mc, kern.kc, kern.nc = old.MC, old.KC, old.NC }, nil
}

// tuneForCore sets the AVX-512 micro-kernels' blocking for the core ThisCPU names (Core). Zen 5, with two 512-bit
// FMA pipes, packs B in blocks of 1024 columns instead of 4096: 4096³ ran 3–10% faster in fp32 and 7–16% in bf16
// there (BENCHMARKS.md, "Zen 5"), the training steps the same (their products are narrower than either). Other
// cores keep the blocking chosen on Zen 4 until measured; `sdgan bench --blocking` is the way to measure one.
// Only NC changes, so no bits do (see Blocking).
func tuneForCore(core string, fp32, bf16 *microKernel) {
	if core != "zen5" {
		return
	}
	for _, k := range []*microKernel{fp32, bf16} {
		if k != nil {
			k.nc = 32 * 32
		}
	}
}
