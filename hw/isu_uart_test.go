package hw_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

// uartInitSample runs the register sequence of Microsoft's UART sample
// (mt3620-uart.c, Uart_Init): 115200-8-N-1 with the FIFOs on.
func uartInitSample(t *testing.T, b *hw.Board, n int) {
	t.Helper()
	for _, w := range [][2]uint32{
		{hw.ISUUARTRegLCR, 0xBF}, {hw.ISUUARTRegEFR, 0x10}, {hw.ISUUARTRegHighSpeed, 3},
		{hw.ISUUARTRegDLM, 0}, {hw.ISUUARTRegDLL, 1}, {hw.ISUUARTRegSampleCount, 224},
		{hw.ISUUARTRegSamplePoint, 110}, {hw.ISUUARTRegFracDivM, 0}, {hw.ISUUARTRegFracDivL, 223},
		{hw.ISUUARTRegLCR, 0x03}, {hw.ISUUARTRegFCR, 2<<6 | 1<<4 | 1<<2 | 1<<1 | 1<<0},
	} {
		ioWr(t, b, isuUART(n, w[0]), w[1])
	}
}

func TestISUUARTLineSettingsComeFromTheRegisters(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	require.NoError(t, b.UART[0].Configure(hw.UARTConfig{BaudRate: 9600, DataBits: 7, Parity: hw.ParityOdd, StopBits: 2}))
	uartInitSample(t, b, 0)
	require.Equal(t, hw.DefaultUARTConfig(), b.UART[0].Config(), "225.7 clocks a bit: 115197 baud")

	// Codethink's computation for 9600 baud, 7 data bits, even parity, 2 stop bits:
	// divisor 11, SAMPLE_COUNT 245, two tenths.
	for _, w := range [][2]uint32{
		{hw.ISUUARTRegLCR, 0xBF}, {hw.ISUUARTRegEFR, 0x10 | hw.ISUUARTEFRAutoCTS}, {hw.ISUUARTRegDLM, 0},
		{hw.ISUUARTRegDLL, 11}, {hw.ISUUARTRegSampleCount, 245}, {hw.ISUUARTRegFracDivL, 0x21},
		{hw.ISUUARTRegLCR, 0x02 | hw.ISUUARTLCRStop2 | hw.ISUUARTLCRParity | hw.ISUUARTLCREven},
	} {
		ioWr(t, b, isuUART(0, w[0]), w[1])
	}
	require.Equal(t, hw.UARTConfig{BaudRate: 9600, DataBits: 7, Parity: hw.ParityEven, StopBits: 2, FlowControl: hw.FlowRTSCTS},
		b.UART[0].Config())

	// HIGHSPEED 0: the classic 16× divisor. 26 MHz / (16 · 14) = 116071: 115200.
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0xBF)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegEFR), 0)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x80)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegHighSpeed), 0)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegDLL), 14)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x03|hw.ISUUARTLCRParity)
	require.Equal(t, hw.UARTConfig{BaudRate: 115200, DataBits: 8, Parity: hw.ParityOdd, StopBits: 1}, b.UART[0].Config())

	// Software flow control from EFR.
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0xBF)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegEFR), 0x1A)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x03)
	require.EqualValues(t, hw.FlowXONXOFF, b.UART[0].Config().FlowControl)

	// HIGHSPEED 1 and 2: 8× and 4×.
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x83)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegHighSpeed), 1)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegDLL), 28) // 26 MHz / 224 = 116071
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x03)
	require.EqualValues(t, 115200, b.UART[0].Config().BaudRate)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x83)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegHighSpeed), 2)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegDLL), 0xA9)
	ioWr(t, b, isuUART(0, hw.ISUUARTRegDLM), 0x02) // 677: 26 MHz / 2708 = 9601
	ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x03)
	require.EqualValues(t, 9600, b.UART[0].Config().BaudRate)
	require.EqualValues(t, 0xA9, func() uint32 {
		ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x83)
		defer ioWr(t, b, isuUART(0, hw.ISUUARTRegLCR), 0x03)
		return ioRd(t, b, isuUART(0, hw.ISUUARTRegDLL))
	}(), "the divisor latch reads back with DLAB")
}

