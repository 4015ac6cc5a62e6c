package hw_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

func TestADCSampleScalesToTwelveBits(t *testing.T) {
	cases := []struct {
		volts, ref float64
		want       uint32
	}{
		{0, 2.5, 0},
		{1.25, 2.5, 2048}, // 2047.5 rounds away from zero
		{2.5, 2.5, 4095},
		{3.3, 2.5, 4095},
		{-0.5, 2.5, 0},
		{math.NaN(), 2.5, 0},
		{math.Inf(1), 2.5, 4095},
		{0.9, 1.8, 2048},
		{1.0, 2.75, 1489},
	}
	for _, tc := range cases {
		bn := newBench(t)
		a := bn.board.ADC
		require.NoError(t, a.SetReference(3, tc.ref))
		require.NoError(t, a.SetVoltage(3, tc.volts))
		got, err := a.Sample(3)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "%g V against %g V", tc.volts, tc.ref)
		e, ok := bn.rec.First("adc.sample")
		require.True(t, ok)
		require.Equal(t, "3", e.Str("ch"))
		require.EqualValues(t, got, e.Fields[1].Val)
	}
}

func TestADCSourceIsReadAtTheCurrentVirtualTime(t *testing.T) {
	bn := newBench(t)
	a := bn.board.ADC
	got, err := a.Sample(0)
	require.NoError(t, err)
	require.EqualValues(t, 0, got, "channels read 0 V until set")
	require.NoError(t, a.SetSource(0, func(t int64) float64 { return float64(t) / float64(sim.Second) }))
	for _, tc := range []struct {
		at   int64
		want uint32
	}{{0, 0}, {sim.Second, 1638}, {2 * sim.Second, 3276}, {3 * sim.Second, 4095}} {
		bn.runTo(tc.at)
		got, err := a.Sample(0)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "at %d", tc.at)
	}
	require.NoError(t, a.SetSource(0, nil))
	got, err = a.Sample(0)
	require.NoError(t, err)
	require.EqualValues(t, 0, got)
	inputs := bn.rec.Named("adc.input")
	require.Len(t, inputs, 2)
	require.Equal(t, "function", inputs[0].Str("source"))
	require.NoError(t, a.SetVoltage(0, 1.5))
	e := bn.rec.Named("adc.input")[2]
	require.Equal(t, "1.5", e.Str("volts"))
}

func TestADCRejectsBadChannelsAndReferences(t *testing.T) {
	a := hw.NewADC(nil, nil)
	for _, ch := range []int{-1, 8} {
		_, err := a.Sample(ch)
		require.ErrorIs(t, err, hw.ErrNoDevice)
		require.ErrorContains(t, err, "does not exist")
		require.ErrorIs(t, a.SetVoltage(ch, 1), hw.ErrNoDevice)
		require.ErrorIs(t, a.SetSource(ch, nil), hw.ErrNoDevice)
		require.ErrorIs(t, a.SetReference(ch, 2.5), hw.ErrNoDevice)
		require.Zero(t, a.Reference(ch))
	}
	for _, v := range []float64{0, 1.61, 2.76, 3.3, math.NaN(), math.Inf(1)} {
		err := a.SetReference(1, v)
		require.ErrorIs(t, err, hw.ErrInvalid, "%g", v)
		require.ErrorContains(t, err, "want 1.62 to 2.75 V")
	}
	for _, v := range []float64{1.62, 1.8, 2.0, 2.5, 2.75} {
		require.NoError(t, a.SetReference(1, v))
		require.Equal(t, v, a.Reference(1))
	}
}
