package hw_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

// expiries records the virtual times at which GPT_ISR gains bits.
type expiries struct {
	at   []int64
	hook int
}

func newGPT(t *testing.T) (*rtBench, *hw.GPT, *expiries) {
	bn := newRTBench(t)
	g := hw.NewGPT(0, bn.tr, bn.sim.Now, bn.sim.Schedule)
	ex := &expiries{}
	g.OnIRQ(func() {
		ex.hook++
		ex.at = append(ex.at, bn.sim.Now())
	})
	return bn, g, ex
}

func TestGPTOneShotExpiresOnceAtExactlyICNTMilliseconds(t *testing.T) {
	bn, g, ex := newGPT(t)
	bn.runTo(3 * sim.Microsecond)
	wr(t, g, hw.GPTRegIER, 1)
	wr(t, g, hw.GPTRegGPT0ICnt, 5)
	wr(t, g, hw.GPTRegGPT0Ctrl, 0x9) // Microsoft's Gpt_LaunchTimerMs: restart, 1 kHz, one-shot, enable
	require.EqualValues(t, 1, rd(t, g, hw.GPTRegGPT0Ctrl), "the restart bit clears itself")

	start := 3 * sim.Microsecond
	bn.runTo(start + 5*sim.Millisecond - 1)
	require.Zero(t, rd(t, g, hw.GPTRegISR))
	require.False(t, g.IRQ())
	require.EqualValues(t, 1, rd(t, g, hw.GPTRegGPT0Cnt), "one tick left")
	bn.runTo(start + 5*sim.Millisecond)
	require.EqualValues(t, 1, rd(t, g, hw.GPTRegISR))
	require.True(t, g.IRQ())
	require.Equal(t, []int64{start + 5*sim.Millisecond}, ex.at)
	require.Zero(t, rd(t, g, hw.GPTRegGPT0Ctrl)&hw.GPTCtrlEnable, "a one-shot timer stops")
	require.Zero(t, rd(t, g, hw.GPTRegGPT0Cnt))

	wr(t, g, hw.GPTRegISR, 1)
	require.False(t, g.IRQ())
	bn.runTo(start + sim.Second)
	require.Len(t, ex.at, 1, "no second expiry")
}

func TestGPTPeriodicDoesNotDrift(t *testing.T) {
	bn, g, ex := newGPT(t)
	wr(t, g, hw.GPTRegIER, 2)
	wr(t, g, hw.GPTRegGPT1ICnt, 1)
	wr(t, g, hw.GPTRegGPT1Ctrl, hw.GPTCtrlEnable|hw.GPTCtrlRepeat|hw.GPTCtrlFast)
	bn.runTo(100 * sim.Microsecond)
	// One tick of 32.768 kHz is 30517.578125 ns; expiries fall on the first
	// whole nanosecond at or after each tick.
	require.Equal(t, []int64{30518, 61036, 91553}, ex.at)
	require.Equal(t, 3, ex.hook, "every expiry rings, even with the status still set")
	bn.runTo(sim.Second)
	require.Len(t, ex.at, 32768)
	require.Equal(t, sim.Second, ex.at[32767], "the 32768th tick ends exactly at 1 s")

	// A whole-second period at 32.768 kHz.
	wr(t, g, hw.GPTRegGPT1Ctrl, 0)
	require.Zero(t, rd(t, g, hw.GPTRegGPT1Ctrl))
	ex.at = nil
	wr(t, g, hw.GPTRegGPT1ICnt, 32768)
	wr(t, g, hw.GPTRegGPT1Ctrl, hw.GPTCtrlEnable|hw.GPTCtrlRepeat|hw.GPTCtrlFast)
	bn.runTo(4*sim.Second + 1)
	require.Equal(t, []int64{2 * sim.Second, 3 * sim.Second, 4 * sim.Second}, ex.at)
	require.EqualValues(t, hw.GPTCtrlEnable|hw.GPTCtrlRepeat|hw.GPTCtrlFast, rd(t, g, hw.GPTRegGPT1Ctrl), "still running")
}

