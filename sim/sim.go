// Package sim is sphere-emu's deterministic simulation kernel: a virtual clock,
// an event queue ordered by (time, sequence), cooperative processes that run
// one at a time, and randomness derived from a seed.
//
// Every trust domain runs as a Proc. Only one Proc runs at any moment and
// control passes only at explicit blocking points (Park, Sleep), so the same
// inputs and seed always give the same interleaving, and the same trace.
package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"time"
)

// Time units, in virtual nanoseconds.
const (
	Nanosecond  int64 = 1
	Microsecond       = 1000 * Nanosecond
	Millisecond       = 1000 * Microsecond
	Second            = 1000 * Millisecond
)

// Forever is a time after every event.
const Forever int64 = 1<<63 - 1

// Sim is one simulated world: a clock, an event queue and its processes.
// A Sim is not safe for concurrent use; it is driven by one goroutine calling
// Run, and its processes run only while Run is executing.
type Sim struct {
	now     int64
	seq     uint64
	queue   eventQueue
	seed    uint64
	stopped bool
	reason  string
	procs   []*Proc
	current *Proc
	pacer   func(t int64)
	onPanic func(p *Proc, v any)
	// Wall-clock pacing and host input (host.go).
	realtime  bool
	wallStart time.Time
	hostCh    <-chan struct{}
	hostFn    func()
}

type event struct {
	t   int64
	seq uint64
	fn  func()
	p   *Proc // resume p instead of calling fn
}

// New returns a world at time zero whose randomness derives from seed.
func New(seed uint64) *Sim {
	return &Sim{seed: seed}
}

// Now returns the current virtual time in nanoseconds.
func (s *Sim) Now() int64 { return s.now }

// Seed returns the seed the world was created with.
func (s *Sim) Seed() uint64 { return s.seed }

// Rand returns a deterministic random stream for the named consumer: the same
// seed and name always give the same stream, and different names give
// independent streams.
func (s *Sim) Rand(name string) *rand.ChaCha8 {
	var in [8]byte
	binary.LittleEndian.PutUint64(in[:], s.seed)
	h := sha256.New()
	h.Write([]byte("sphere-emu/sim/rand\x00"))
	h.Write(in[:])
	h.Write([]byte(name))
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return rand.NewChaCha8(key)
}

// Schedule runs fn on the scheduler at virtual time at (or now, if at is in the past).
func (s *Sim) Schedule(at int64, fn func()) {
	s.push(event{t: at, fn: fn})
}

// After runs fn on the scheduler d nanoseconds from now.
func (s *Sim) After(d int64, fn func()) { s.Schedule(s.now+d, fn) }

func (s *Sim) push(e event) {
	if e.t < s.now {
		e.t = s.now
	}
	s.seq++
	e.seq = s.seq
	s.queue.push(e)
}

// SetPacer installs a function called before the clock advances to t; it
// may sleep to pace virtual time to the wall clock (for people watching).
// Tests never set one.
func (s *Sim) SetPacer(f func(t int64)) { s.pacer = f }

// OnPanic installs a function called when a process body panics; the
// panic is contained either way (see Proc.Panic).
func (s *Sim) OnPanic(f func(p *Proc, v any)) { s.onPanic = f }

// Stop makes Run return after the current event, with reason.
func (s *Sim) Stop(reason string) {
	if !s.stopped {
		s.stopped = true
		s.reason = reason
	}
}

// Stopped reports whether Stop was called, and why.
func (s *Sim) Stopped() (bool, string) { return s.stopped, s.reason }

// Run processes events in order until the queue is empty, the next event lies
// after until, or Stop is called. When it stops for until, the clock is set to
// until. It reports why it returned: "idle", "until" or the Stop reason.
//
// With host input (SetHostInput) Run never returns "idle": when nothing is
// scheduled before until it waits for the host on the wall clock, and
// returns "until" once that much time has passed (see host.go).
func (s *Sim) Run(until int64) string {
	for !s.stopped {
		if s.hostCh != nil && s.takeHost() {
			continue
		}
		if s.queue.len() == 0 && s.hostCh == nil {
			return "idle"
		}
		if s.queue.len() == 0 || s.queue.min().t > until {
			if s.hostCh != nil && s.waitWall(until) {
				continue // the host came first: its work is at an earlier time
			}
			if s.now < until {
				s.now = until
			}
			return "until"
		}
		if t := s.queue.min().t; t > s.now {
			switch {
			case s.realtime:
				if s.waitWall(t) {
					continue
				}
			case s.pacer != nil:
				s.pacer(t)
			}
		}
		e := s.queue.pop()
		s.now = e.t
		if e.p != nil {
			e.p.resume()
		} else {
			e.fn()
		}
	}
	return s.reason
}

