package hw_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

// spiSMMR is the master mode of the tests: more-buffer mode, SCK 2 MHz
// (80 MHz / (38 + 2)), MSB first, mode 0, chip select cs.
func spiSMMR(cs int) uint32 {
	return hw.ISUSPISMMRMoreBuf | 38<<hw.ISUSPISMMRClkShift | uint32(cs)<<hw.ISUSPISMMRCSShift
}

// spiSMBCR gives the bit counts of a transfer of whole bytes.
func spiSMBCR(cmd, mosi, miso int) uint32 {
	return uint32(8*cmd)<<hw.ISUSPISMBCRCmdShift | uint32(8*mosi)<<hw.ISUSPISMBCRMOSIShift | uint32(8*miso)<<hw.ISUSPISMBCRMISOShift
}

// spiRead sends a one-byte opcode on ISU n's chip select cs, reads nread
// bytes and runs the timeline until the transfer is done.
func spiRead(t *testing.T, bn *bench, n, cs int, opcode byte, nread int, smmr uint32) []byte {
	t.Helper()
	b := bn.board
	ioWr(t, b, isuSPI(n, hw.ISUSPIRegSMMR), spiSMMR(cs)|smmr)
	ioWr(t, b, isuSPI(n, hw.ISUSPIRegSOAR), uint32(opcode))
	ioWr(t, b, isuSPI(n, hw.ISUSPIRegSMBCR), spiSMBCR(1, 0, nread))
	ioWr(t, b, isuSPI(n, hw.ISUSPIRegSTCSR), hw.ISUSPISTCSRStart)
	for ioRd(t, b, isuSPI(n, hw.ISUSPIRegSTCSR))&hw.ISUSPISTCSRBusy != 0 {
		bn.runTo(bn.sim.Now() + sim.Microsecond)
	}
	out := make([]byte, nread)
	for i := range out {
		out[i] = byte(ioRd(t, b, isuSPI(n, hw.ISUSPIRegSDIR0+uint32(i/4)*4)) >> (8 * (i % 4)))
	}
	return out
}

func TestISUSPIReadsWhoAmIInTime(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSMMR), spiSMMR(hw.SPIChipSelectA))
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSOAR), 0x80|hw.LSM6DS3RegWhoAmI)
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSMBCR), spiSMBCR(1, 0, 1))
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSTCSR), hw.ISUSPISTCSRStart)

	e, ok := bn.rec.First("spi.xfer")
	require.True(t, ok)
	require.Equal(t, []string{"1", "0", "2", "1", "1"},
		[]string{e.Str("isu"), e.Str("cs"), e.Str("segments"), e.Str("wlen"), e.Str("rlen")})
	require.EqualValues(t, 2_000_000, b.SPI[1].Speed())
	require.Equal(t, hw.SPIMode0, b.SPI[1].Mode())
	require.Equal(t, hw.SPIMSBFirst, b.SPI[1].BitOrder())

	// Two bytes at 2 MHz: 8 µs.
	bn.runTo(8*sim.Microsecond - 1)
	require.EqualValues(t, hw.ISUSPISTCSRStart|hw.ISUSPISTCSRBusy, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSTCSR)))
	require.Zero(t, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSCSR)))
	require.Zero(t, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSDIR0)))
	bn.runTo(8 * sim.Microsecond)
	require.Zero(t, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSTCSR)))
	require.EqualValues(t, hw.LSM6DS3ID, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSDIR0)))
	require.EqualValues(t, hw.ISUSPISCSROK|hw.ISUSPISCSRTxOK|hw.ISUSPISCSRRxOK, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSCSR)))
	require.Zero(t, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSCSR)), "reading SCSR clears it")
}

func TestISUSPIWritesAndReadsRegisters(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	// A two-byte write as opcode only: SOAR's low 16 bits, most significant byte first.
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSMMR), spiSMMR(hw.SPIChipSelectA))
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSOAR), 0xFFFF0000|hw.LSM6DS3RegCtrl1XL<<8|0x40)
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSMBCR), spiSMBCR(2, 0, 0))
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSTCSR), hw.ISUSPISTCSRStart)
	bn.runTo(8 * sim.Microsecond)
	require.EqualValues(t, hw.ISUSPISCSROK|hw.ISUSPISCSRTxOK, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSCSR)))
	require.Equal(t, []byte{0x40}, spiRead(t, bn, 1, hw.SPIChipSelectA, 0x80|hw.LSM6DS3RegCtrl1XL, 1, 0))

	// Opcode and MOSI data: the register address, then SDOR byte 0.
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSOAR), hw.LSM6DS3RegCtrl1XL)
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSDOR0), 0xFFFFFF44)
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSMBCR), spiSMBCR(1, 1, 0))
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSTCSR), hw.ISUSPISTCSRStart)
	bn.runTo(bn.sim.Now() + 8*sim.Microsecond)
	require.Equal(t, []byte{0x44}, spiRead(t, bn, 1, hw.SPIChipSelectA, 0x80|hw.LSM6DS3RegCtrl1XL, 1, 0))

	// Six bytes of output registers fill SDIR0 and half of SDIR1, byte 0 first.
	b.Accel.SetAcceleration(0, 0, 1)
	got := spiRead(t, bn, 1, hw.SPIChipSelectA, 0x80|hw.LSM6DS3RegOutXLXL, 6, 0)
	rd := make([]byte, 6)
	require.NoError(t, b.SPI[1].Transfer(hw.SPIChipSelectA, []hw.SPISegment{{Write: []byte{0x80 | hw.LSM6DS3RegOutXLXL}}, {Read: rd}}))
	require.Equal(t, rd, got)
	require.Len(t, bn.rec.Named("spi.xfer"), 6)
}