func TestISUUARTRefusesSettingsItCannotModel(t *testing.T) {
	b := newBench(t).board
	ioWr(t, b, isuUART(2, hw.ISUUARTRegLCR), 0x83)
	ioWr(t, b, isuUART(2, hw.ISUUARTRegDLL), 1) // HIGHSPEED 0: 1625000 baud
	err := b.IOWrite32(isuUART(2, hw.ISUUARTRegLCR), 0x03)
	require.True(t, errors.Is(err, hw.ErrInvalid), "%v", err)
	require.ErrorContains(t, err, "ISU2 UART: divisor 1, HIGHSPEED 0, SAMPLE_COUNT 0, FRACDIV 0x0 give 1625000 baud, not within 3% of a rate")
	require.Equal(t, hw.DefaultUARTConfig(), b.UART[2].Config())

	ioWr(t, b, isuUART(2, hw.ISUUARTRegLCR), 0x83)
	ioWr(t, b, isuUART(2, hw.ISUUARTRegDLL), 0)
	err = b.IOWrite32(isuUART(2, hw.ISUUARTRegLCR), 0x03|hw.ISUUARTLCRParity|hw.ISUUARTLCRStick)
	require.ErrorContains(t, err, "stick parity")
	require.True(t, errors.Is(err, hw.ErrInvalid))

	err = b.IOWrite32(isuUART(2, hw.ISUUARTRegVFIFOEn), 1)
	require.ErrorContains(t, err, "DMA (VFIFO_EN) is not modelled")
	require.NoError(t, b.IOWrite32(isuUART(2, hw.ISUUARTRegVFIFOEn), 0))
}

func TestISUUARTLoopbackThroughTheRegisters(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	uartInitSample(t, b, 0)
	const frame = 86805 // ns: 10 bits at 115200 baud
	ioWr(t, b, isuUART(0, hw.ISUUARTRegTHR), 'h')
	ioWr(t, b, isuUART(0, hw.ISUUARTRegTHR), 'i')
	tx := bn.rec.Named("uart.tx")
	require.Len(t, tx, 2)
	require.Equal(t, []string{"0", "h"}, []string{tx[0].Str("isu"), tx[0].Str("text")})
	require.Zero(t, ioRd(t, b, isuUART(0, hw.ISUUARTRegLSR)), "a byte waits in the FIFO: neither THRE nor TEMT")
	require.EqualValues(t, 1, ioRd(t, b, isuUART(0, hw.ISUUARTRegTxOffset)))
	require.Zero(t, ioRd(t, b, isuUART(0, hw.ISUUARTRegRxOffset)))

	bn.runTo(frame)
	require.EqualValues(t, hw.ISUUARTLSRDR|hw.ISUUARTLSRTHRE, ioRd(t, b, isuUART(0, hw.ISUUARTRegLSR)))
	require.EqualValues(t, 1, ioRd(t, b, isuUART(0, hw.ISUUARTRegRxOffset)))
	require.Zero(t, ioRd(t, b, isuUART(0, hw.ISUUARTRegTxOffset)))
	bn.runTo(2*frame + 1)
	require.EqualValues(t, hw.ISUUARTLSRDR|hw.ISUUARTLSRTHRE|hw.ISUUARTLSRTEMT, ioRd(t, b, isuUART(0, hw.ISUUARTRegLSR)))
	require.EqualValues(t, 2, ioRd(t, b, isuUART(0, hw.ISUUARTRegRxOffset)))
	require.EqualValues(t, 'h', ioRd(t, b, isuUART(0, hw.ISUUARTRegRBR)))
	require.EqualValues(t, 'i', ioRd(t, b, isuUART(0, hw.ISUUARTRegRBR)))
	require.EqualValues(t, hw.ISUUARTLSRTHRE|hw.ISUUARTLSRTEMT, ioRd(t, b, isuUART(0, hw.ISUUARTRegLSR)))
	require.Zero(t, ioRd(t, b, isuUART(0, hw.ISUUARTRegRBR)), "nothing left")

	// External input arrives through the same model (a scenario's uart input).
	b.UART[0].Inject([]byte("ok"))
	require.EqualValues(t, 2, ioRd(t, b, isuUART(0, hw.ISUUARTRegRxOffset)))
	ioWr(t, b, isuUART(0, hw.ISUUARTRegFCR), hw.ISUUARTFCRFIFOE|hw.ISUUARTFCRClrR)
	require.Zero(t, ioRd(t, b, isuUART(0, hw.ISUUARTRegRxOffset)), "FCR clears the RX FIFO")
	require.EqualValues(t, hw.ISUUARTFCRFIFOE, ioRd(t, b, isuUART(0, hw.ISUUARTRegFCRRd)))
}

