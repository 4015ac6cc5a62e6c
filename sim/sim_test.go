package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/sim"
)

func TestEventsRunInTimeThenScheduleOrder(t *testing.T) {
	s := sim.New(1)
	var got []string
	s.Schedule(20, func() { got = append(got, "b@20") })
	s.Schedule(10, func() { got = append(got, "a@10") })
	s.Schedule(20, func() { got = append(got, "c@20") })
	s.Schedule(5, func() {
		got = append(got, "x@5")
		s.After(15, func() { got = append(got, "d@20") })
	})
	require.Equal(t, "idle", s.Run(sim.Forever))
	require.Equal(t, []string{"x@5", "a@10", "b@20", "c@20", "d@20"}, got)
	require.EqualValues(t, 20, s.Now())
}

func TestRunStopsAtUntilAndResumes(t *testing.T) {
	s := sim.New(1)
	n := 0
	var tick func()
	tick = func() { n++; s.After(sim.Second, tick) }
	s.Schedule(0, tick)
	require.Equal(t, "until", s.Run(2500*sim.Millisecond))
	require.Equal(t, 3, n)
	require.Equal(t, 2500*sim.Millisecond, s.Now())
	s.Run(4 * sim.Second)
	require.Equal(t, 5, n)
}

func TestProcessesSleepAndInterleaveDeterministically(t *testing.T) {
	trace := func() []string {
		s := sim.New(1)
		var got []string
		for _, name := range []string{"a", "b"} {
			s.Spawn(name, func(p *sim.Proc) {
				for i := 0; i < 3; i++ {
					got = append(got, p.Name()+sim.FormatTime(p.Sim().Now()))
					if p.Name() == "a" {
						p.Sleep(2 * sim.Millisecond)
					} else {
						p.Sleep(3 * sim.Millisecond)
					}
				}
			})
		}
		s.Run(sim.Forever)
		return got
	}
	first := trace()
	require.Equal(t, []string{"a0.000000s", "b0.000000s", "a0.002000s", "b0.003000s", "a0.004000s", "b0.006000s"}, first)
	for i := 0; i < 20; i++ {
		require.Equal(t, first, trace())
	}
}

func TestParkWakeAndEarlyWake(t *testing.T) {
	s := sim.New(1)
	var p1 *sim.Proc
	woke := 0
	p1 = s.Spawn("waiter", func(p *sim.Proc) {
		p.Park()
		woke++
		p.Park() // a Wake that arrived while running makes this return at once
		woke++
	})
	s.Schedule(10, func() { p1.Wake() })
	s.Spawn("waker", func(p *sim.Proc) {
		p.Sleep(20)
		p1.Wake()
		p1.Wake() // idempotent
	})
	s.Run(sim.Forever)
	require.Equal(t, 2, woke)
	require.True(t, p1.Done())
}

func TestShutdownUnwindsParkedProcesses(t *testing.T) {
	s := sim.New(1)
	cleaned := false
	s.Spawn("forever", func(p *sim.Proc) {
		defer func() { cleaned = true }()
		for {
			p.Sleep(sim.Second)
		}
	})
	s.Run(3 * sim.Second)
	s.Shutdown()
	require.True(t, cleaned)
}

func TestPanickingProcessIsContained(t *testing.T) {
	s := sim.New(1)
	p := s.Spawn("bad", func(p *sim.Proc) { panic("boom") })
	s.Run(sim.Forever)
	require.True(t, p.Done())
	require.Equal(t, "boom", p.Panic)
}

func TestRandIsSeededAndPerName(t *testing.T) {
	a := sim.New(7).Rand("x").Uint64()
	require.Equal(t, a, sim.New(7).Rand("x").Uint64())
	require.NotEqual(t, a, sim.New(8).Rand("x").Uint64())
	require.NotEqual(t, a, sim.New(7).Rand("y").Uint64())
}

func TestStop(t *testing.T) {
	s := sim.New(1)
	s.Schedule(5, func() { s.Stop("enough") })
	s.Schedule(6, func() { t.Fatal("ran after Stop") })
	require.Equal(t, "enough", s.Run(sim.Forever))
}

func BenchmarkProcessSwitch(b *testing.B) {
	s := sim.New(1)
	s.Spawn("sleeper", func(p *sim.Proc) {
		for i := 0; i < b.N; i++ {
			p.Sleep(1)
		}
	})
	b.ResetTimer()
	s.Run(sim.Forever)
}
