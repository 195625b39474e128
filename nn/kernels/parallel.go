package kernels

import (
	"runtime"
	"sync"
)

// The goroutine splitters, the one place where kernels hand work to other
// goroutines (the team's, team.go, or their own). Both cut the work by its
// size alone (never by timing), so that a kernel whose result depends on the
// cut (partial sums added at the end) is deterministic.

// forParts cuts [r0, r1) into parts near-equal ranges, part w being
// [r0 + n·w/parts, r0 + n·(w+1)/parts) for n = r1 − r0, and runs fn on each:
// part 0 on the calling goroutine and the others on the team's goroutines
// (team.go), or all in turn when GOMAXPROCS is 1. It returns when every part
// is done.
func forParts(r0, r1, parts int, fn func(part, a, b int)) {
	n := r1 - r0
	if parts <= 1 {
		fn(0, r0, r1)
		return
	}
	if runtime.GOMAXPROCS(0) == 1 {
		for w := range parts {
			fn(w, r0+n*w/parts, r0+n*(w+1)/parts)
		}
		return
	}
	// Parts 1.. go to free members of the team (team.go), or, when all are
	// busy, to goroutines of their own.
	var (
		wg      *sync.WaitGroup // made only when a part needs a goroutine of its own
		members [maxTeamParts]*teamMember
		tickets [maxTeamParts]uint64
	)
	for w := 1; w < parts; w++ {
		a, b := r0+n*w/parts, r0+n*(w+1)/parts
		if w < maxTeamParts {
			if m := claim(team); m != nil {
				members[w], tickets[w] = m, m.start(fn, w, a, b)
				continue
			}
		}
		if wg == nil {
			wg = new(sync.WaitGroup)
		}
		wg.Go(func() { fn(w, a, b) })
	}
	fn(0, r0, r0+n/parts)
	for w := 1; w < min(parts, maxTeamParts); w++ {
		if m := members[w]; m != nil {
			m.wait(tickets[w])
		}
	}
	if wg != nil {
		wg.Wait()
	}
}

// maxTeamParts bounds the parts of one forParts call that go to the team
// (the rest get goroutines of their own): the size of its arrays on the
// stack.
const maxTeamParts = 64

// forRows splits [r0, r1) into up to workers ranges (no more than there are
// rows) and runs fn on each in parallel (forParts): the convolutions'
// splitter, which take workers from GOMAXPROCS.
func forRows(r0, r1, workers int, fn func(part, a, b int)) { forParts(r0, r1, min(workers, r1-r0), fn) }

// parallelMin is the fewest values for which an elementwise pass is split in
// two.
const parallelMin = 1 << 16

// parallelRows runs fn over rows of cols values each: in one part, or, from
// parallelMin values and two rows on, in two halves of whole rows (part 0
// [0, rows/2), part 1 the rest), on two goroutines when there is more than
// one core. The cut depends on rows alone, not on the number of cores, so
// that passes which add partial sums per part give the same bits everywhere.
func parallelRows(rows, cols int, fn func(part, r0, r1 int)) {
	if rows < 2 || rows*cols < parallelMin {
		fn(0, 0, rows)
		return
	}
	forParts(0, rows, 2, fn)
}

// parallel is parallelRows over single values.
func parallel(n int, fn func(part, lo, hi int)) { parallelRows(n, 1, fn) }