func TestISUUARTTransmitFIFOHoldsSixteen(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	uartInitSample(t, b, 1)
	for _, c := range []byte("0123456789abcdefghij") {
		ioWr(t, b, isuUART(1, hw.ISUUARTRegTHR), uint32(c))
	}
	var sent strings.Builder
	for _, e := range bn.rec.Named("uart.tx") {
		sent.WriteString(e.Str("text"))
	}
	require.Equal(t, "0123456789abcdefg", sent.String(), "16 in the FIFO and one shifting; the rest is lost")
	require.EqualValues(t, 16, ioRd(t, b, isuUART(1, hw.ISUUARTRegTxOffset)))

	// Without the FIFO: the holding register and the shift register.
	bn2 := newBench(t)
	ioWr(t, bn2.board, isuUART(1, hw.ISUUARTRegFCR), 0)
	for _, c := range []byte("xyz") {
		ioWr(t, bn2.board, isuUART(1, hw.ISUUARTRegTHR), uint32(c))
	}
	require.Len(t, bn2.rec.Named("uart.tx"), 2)
}

func TestISUUARTInterruptIdentification(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	iir := func() uint32 { return ioRd(t, b, isuUART(3, hw.ISUUARTRegIIR)) }
	require.EqualValues(t, hw.ISUUARTIIRNone, iir())
	ioWr(t, b, isuUART(3, hw.ISUUARTRegFCR), hw.ISUUARTFCRFIFOE)
	require.EqualValues(t, 0xC1, iir())
	ioWr(t, b, isuUART(3, hw.ISUUARTRegIER), hw.ISUUARTIERETBEI)
	require.EqualValues(t, 0xC2, iir(), "THR empty")
	b.UART[3].Inject([]byte("x"))
	require.EqualValues(t, 0xC2, iir(), "RX data is not enabled")
	ioWr(t, b, isuUART(3, hw.ISUUARTRegIER), hw.ISUUARTIERETBEI|hw.ISUUARTIERERBFI)
	require.EqualValues(t, 0xC4, iir(), "RX data outranks THR empty")

	// An overrun shows in LSR once, and as a line-status interrupt while unseen.
	b.UART[3].Inject(make([]byte, hw.UARTRxBufferSize))
	ioWr(t, b, isuUART(3, hw.ISUUARTRegIER), hw.ISUUARTIERELSI|hw.ISUUARTIERERBFI)
	require.EqualValues(t, 0xC6, iir())
	require.NotZero(t, ioRd(t, b, isuUART(3, hw.ISUUARTRegLSR))&hw.ISUUARTLSROE)
	require.Zero(t, ioRd(t, b, isuUART(3, hw.ISUUARTRegLSR))&hw.ISUUARTLSROE)
	require.EqualValues(t, 0xC4, iir())
	require.EqualValues(t, 63, ioRd(t, b, isuUART(3, hw.ISUUARTRegRxOffset)), "the field saturates")
	_ = sim.Millisecond
}

func TestISUUARTEnhancedRegisterBank(t *testing.T) {
	b := newBench(t).board
	ioWr(t, b, isuUART(4, hw.ISUUARTRegMCR), 0x03)
	ioWr(t, b, isuUART(4, hw.ISUUARTRegSCR), 0x5A)
	ioWr(t, b, isuUART(4, hw.ISUUARTRegLCR), hw.ISUUARTLCREFR)
	for off, v := range map[uint32]uint32{hw.ISUUARTRegEFR: 0xD0, hw.ISUUARTRegMCR: 0x11, hw.ISUUARTRegLSR: 0x13,
		hw.ISUUARTRegMSR: 0x12, hw.ISUUARTRegSCR: 0x14} {
		ioWr(t, b, isuUART(4, off), 0xFFFFFF00|v)
		require.Equal(t, v, ioRd(t, b, isuUART(4, off)), "%#x in the 0xBF bank", off)
	}
	ioWr(t, b, isuUART(4, hw.ISUUARTRegLCR), 0x03)
	require.EqualValues(t, 0x03, ioRd(t, b, isuUART(4, hw.ISUUARTRegMCR)), "MCR kept")
	require.EqualValues(t, 0x5A, ioRd(t, b, isuUART(4, hw.ISUUARTRegSCR)), "SCR kept")
	require.EqualValues(t, hw.ISUUARTLSRTHRE|hw.ISUUARTLSRTEMT, ioRd(t, b, isuUART(4, hw.ISUUARTRegLSR)))
	require.EqualValues(t, hw.FlowRTSCTS, b.UART[4].Config().FlowControl, "EFR 0xD0: auto RTS/CTS")
	ioWr(t, b, isuUART(4, hw.ISUUARTRegLSR), 0xFF) // read-only
	require.EqualValues(t, hw.ISUUARTLSRTHRE|hw.ISUUARTLSRTEMT, ioRd(t, b, isuUART(4, hw.ISUUARTRegLSR)))
}