func TestGPTInterruptLineFollowsISRAndIER(t *testing.T) {
	bn, g, ex := newGPT(t)
	wr(t, g, hw.GPTRegGPT0ICnt, 2)
	wr(t, g, hw.GPTRegGPT0Ctrl, hw.GPTCtrlEnable)
	bn.runTo(2 * sim.Millisecond)
	require.EqualValues(t, 1, rd(t, g, hw.GPTRegISR), "the status is set whether or not enabled")
	require.False(t, g.IRQ())
	require.Zero(t, ex.hook)
	wr(t, g, hw.GPTRegIER, 0xFF)
	require.EqualValues(t, 3, rd(t, g, hw.GPTRegIER))
	require.True(t, g.IRQ(), "enabling a pending expiry raises the line")
	require.Equal(t, 1, ex.hook)
	wr(t, g, hw.GPTRegISR, 2) // the other timer's bit
	require.True(t, g.IRQ())
	wr(t, g, hw.GPTRegISR, 1)
	require.False(t, g.IRQ())
}

func TestGPTStopRestartAndReload(t *testing.T) {
	bn, g, ex := newGPT(t)
	wr(t, g, hw.GPTRegIER, 1)
	wr(t, g, hw.GPTRegGPT0ICnt, 10)
	wr(t, g, hw.GPTRegGPT0Ctrl, hw.GPTCtrlEnable)
	bn.runTo(4 * sim.Millisecond)
	require.EqualValues(t, 6, rd(t, g, hw.GPTRegGPT0Cnt))
	wr(t, g, hw.GPTRegGPT0Ctrl, 0) // stop: the count holds
	bn.runTo(50 * sim.Millisecond)
	require.Empty(t, ex.at)
	require.EqualValues(t, 6, rd(t, g, hw.GPTRegGPT0Cnt))

	wr(t, g, hw.GPTRegGPT0Ctrl, hw.GPTCtrlEnable) // enable: from ICNT again
	wr(t, g, hw.GPTRegGPT0ICnt, 99)               // takes effect at the next start
	bn.runTo(55 * sim.Millisecond)
	wr(t, g, hw.GPTRegGPT0Ctrl, hw.GPTCtrlEnable) // already enabled: keeps counting
	bn.runTo(58 * sim.Millisecond)
	wr(t, g, hw.GPTRegGPT0Ctrl, hw.GPTCtrlEnable|hw.GPTCtrlRestart) // restart: 99 ms from now
	bn.runTo(60*sim.Millisecond + 1)
	require.Empty(t, ex.at, "the restart cancelled the expiry due at 60 ms")
	bn.runTo(157 * sim.Millisecond)
	require.Equal(t, []int64{157 * sim.Millisecond}, ex.at)

	// A periodic timer picks up a new ICNT at its next reload.
	ex.at = nil
	wr(t, g, hw.GPTRegISR, 1)
	wr(t, g, hw.GPTRegGPT0ICnt, 2)
	wr(t, g, hw.GPTRegGPT0Ctrl, hw.GPTCtrlEnable|hw.GPTCtrlRepeat)
	bn.runTo(158 * sim.Millisecond)
	wr(t, g, hw.GPTRegGPT0ICnt, 5)
	bn.runTo(170 * sim.Millisecond)
	ms := sim.Millisecond
	require.Equal(t, []int64{159 * ms, 164 * ms, 169 * ms}, ex.at)

	// Turning auto-repeat off ends the run at the next expiry.
	wr(t, g, hw.GPTRegGPT0Ctrl, hw.GPTCtrlEnable)
	bn.runTo(200 * ms)
	require.Equal(t, []int64{159 * ms, 164 * ms, 169 * ms, 174 * ms}, ex.at)

	// ICNT 0 counts as one tick.
	ex.at = nil
	wr(t, g, hw.GPTRegGPT0ICnt, 0)
	wr(t, g, hw.GPTRegGPT0Ctrl, hw.GPTCtrlEnable)
	bn.runTo(202 * ms)
	require.Equal(t, []int64{201 * ms}, ex.at)

	g.Reset()
	require.Zero(t, rd(t, g, hw.GPTRegIER))
	require.EqualValues(t, hw.GPT3CtrlDefault, rd(t, g, hw.GPTRegGPT3Ctrl))
}

