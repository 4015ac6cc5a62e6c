package hw_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
)

func uartLines(bn *rtBench) []string {
	var out []string
	for _, e := range bn.rec.Named("rt.uart") {
		out = append(out, e.Str("line"))
	}
	return out
}

func puts(t *testing.T, u *hw.M4UART, s string) {
	t.Helper()
	for i := range len(s) {
		require.EqualValues(t, 0x20, rd(t, u, hw.M4UARTRegLSR)&0x20, "THR empty")
		wr(t, u, hw.M4UARTRegTHR, uint32(s[i]))
	}
}

func TestM4UARTSampleBringUpReadsBack(t *testing.T) {
	u := hw.NewM4UART(0, nil)
	// The RT samples' 115200 8N1 set-up (reference §8).
	wr(t, u, hw.M4UARTRegLCR, 0x80)
	wr(t, u, hw.M4UARTRegHighSpeed, 3)
	wr(t, u, hw.M4UARTRegDLM, 0)
	wr(t, u, hw.M4UARTRegDLL, 1)
	wr(t, u, hw.M4UARTRegSampleCount, 224)
	wr(t, u, hw.M4UARTRegSamplePoint, 110)
	wr(t, u, hw.M4UARTRegFracDivM, 0)
	wr(t, u, hw.M4UARTRegFracDivL, 223)
	require.EqualValues(t, 1, rd(t, u, hw.M4UARTRegDLL))
	require.Zero(t, rd(t, u, hw.M4UARTRegDLM))
	wr(t, u, hw.M4UARTRegLCR, 0x03)
	require.Zero(t, rd(t, u, hw.M4UARTRegTHR), "without DLAB offset 0 is RBR: nothing received")
	require.Zero(t, rd(t, u, hw.M4UARTRegIER), "without DLAB offset 4 is IER")
	for off, want := range map[uint32]uint32{
		hw.M4UARTRegLCR: 3, hw.M4UARTRegHighSpeed: 3, hw.M4UARTRegSampleCount: 224,
		hw.M4UARTRegSamplePoint: 110, hw.M4UARTRegFracDivM: 0, hw.M4UARTRegFracDivL: 223,
		hw.M4UARTRegLSR: 0x60, hw.M4UARTRegIIR: 0x01, hw.M4UARTRegMSR: 0,
	} {
		require.Equal(t, want, rd(t, u, off), "offset %#x", off)
	}
	wr(t, u, hw.M4UARTRegSCR, 0x1A5)
	require.EqualValues(t, 0xA5, rd(t, u, hw.M4UARTRegSCR), "registers are 8 bits")
	wr(t, u, hw.M4UARTRegLSR, 0)
	require.EqualValues(t, 0x60, rd(t, u, hw.M4UARTRegLSR))
}

func TestM4UARTAssemblesLines(t *testing.T) {
	bn := newRTBench(t)
	u := hw.NewM4UART(1, bn.tr)
	puts(t, u, "Tick\r\n")
	puts(t, u, "\n")
	puts(t, u, "no newline")
	require.Equal(t, []string{"Tick", ""}, uartLines(bn))
	u.Flush()
	u.Flush()
	require.Equal(t, []string{"Tick", "", "no newline"}, uartLines(bn))

	long := strings.Repeat("x", hw.M4UARTLineLimit+10)
	puts(t, u, long+"\n")
	lines := uartLines(bn)
	require.Len(t, lines, 5)
	require.Equal(t, long[:hw.M4UARTLineLimit], lines[3])
	require.Equal(t, long[hw.M4UARTLineLimit:], lines[4])

	e := bn.rec.Named("rt.uart")[0]
	require.Equal(t, "hw", e.Dom)
	require.Equal(t, "1", e.Str("core"))

	puts(t, u, "partial")
	u.Reset()
	require.Equal(t, "partial", uartLines(bn)[5], "a reset emits what was pending")
}

func TestM4UARTTransmitInterrupt(t *testing.T) {
	u := hw.NewM4UART(0, nil)
	rises := 0
	u.OnIRQ(func() { rises++ })
	wr(t, u, hw.M4UARTRegFCR, 0x01)
	require.EqualValues(t, 0xC1, rd(t, u, hw.M4UARTRegIIR))
	wr(t, u, hw.M4UARTRegIER, hw.M4UARTIERETBEI)
	require.True(t, u.IRQ())
	require.Equal(t, 1, rises)
	require.EqualValues(t, 0xC2, rd(t, u, hw.M4UARTRegIIR), "THR empty")
	wr(t, u, hw.M4UARTRegTHR, 'a')
	require.Equal(t, 1, rises, "the line stays high: no new rise")
	wr(t, u, hw.M4UARTRegIER, 0)
	require.False(t, u.IRQ())
	wr(t, u, hw.M4UARTRegLCR, 0x80)
	wr(t, u, hw.M4UARTRegDLM, hw.M4UARTIERETBEI) // DLM, not IER
	require.False(t, u.IRQ())
}

func TestM4UARTRejectsUnknownAndUnalignedOffsets(t *testing.T) {
	u := hw.NewM4UART(0, nil)
	requireBadOffsets(t, u, 0x20, 0x30, 0x40, 0x50, 0x5C, 0x60, 0x01, 0x16)
}