// NextEvent reports the time of the earliest scheduled event, and whether
// there is one (a process deciding whether the world would otherwise go
// idle).
func (s *Sim) NextEvent() (int64, bool) {
	if s.queue.len() == 0 {
		return 0, false
	}
	return s.queue.min().t, true
}

// Shutdown kills every process that has not finished, unwinding its stack.
func (s *Sim) Shutdown() {
	for _, p := range s.procs {
		p.kill()
	}
	s.procs = nil
}

// Current returns the process that is running now, or nil on the scheduler.
func (s *Sim) Current() *Proc { return s.current }

// ErrKilled is the panic value that unwinds a process killed by Shutdown.
var ErrKilled = errors.New("sim: process killed")

// Proc is a cooperative process: it runs until it blocks in Park or Sleep,
// and resumes when woken. Its body runs on its own goroutine stack, but
// never at the same time as the scheduler or another Proc.
type Proc struct {
	sim    *Sim
	name   string
	next   func() (struct{}, bool)
	stop   func()
	yield  func(struct{}) bool
	parked bool
	woken  bool
	queued bool
	done   bool
	killed bool
	wakeFn func()
	// Panic holds a panic raised by the body (other than ErrKilled), so a
	// crashing domain is reported instead of tearing down the host.
	Panic any
}

// Spawn creates a process that starts running body at the current time.
func (s *Sim) Spawn(name string, body func(p *Proc)) *Proc {
	p := &Proc{sim: s, name: name}
	p.wakeFn = p.Wake
	p.next, p.stop = iter.Pull(func(yield func(struct{}) bool) {
		p.yield = yield
		defer func() {
			p.done = true
			if r := recover(); r != nil && r != ErrKilled {
				p.Panic = r
				if s.onPanic != nil {
					s.onPanic(p, r)
				}
			}
		}()
		body(p)
	})
	s.procs = append(s.procs, p)
	p.queued = true
	s.push(event{t: s.now, p: p})
	return p
}

// Name returns the process name.
func (p *Proc) Name() string { return p.name }

// Sim returns the world the process lives in.
func (p *Proc) Sim() *Sim { return p.sim }

// Killed reports whether the process is being killed by Shutdown; code that
// catches panics (as wazero does for host functions) must re-panic ErrKilled.
func (p *Proc) Killed() bool { return p.killed }

// Done reports whether the body has returned.
func (p *Proc) Done() bool { return p.done }

func (p *Proc) resume() {
	p.queued = false
	if p.done {
		return
	}
	prev := p.sim.current
	p.sim.current = p
	p.parked = false
	p.next()
	p.sim.current = prev
}

// Park blocks the process until Wake is called. A Wake that arrived while the
// process was running makes the next Park return at once. Callers re-check
// their condition after Park returns.
func (p *Proc) Park() {
	if p.killed {
		panic(ErrKilled)
	}
	if p.woken {
		p.woken = false
		return
	}
	if p.sim.current != p {
		panic(fmt.Sprintf("sim: Park of %q called outside the process", p.name))
	}
	p.parked = true
	if !p.yield(struct{}{}) {
		p.killed = true
		panic(ErrKilled)
	}
	p.woken = false
	if p.killed {
		panic(ErrKilled)
	}
}

// Wake makes a parked process runnable at the current time. It is safe to
// call from the scheduler or from another process, any number of times.
func (p *Proc) Wake() {
	if p.done {
		return
	}
	if p.parked {
		if !p.queued {
			p.queued = true
			p.sim.push(event{t: p.sim.now, p: p})
		}
		return
	}
	p.woken = true
}

// WakeFunc returns p.Wake as a func value that is allocated once, for
// scheduling wake-ups without garbage.
func (p *Proc) WakeFunc() func() { return p.wakeFn }

// Sleep blocks the process for d virtual nanoseconds.
func (p *Proc) Sleep(d int64) {
	if d < 0 {
		d = 0
	}
	deadline := p.sim.now + d
	p.sim.Schedule(deadline, p.wakeFn)
	for p.sim.now < deadline {
		p.Park()
	}
}

// Yield lets every other event scheduled for the current time run first.
func (p *Proc) Yield() { p.Sleep(0) }

func (p *Proc) kill() {
	if p.done {
		return
	}
	p.killed = true
	p.stop()
}

// FormatTime renders a virtual time as seconds with microsecond precision, e.g. "1.000250s".
func FormatTime(t int64) string {
	return fmt.Sprintf("%d.%06ds", t/Second, (t%Second)/Microsecond)
}

// Duration converts a virtual time span to a time.Duration.
func Duration(t int64) time.Duration { return time.Duration(t) }