func TestGPT3CountsMicrosecondsFromInit(t *testing.T) {
	bn, g, _ := newGPT(t)
	require.EqualValues(t, 0x00190000, rd(t, g, hw.GPTRegGPT3Ctrl), "OSC_CNT_1US resets to 25: 1 MHz")
	bn.runTo(1 * sim.Microsecond)
	wr(t, g, hw.GPTRegGPT3Init, 100)
	wr(t, g, hw.GPTRegGPT3Ctrl, 0x19<<16|1) // as Microsoft's Gpt3_WaitUs
	require.EqualValues(t, 100, rd(t, g, hw.GPTRegGPT3Cnt))
	bn.runTo(3*sim.Microsecond + 999)
	require.EqualValues(t, 102, rd(t, g, hw.GPTRegGPT3Cnt), "whole microseconds since enable")
	bn.runTo(1*sim.Microsecond + sim.Second)
	require.EqualValues(t, 1_000_100, rd(t, g, hw.GPTRegGPT3Cnt))
	wr(t, g, hw.GPTRegGPT3Ctrl, 0x19<<16) // disable: holds
	bn.runTo(5 * sim.Second)
	require.EqualValues(t, 1_000_100, rd(t, g, hw.GPTRegGPT3Cnt))

	// Re-enabling starts from INIT again, and the count wraps at 32 bits.
	wr(t, g, hw.GPTRegGPT3Init, 0xFFFFFFFE)
	wr(t, g, hw.GPTRegGPT3Ctrl, 0x19<<16|1)
	bn.runTo(5*sim.Second + 3*sim.Microsecond)
	require.EqualValues(t, 1, rd(t, g, hw.GPTRegGPT3Cnt))

	// OSC_CNT_1US = 0: every crystal cycle, 26 MHz.
	wr(t, g, hw.GPTRegGPT3Ctrl, 0)
	wr(t, g, hw.GPTRegGPT3Init, 0)
	wr(t, g, hw.GPTRegGPT3Ctrl, 1)
	bn.runTo(6 * sim.Second)
	require.EqualValues(t, (sim.Second-3*sim.Microsecond)*26/1000, rd(t, g, hw.GPTRegGPT3Cnt))
	require.EqualValues(t, 1, rd(t, g, hw.GPTRegGPT3Ctrl))

	wr(t, g, hw.GPTRegGPT3Exp, 1234)
	require.EqualValues(t, 1234, rd(t, g, hw.GPTRegGPT3Exp))
	wr(t, g, hw.GPTRegGPT3Cnt, 5) // read-only
	require.NotEqualValues(t, 5, rd(t, g, hw.GPTRegGPT3Cnt))
}

func TestGPT2CountsAtItsClock(t *testing.T) {
	bn, g, _ := newGPT(t)
	wr(t, g, hw.GPTRegGPT2Ctrl, hw.GPT2CtrlEnable)
	bn.runTo(2500 * sim.Microsecond)
	require.EqualValues(t, 2, rd(t, g, hw.GPTRegGPT2Cnt), "1 kHz")
	wr(t, g, hw.GPTRegGPT2Ctrl, hw.GPT2CtrlEnable|hw.GPT2CtrlFast) // keeps the count, goes on at 32.768 kHz
	bn.runTo(2500*sim.Microsecond + sim.Second)
	require.EqualValues(t, 2+32768, rd(t, g, hw.GPTRegGPT2Cnt))
	wr(t, g, hw.GPTRegGPT2Ctrl, 0)
	bn.runTo(10 * sim.Second)
	require.EqualValues(t, 2+32768, rd(t, g, hw.GPTRegGPT2Cnt), "holds while disabled")
	wr(t, g, hw.GPTRegGPT2Ctrl, hw.GPT2CtrlEnable)
	require.Zero(t, rd(t, g, hw.GPTRegGPT2Cnt), "enabling starts from 0")
}

func TestGPTRejectsUnknownAndUnalignedOffsets(t *testing.T) {
	g := hw.NewGPT(0, nil, nil, nil)
	requireBadOffsets(t, g, 0x08, 0x0C, 0x18, 0x2C, 0x38, 0x48, 0x4C, 0x60, 0x64, 0x68, 0x11, 0x100)
}
