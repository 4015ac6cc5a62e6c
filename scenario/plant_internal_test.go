package scenario

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const sec = int64(time.Second)

func TestThermalPlantMath(t *testing.T) {
	p := thermalPlant{ambient: 20, heatRate: 0.5, coolRate: 0.004}
	// Heating from 20 °C for 10 s: T = Teq + (T0 − Teq)·e^(−k·t), Teq = 20 + 0.5/0.004 = 145 °C.
	want := 145 + (20-145)*math.Exp(-0.04)
	require.InDelta(t, want, p.evolve(20, true, 10*sec), 1e-12)
	require.InDelta(t, 24.901, p.evolve(20, true, 10*sec), 1e-3, "about 0.49 °C/s at first")
	// Cooling from 60 °C for 10 s toward 20 °C: 40·e^(−0.04) above ambient.
	require.InDelta(t, 20+40*math.Exp(-0.04), p.evolve(60, false, 10*sec), 1e-12)
	// At ambient with the heater off nothing changes; no time, no change.
	require.Equal(t, 20.0, p.evolve(20, false, 100*sec))
	require.Equal(t, 42.0, p.evolve(42, true, 0))
	// The exact solution composes: two half steps are one step.
	one := p.evolve(33, true, 7*sec)
	two := p.evolve(p.evolve(33, true, 3*sec), true, 4*sec)
	require.InDelta(t, one, two, 1e-9)
	// Held on for long enough, the water settles at the equilibrium.
	require.InDelta(t, 145, p.evolve(20, true, 1_000_000*sec), 1e-6)

	// Without losses the heater adds heat_rate per second.
	lossless := thermalPlant{ambient: 20, heatRate: 1.5}
	require.InDelta(t, 35, lossless.evolve(20, true, 10*sec), 1e-12)
	require.Equal(t, 80.0, lossless.evolve(80, false, 10*sec))
	tiny := thermalPlant{ambient: 20, heatRate: 1, coolRate: 1e-320}
	require.InDelta(t, 30, tiny.evolve(20, true, 10*sec), 1e-9, "no NaN when heat_rate/cool_rate overflows")
}

func TestTankPlantMath(t *testing.T) {
	p := tankPlant{voltsFull: 2, start: 30, drain: 5}
	minute := int64(time.Minute)
	require.Equal(t, 30.0, p.level(30, 0))
	require.InDelta(t, 25, p.level(30, minute), 1e-12)
	require.InDelta(t, 27.5, p.level(30, minute/2), 1e-12)
	require.Equal(t, 0.0, p.level(30, 7*minute), "empty is empty")
	require.InDelta(t, 0.6, p.volts(30), 1e-12)
	require.InDelta(t, 2.0, p.volts(100), 1e-12)
	offset := tankPlant{voltsEmpty: 0.5, voltsFull: 2.5}
	require.InDelta(t, 1.5, offset.volts(50), 1e-12)
	require.InDelta(t, 0.5, offset.volts(0), 1e-12)
}

func TestOutputEnableRegisters(t *testing.T) {
	for _, tc := range []struct {
		pin  int
		addr uint32
		bit  uint
		ok   bool
	}{
		{0, 0x38010020, 0, true},
		{4, 0x38020020, 0, true},
		{15, 0x38040020, 3, true},
		{23, 0x38060020, 3, true},
		{41, 0x38000020, 0, true},
		{48, 0x38000020, 7, true},
		{24, 0, 0, false},
		{30, 0, 0, false},
		{60, 0, 0, false},
	} {
		addr, bit, ok := outputEnable(tc.pin)
		require.Equal(t, tc.ok, ok, "GPIO %d", tc.pin)
		if ok {
			require.Equal(t, tc.addr, addr, "GPIO %d", tc.pin)
			require.Equal(t, tc.bit, bit, "GPIO %d", tc.pin)
		}
	}
}
