package sim

import "time"

// The simulation meets the host (the wall clock, goroutines serving a REST
// client) only here, and only between two events: nothing outside Run ever
// touches the queue or a process.
//
// Host input is a channel that goroutines outside the simulation signal
// (without blocking: a buffered channel of one, as a doorbell) when they
// have left work for it somewhere safe, such as a mutex-guarded queue.
// Between two events Run takes the signal and calls the host function on
// its own thread at the current virtual time; that function typically wakes
// the process that will take the work. The work itself is then done by a
// process at one of its own scheduling points, like any other event.
//
// So a run in which the channel is never signalled executes exactly the
// same events, in the same order and at the same virtual times, as a run
// without host input: the trace is the same. Only its end differs: a
// simulation with host input never ends as "idle", since the host may still
// call; when nothing is scheduled before the end of the run it waits for the
// host on the wall clock, and virtual time follows the wall clock meanwhile
// (after the wait, or at the moment a signal arrives), so a run bounded by
// an end time still ends there.

// SetRealtime paces virtual time to the wall clock: virtual time t is not
// reached before the wall-clock instant start+t (for people watching LEDs
// blink, and for REST clients). Unlike SetPacer's function, a wait for the
// wall clock ends early when host input arrives; the clock then moves to
// the virtual time matching the wall clock, never past the next event.
func (s *Sim) SetRealtime(start time.Time) {
	s.realtime = true
	s.wallStart = start
}

// SetHostInput makes Run watch ch (see the comment above): each signal runs
// fn on the scheduler, at the current virtual time, between two events.
// Setting it again replaces the function; a nil ch turns host input off.
func (s *Sim) SetHostInput(ch <-chan struct{}, fn func()) {
	s.hostCh, s.hostFn = ch, fn
	if ch == nil {
		s.hostFn = nil
	}
}

// takeHost runs the host function if the host signalled, without waiting.
func (s *Sim) takeHost() bool {
	select {
	case <-s.hostCh:
		s.hostFn()
		return true
	default:
		return false
	}
}

// waitWall waits on the wall clock until virtual time t is due, or until
// host input arrives. Paced (SetRealtime), t is due at wallStart+t;
// otherwise it is due after t-now of wall time (used only when nothing is
// scheduled before t, so an idle simulation lets the host catch up). On
// host input the clock moves to the virtual time the wall clock has
// reached (between now and t), the host function runs, and waitWall
// reports true.
func (s *Sim) waitWall(t int64) bool {
	if t <= s.now {
		return false
	}
	began := time.Now()
	var d time.Duration
	if s.realtime {
		d = s.wallStart.Add(time.Duration(t)).Sub(began)
	} else {
		d = time.Duration(t - s.now)
	}
	if d <= 0 {
		return false
	}
	if s.hostCh == nil {
		time.Sleep(d)
		return false
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-s.hostCh:
		v := s.now + int64(time.Since(began))
		if s.realtime {
			v = int64(time.Since(s.wallStart))
		}
		s.now = min(max(v, s.now), t)
		s.hostFn()
		return true
	case <-timer.C:
		return false
	}
}