func TestISUSPIChipSelectsAndSettings(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	// Chip select B has nothing on it: MISO reads high.
	require.Equal(t, []byte{0xFF, 0xFF}, spiRead(t, bn, 1, hw.SPIChipSelectB, 0x8F, 2, 0))
	e, _ := bn.rec.First("spi.xfer")
	require.Equal(t, "1", e.Str("cs"))
	// No chip select: nothing on the bus, not even a trace event.
	require.Equal(t, []byte{0xFF}, spiRead(t, bn, 1, hw.ISUSPICSNone, 0x8F, 1, 0))
	require.Len(t, bn.rec.Named("spi.xfer"), 1)

	// CPOL, CPHA, LSB first and the clock divider reach the bus model.
	spiRead(t, bn, 3, hw.SPIChipSelectA, 0, 1, hw.ISUSPISMMRCPOL|hw.ISUSPISMMRCPHA|hw.ISUSPISMMRLSBFirst)
	require.Equal(t, hw.SPIMode3, b.SPI[3].Mode())
	require.Equal(t, hw.SPILSBFirst, b.SPI[3].BitOrder())
	spiRead(t, bn, 3, hw.SPIChipSelectA, 0, 1, hw.ISUSPISMMRCPHA)
	require.Equal(t, hw.SPIMode1, b.SPI[3].Mode())
	ioWr(t, b, isuSPI(3, hw.ISUSPIRegSMMR), hw.ISUSPISMMRMoreBuf|hw.ISUSPISMMRCPOL)
	ioWr(t, b, isuSPI(3, hw.ISUSPIRegSTCSR), hw.ISUSPISTCSRStart)
	require.Equal(t, hw.SPIMode2, b.SPI[3].Mode())
	require.EqualValues(t, 40_000_000, b.SPI[3].Speed(), "divider 0: 80 MHz / 2")

	// An LSB-first read of WHO_AM_I: the sensor sees the opcode reversed, so send it reversed.
	got := spiRead(t, bn, 1, hw.SPIChipSelectA, 0xF1, 1, hw.ISUSPISMMRLSBFirst) // 0xF1 = reverse(0x8F)
	require.Equal(t, []byte{0x96}, got, "0x69 read LSB first")
}

func TestISUSPIStartWhileBusyIsIgnored(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSMMR), spiSMMR(0))
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSOAR), 0x8F)
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSMBCR), spiSMBCR(1, 0, 1))
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSTCSR), hw.ISUSPISTCSRStart)
	ioWr(t, b, isuSPI(1, hw.ISUSPIRegSTCSR), hw.ISUSPISTCSRStart)
	require.Len(t, bn.rec.Named("spi.xfer"), 1)
	bn.runTo(sim.Millisecond)
	require.EqualValues(t, hw.LSM6DS3ID, ioRd(t, b, isuSPI(1, hw.ISUSPIRegSDIR0)))
}

func TestISUSPIRefusesWhatItCannotDo(t *testing.T) {
	ok := spiSMMR(0)
	cases := []struct {
		name               string
		smmr, smbcr, cspol uint32
		qctl               uint32
		want               string
	}{
		{"legacy mode", ok &^ hw.ISUSPISMMRMoreBuf, spiSMBCR(1, 0, 1), 0, 0, "only more-buffer mode"},
		{"full duplex", ok | hw.ISUSPISMMRFullDuplex, spiSMBCR(1, 1, 1), 0, 0, "full-duplex transfers"},
		{"DMA", ok, spiSMBCR(1, 0, 1), hw.ISUSPICSPolDMAMode, 0, "DMA mode"},
		{"quad", ok, spiSMBCR(1, 0, 1), 0, 2, "dual and quad"},
		{"bits", ok, 12 << hw.ISUSPISMBCRMISOShift, 0, 0, "not whole bytes"},
		{"long opcode", ok, 40 << hw.ISUSPISMBCRCmdShift, 0, 0, "opcode of 40 bits"},
		{"long data", ok, 264 << hw.ISUSPISMBCRMOSIShift, 0, 0, "the data registers hold 256"},
		{"empty", ok, 0, 0, 0, "nothing to transfer"},
		{"chip select 3", hw.ISUSPISMMRMoreBuf | 3<<hw.ISUSPISMMRCSShift, spiSMBCR(1, 0, 1), 0, 0, "chip select 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bn := newBench(t)
			b := bn.board
			ioWr(t, b, isuSPI(4, hw.ISUSPIRegSMMR), c.smmr)
			ioWr(t, b, isuSPI(4, hw.ISUSPIRegSMBCR), c.smbcr)
			ioWr(t, b, isuSPI(4, hw.ISUSPIRegCSPol), c.cspol)
			ioWr(t, b, isuSPI(4, hw.ISUSPIRegQCtl), c.qctl)
			err := b.IOWrite32(isuSPI(4, hw.ISUSPIRegSTCSR), hw.ISUSPISTCSRStart)
			require.True(t, errors.Is(err, hw.ErrInvalid), "%v", err)
			require.ErrorContains(t, err, "ISU4 SPI: ")
			require.ErrorContains(t, err, c.want)
			require.Zero(t, ioRd(t, b, isuSPI(4, hw.ISUSPIRegSTCSR))&hw.ISUSPISTCSRBusy)
			require.Empty(t, bn.rec.Named("spi.xfer"))
		})
	}
}
