package hw_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

func newWatchdog(t *testing.T) (*rtBench, *hw.Watchdog, *[]int64) {
	bn := newRTBench(t)
	w := hw.NewWatchdog(1, bn.tr, bn.sim.Now, bn.sim.Schedule)
	var resets []int64
	w.OnExpire(func() { resets = append(resets, bn.sim.Now()) })
	return bn, w, &resets
}

// length returns a WDT_LENGTH write for a timeout of n/32 s.
func length(n uint32) uint32 { return (n-1)<<hw.WDTLengthShift | hw.WDTLengthKey }

func TestWatchdogExpiresAfterItsLengthUnlessKicked(t *testing.T) {
	bn, w, resets := newWatchdog(t)
	require.EqualValues(t, hw.WDTLengthMax<<hw.WDTLengthShift, rd(t, w, hw.WDTRegLength), "64 s at reset")
	require.False(t, w.Enabled())

	bn.runTo(10 * sim.Millisecond)
	wr(t, w, hw.WDTRegLength, length(32)) // 1 s, as WDT_LENGTH_SEC2TICK(1)
	wr(t, w, hw.WDTRegMode, hw.WDTModeKey|hw.WDTModeEnable)
	require.EqualValues(t, hw.WDTModeEnable, rd(t, w, hw.WDTRegMode), "the key does not read back")
	at, ok := w.Deadline()
	require.True(t, ok)
	require.Equal(t, 10*sim.Millisecond+sim.Second, at)

	bn.runTo(610 * sim.Millisecond)
	wr(t, w, hw.WDTRegRestart, hw.WDTRestartKey)
	bn.runTo(1610*sim.Millisecond - 1)
	require.Empty(t, *resets, "the kick moved the deadline")
	bn.runTo(1610 * sim.Millisecond)
	require.Equal(t, []int64{1610 * sim.Millisecond}, *resets)

	require.EqualValues(t, hw.WDTStaHW, rd(t, w, hw.WDTRegSta))
	require.False(t, w.Enabled(), "a watchdog reset disables the watchdog")
	require.Zero(t, rd(t, w, hw.WDTRegMode))
	require.EqualValues(t, hw.WDTLengthMax<<hw.WDTLengthShift, rd(t, w, hw.WDTRegLength))
	bn.runTo(100 * sim.Second)
	require.Len(t, *resets, 1)

	require.Len(t, bn.rec.Named("wdt.kick"), 1)
	e, ok := bn.rec.First("wdt.expire")
	require.True(t, ok)
	require.Equal(t, "1", e.Str("core"))
	require.Equal(t, 1610*sim.Millisecond, e.T)
	m, ok := bn.rec.First("wdt.mode")
	require.True(t, ok)
	require.Equal(t, "true", m.Str("enabled"))
	require.Equal(t, "1000000000", m.Str("timeout_ns"))
}

func TestWatchdogIgnoresWritesWithoutTheirKeys(t *testing.T) {
	bn, w, resets := newWatchdog(t)
	wr(t, w, hw.WDTRegMode, hw.WDTModeEnable) // no key
	require.False(t, w.Enabled())
	wr(t, w, hw.WDTRegLength, 3<<hw.WDTLengthShift) // no key
	require.EqualValues(t, hw.WDTLengthMax<<hw.WDTLengthShift, rd(t, w, hw.WDTRegLength))

	wr(t, w, hw.WDTRegLength, length(1)) // 31.25 ms
	wr(t, w, hw.WDTRegMode, hw.WDTModeKey|hw.WDTModeEnable)
	bn.runTo(20 * sim.Millisecond)
	wr(t, w, hw.WDTRegRestart, 0x1972) // not the key: no kick
	bn.runTo(31250 * sim.Microsecond)
	require.Equal(t, []int64{31250 * sim.Microsecond}, *resets)
	require.Empty(t, bn.rec.Named("wdt.kick"))

	bad := bn.rec.Named("wdt.badkey")
	require.Len(t, bad, 3)
	require.Equal(t, "MODE", bad[0].Str("reg"))
	require.Equal(t, "LENGTH", bad[1].Str("reg"))
	require.Equal(t, "RESTART", bad[2].Str("reg"))
	require.Equal(t, "0x00001972", bad[2].Str("value"))
}

func TestWatchdogDisableAndLengthRestart(t *testing.T) {
	bn, w, resets := newWatchdog(t)
	wr(t, w, hw.WDTRegLength, length(2))
	wr(t, w, hw.WDTRegMode, hw.WDTModeKey|hw.WDTModeEnable)
	bn.runTo(50 * sim.Millisecond)
	wr(t, w, hw.WDTRegLength, length(4)) // reloads: 125 ms from now
	bn.runTo(174 * sim.Millisecond)
	require.Empty(t, *resets)
	wr(t, w, hw.WDTRegMode, hw.WDTModeKey) // disable
	_, ok := w.Deadline()
	require.False(t, ok)
	bn.runTo(10 * sim.Second)
	require.Empty(t, *resets)
	wr(t, w, hw.WDTRegRestart, hw.WDTRestartKey) // a kick while disabled arms nothing
	bn.runTo(20 * sim.Second)
	require.Empty(t, *resets)
}

func TestWatchdogSoftwareResetAndCoreReset(t *testing.T) {
	bn, w, resets := newWatchdog(t)
	wr(t, w, hw.WDTRegInterval, 0xFFFF)
	require.EqualValues(t, 0xFFF, rd(t, w, hw.WDTRegInterval))
	wr(t, w, hw.WDTRegSwRst, 0x1208)
	require.Empty(t, *resets)
	bn.runTo(sim.Millisecond)
	wr(t, w, hw.WDTRegSwRst, hw.WDTSwRstKey)
	require.Equal(t, []int64{sim.Millisecond}, *resets)
	require.EqualValues(t, hw.WDTStaSW, rd(t, w, hw.WDTRegSta))
	require.Zero(t, rd(t, w, hw.WDTRegInterval))
	_, ok := bn.rec.First("wdt.swrst", "core", "1")
	require.True(t, ok)

	// A core reset keeps the cause and cancels a pending expiry.
	wr(t, w, hw.WDTRegMode, hw.WDTModeKey|hw.WDTModeEnable)
	w.Reset()
	require.EqualValues(t, hw.WDTStaSW, rd(t, w, hw.WDTRegSta))
	require.False(t, w.Enabled())
	bn.runTo(100 * sim.Second)
	require.Len(t, *resets, 1)
	wr(t, w, hw.WDTRegSta, 0) // read-only
	require.EqualValues(t, hw.WDTStaSW, rd(t, w, hw.WDTRegSta))
}

func TestWatchdogRejectsUnknownAndUnalignedOffsets(t *testing.T) {
	w := hw.NewWatchdog(0, nil, nil, nil)
	requireBadOffsets(t, w, 0x00, 0x04, 0x08, 0x0C, 0x2C, 0x48, 0x80, 0x31, 0x3E)
}
