package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/sim"
)

// world runs two sleeping processes and records what they see.
func world(host bool) (got []string, why string, end int64) {
	s := sim.New(7)
	for _, name := range []string{"a", "b"} {
		s.Spawn(name, func(p *sim.Proc) {
			for i := 0; i < 4; i++ {
				got = append(got, p.Name()+sim.FormatTime(p.Sim().Now()))
				p.Sleep(int64(len(got)) * sim.Microsecond)
			}
		})
	}
	if host {
		s.SetHostInput(make(chan struct{}, 1), func() { got = append(got, "host") })
	}
	why = s.Run(2 * sim.Millisecond)
	return got, why, s.Now()
}

// Host input that never signals changes nothing but the end of the run: the
// same events in the same order, and "until" (after a wall-clock wait for
// the host) instead of "idle".
func TestHostInputWithoutSignalsKeepsTheRun(t *testing.T) {
	plain, why, _ := world(false)
	require.Equal(t, "idle", why)
	began := time.Now()
	hosted, why, end := world(true)
	require.Equal(t, plain, hosted)
	require.Equal(t, "until", why)
	require.Equal(t, 2*sim.Millisecond, end)
	require.GreaterOrEqual(t, time.Since(began), time.Millisecond, "the idle simulation waited for the host")
}

// An idle simulation with host input waits on the wall clock; a signal runs
// the host function between events, with virtual time caught up to the wall
// clock (but never past the end of the run).
func TestHostSignalWakesAnIdleSimulation(t *testing.T) {
	s := sim.New(1)
	ch := make(chan struct{}, 1)
	var at []int64
	s.SetHostInput(ch, func() {
		at = append(at, s.Now())
		if len(at) == 2 {
			s.Stop("served")
		}
	})
	s.Spawn("kernel", func(p *sim.Proc) {
		for {
			p.Park()
		}
	})
	go func() {
		time.Sleep(20 * time.Millisecond)
		ch <- struct{}{}
		time.Sleep(20 * time.Millisecond)
		ch <- struct{}{}
	}()
	require.Equal(t, "served", s.Run(time.Hour.Nanoseconds()))
	require.Len(t, at, 2)
	require.Greater(t, at[0], int64(0), "virtual time followed the wall clock while idle")
	require.Greater(t, at[1], at[0])
	require.Less(t, at[1], int64(10*time.Second), "it did not jump to the end")
}

// Paced to the wall clock, a signal during the wait for the next event is
// served at once, at a virtual time before that event; events keep their order.
func TestHostSignalInterruptsTheRealtimeWait(t *testing.T) {
	s := sim.New(1)
	ch := make(chan struct{}, 1)
	var got []string
	s.Schedule(0, func() { got = append(got, "e0") })
	s.Schedule(200*sim.Millisecond, func() { got = append(got, "e200") })
	var hostAt int64 = -1
	s.SetHostInput(ch, func() { got = append(got, "host"); hostAt = s.Now() })
	s.SetRealtime(time.Now())
	go func() {
		time.Sleep(30 * time.Millisecond)
		ch <- struct{}{}
	}()
	began := time.Now()
	require.Equal(t, "until", s.Run(250*sim.Millisecond))
	require.Equal(t, []string{"e0", "host", "e200"}, got)
	require.Greater(t, hostAt, int64(0))
	require.Less(t, hostAt, 200*sim.Millisecond)
	require.GreaterOrEqual(t, time.Since(began), 240*time.Millisecond, "paced to the wall clock")
	require.Equal(t, 250*sim.Millisecond, s.Now())
}

// The host function may stop the run.
func TestHostStopsTheRun(t *testing.T) {
	s := sim.New(1)
	ch := make(chan struct{}, 1)
	ch <- struct{}{}
	n := 0
	var tick func()
	tick = func() { n++; s.After(sim.Millisecond, tick) }
	s.Schedule(0, tick)
	s.SetHostInput(ch, func() { s.Stop("interrupted") })
	require.Equal(t, "interrupted", s.Run(sim.Forever))
	require.Equal(t, 0, n, "the signal was taken before the first event")
}
