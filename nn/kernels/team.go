package kernels

import (
	"runtime"
	"sync/atomic"
	"time"
)

// The team: goroutines that stay, and spin for a while after each part they
// run, to take the next part at once.
//
// A goroutine started per part (sync.WaitGroup.Go) found an idle core only
// after the runtime woke a parked thread for it: 50–60 µs on the 2-core
// virtual machines this project is measured on (BENCHMARKS.md), against a
// few hundred µs to a few ms for a part. A training step forks a few hundred
// times, so the wake-ups cost it several percent. A team member that spins
// takes a part in under a microsecond, as OpenMP's threads do after a
// parallel region (PyTorch's CPU kernels run on those).
//
// Spinning is bounded: a member that gets no part for teamSpin parks until
// the next one, and while it spins it yields its core (runtime.Gosched) to
// any other goroutine that is ready. Which goroutine runs a part never
// changes the result: the cut into parts is the caller's.

// teamSpin is how long a team member spins for the next part before it
// parks.
const teamSpin = 500 * time.Microsecond

// teamMember is one goroutine of the team. A caller claims it (busy), stores
// the part, and hands it over by bumping seq; the member sets done to that
// seq when the part has run.
type teamMember struct {
	busy     atomic.Bool
	seq      atomic.Uint64
	done     atomic.Uint64
	sleeping atomic.Bool
	wake     chan struct{}

	fn         func(part, a, b int)
	part, a, b int
}

// team is the process's team: GOMAXPROCS − 1 members, as GOMAXPROCS was when
// the package was initialised. They start with the program, not at the first
// parallel call, so that a test that counts goroutines before and after some
// work does not count them as leaked. Parked, each costs a goroutine's stack.
var team = startTeam(runtime.GOMAXPROCS(0) - 1)

// startTeam starts n members (none for n ≤ 0).
func startTeam(n int) []*teamMember {
	members := make([]*teamMember, max(0, n))
	for i := range members {
		m := &teamMember{wake: make(chan struct{}, 1)}
		members[i] = m
		go m.loop()
	}
	return members
}

// loop runs the parts handed to m, spinning for teamSpin after each before
// it parks.
func (m *teamMember) loop() {
	var seen uint64
	for {
		idle := time.Now()
		for m.seq.Load() == seen {
			if time.Since(idle) < teamSpin {
				runtime.Gosched()
				continue
			}
			m.sleeping.Store(true)
			if m.seq.Load() == seen { // a caller that bumped seq before this saw sleeping false
				<-m.wake
			}
			m.sleeping.Store(false)
			idle = time.Now()
		}
		seen = m.seq.Load()
		fn := m.fn
		m.fn = nil // the closure may hold large buffers
		fn(m.part, m.a, m.b)
		m.done.Store(seen)
	}
}

// claim returns a member of the team that was free and is now the caller's,
// or nil when all are busy (a part running inside another part).
func claim(members []*teamMember) *teamMember {
	for _, m := range members {
		if !m.busy.Load() && m.busy.CompareAndSwap(false, true) {
			return m
		}
	}
	return nil
}

// start hands m the part fn(part, a, b) and returns the ticket that wait
// waits for.
func (m *teamMember) start(fn func(part, a, b int), part, a, b int) uint64 {
	m.fn, m.part, m.a, m.b = fn, part, a, b
	s := m.seq.Add(1)
	if m.sleeping.Load() {
		select {
		case m.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return s
}

// wait returns when m has run the part of ticket s, and frees m. It spins
// for teamSpin, then polls every teamPoll, parked in between: a part that
// runs long does not keep a core busy with waiting, and the caller's core
// can take the goroutines such a part starts (a forParts inside it, the team
// being busy), which a spinning caller would leave queued behind m.
func (m *teamMember) wait(s uint64) {
	start := time.Now()
	for m.done.Load() != s {
		if time.Since(start) < teamSpin {
			runtime.Gosched()
			continue
		}
		time.Sleep(teamPoll)
	}
	m.busy.Store(false)
}

// teamPoll is how often wait looks again once it has spun for teamSpin.
const teamPoll = 20 * time.Microsecond
