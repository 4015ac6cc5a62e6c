package hw_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// i2cSetup prepares ISU n's I2C master the way the real drivers do: master
// mode, clock sync, SCL phases for hz from the 26 MHz clock, both FIFOs
// cleared, the target address.
func i2cSetup(t *testing.T, b *hw.Board, n int, hz uint32, target uint8) {
	t.Helper()
	ioWr(t, b, isuI2C(n, hw.ISUI2CRegCon0), hw.ISUI2CCon0MasterEn)
	ioWr(t, b, isuI2C(n, hw.ISUI2CRegPadCon0), 1<<7|1)
	period := hw.ISUI2CClockHz / hz
	ioWr(t, b, isuI2C(n, hw.ISUI2CRegCntValPHL), (period+1)/4|(period/4)<<8)
	ioWr(t, b, isuI2C(n, hw.ISUI2CRegCntValPHH), (period+2)/4|((period+3)/4)<<8)
	ioWr(t, b, isuI2C(n, hw.ISUI2CRegFIFOCon0), hw.ISUI2CFIFOClearRx|hw.ISUI2CFIFOClearTx)
	ioWr(t, b, isuI2C(n, hw.ISUI2CRegSlaveID), uint32(target))
}

// i2cPackets programs the packets: a positive length writes, a negative one reads.
func i2cPackets(t *testing.T, b *hw.Board, n int, pk []int) {
	t.Helper()
	pack := uint32(len(pk)-1) << hw.ISUI2CPackValShift
	for i, l := range pk {
		if l < 0 {
			pack |= hw.ISUI2CPackRead << i
			l = -l
		}
		ioWr(t, b, isuI2C(n, hw.ISUI2CRegCntBytePK0+4*uint32(i)), uint32(l))
	}
	ioWr(t, b, isuI2C(n, hw.ISUI2CRegPackCon0), pack)
}

// i2cStart programs the packets and sets START.
func i2cStart(t *testing.T, b *hw.Board, n int, pk []int) {
	t.Helper()
	i2cPackets(t, b, n, pk)
	ioWr(t, b, isuI2C(n, hw.ISUI2CRegCon0), hw.ISUI2CCon0MasterEn|hw.ISUI2CCon0GMode|hw.ISUI2CCon0Start)
}

// i2cWhoAmI reads the LSM6DS3's WHO_AM_I over ISU2 at hz and runs the
// timeline until the transfer is done; it returns the byte and the
// transfer's duration.
func i2cWhoAmI(t *testing.T, bn *bench, hz uint32) (byte, int64) {
	t.Helper()
	b := bn.board
	i2cSetup(t, b, 2, hz, hw.AccelI2CAddress)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegWhoAmI)
	t0 := bn.sim.Now()
	i2cStart(t, b, 2, []int{1, -1})
	for ioRd(t, b, isuI2C(2, hw.ISUI2CRegStatus))&hw.ISUI2CStatusStartReady == 0 {
		bn.runTo(bn.sim.Now() + sim.Microsecond)
	}
	return byte(ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOData))), bn.sim.Now() - t0
}

func TestISUI2CWriteThenReadTakesItsTimeOnTheBus(t *testing.T) {
	for _, c := range []struct {
		hz   uint32
		want int64 // 39 SCL clocks: start, address+register, repeated start, address+data, stop
	}{
		{hw.I2CSpeedStandard, 390 * sim.Microsecond},
		{hw.I2CSpeedFast, 97500 * sim.Nanosecond},
		{hw.I2CSpeedFastPlus, 39 * sim.Microsecond},
	} {
		bn := newBench(t)
		b := bn.board
		i2cSetup(t, b, 2, c.hz, hw.AccelI2CAddress)
		ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegWhoAmI)
		require.EqualValues(t, 0x01, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOStatus)), "TX holds a byte, RX empty")
		require.EqualValues(t, 1<<12, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOPtr)), "TX write pointer 1")
		i2cStart(t, b, 2, []int{1, -1})
		require.Equal(t, c.hz, b.I2C[2].Speed(), "the bus model follows the SCL phases")

		// The bus saw it at once; the registers show it in flight.
		e, ok := bn.rec.First("i2c.xfer")
		require.True(t, ok)
		require.Equal(t, map[string]string{"isu": "2", "addr": "106", "wlen": "1", "rlen": "1", "ack": "true"},
			map[string]string{"isu": e.Str("isu"), "addr": e.Str("addr"), "wlen": e.Str("wlen"), "rlen": e.Str("rlen"), "ack": e.Str("ack")})
		require.Equal(t, trace.HW, e.Dom)
		require.EqualValues(t, hw.ISUI2CStatusBusBusy, ioRd(t, b, isuI2C(2, hw.ISUI2CRegStatus)))
		require.NotZero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegCon0))&hw.ISUI2CCon0Start)
		require.EqualValues(t, 0x11, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOStatus)), "TX consumed, RX not yet filled")

		bn.runTo(c.want - 1)
		require.EqualValues(t, hw.ISUI2CStatusBusBusy, ioRd(t, b, isuI2C(2, hw.ISUI2CRegStatus)), "%d Hz: 1 ns early", c.hz)
		require.Zero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegIntCtrl)))
		bn.runTo(c.want)
		require.EqualValues(t, hw.ISUI2CStatusStartReady, ioRd(t, b, isuI2C(2, hw.ISUI2CRegStatus)))
		require.EqualValues(t, hw.ISUI2CCon0MasterEn|hw.ISUI2CCon0GMode, ioRd(t, b, isuI2C(2, hw.ISUI2CRegCon0)), "START clears itself")
		require.EqualValues(t, hw.ISUI2CIntMMSta, ioRd(t, b, isuI2C(2, hw.ISUI2CRegIntCtrl)))
		require.Zero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegAckVal)))
		require.EqualValues(t, 0x1110, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOPtr)), "RX write pointer 1; TX read and write pointers 1")
		require.EqualValues(t, 0x10, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOStatus)), "RX holds the byte, TX empty")
		require.EqualValues(t, hw.LSM6DS3ID, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOData)))
		require.EqualValues(t, 0x11, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOStatus)))
		require.Zero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOData)), "empty")
		require.EqualValues(t, 0x15, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOStatus)), "RX underflow")
		ioWr(t, b, isuI2C(2, hw.ISUI2CRegIntCtrl), hw.ISUI2CIntMMSta)
		require.Zero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegIntCtrl)), "W1C")
	}
}

func TestISUI2CReadsTheAccelerometer(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	bn.board.Accel.SetAcceleration(0.5, -0.25, 0.75)
	i2cSetup(t, b, 2, hw.I2CSpeedFast, hw.AccelI2CAddress)
	// Write CTRL1_XL = 0x40 (104 Hz, ±2 g): one write packet of two bytes.
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegCtrl1XL)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), 0x40)
	i2cStart(t, b, 2, []int{2})
	bn.runTo(sim.Millisecond)
	require.Zero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegAckVal)))
	bn.runTo(20 * sim.Millisecond)

	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegOutXLXL)
	i2cStart(t, b, 2, []int{1, -6})
	bn.runTo(21 * sim.Millisecond)
	var got []byte
	for range 6 {
		got = append(got, byte(ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOData))))
	}
	want, err := b.I2C[2].Transfer(hw.AccelI2CAddress, []byte{hw.LSM6DS3RegOutXLXL}, 6)
	require.NoError(t, err)
	require.Equal(t, want, got)
	x := int16(uint16(got[0]) | uint16(got[1])<<8)
	require.InDelta(t, 500/0.061, float64(x), 1)
	require.Len(t, bn.rec.Named("i2c.xfer"), 3)
}

func TestISUI2CNackAndPacketGroups(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	i2cSetup(t, b, 2, hw.I2CSpeedStandard, 0x50) // nobody there
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), 0)
	i2cStart(t, b, 2, []int{1, -2})
	bn.runTo(110*sim.Microsecond - 1)
	require.EqualValues(t, hw.ISUI2CStatusBusBusy, ioRd(t, b, isuI2C(2, hw.ISUI2CRegStatus)))
	bn.runTo(110 * sim.Microsecond) // start, address, stop: 11 clocks
	require.EqualValues(t, 1<<hw.ISUI2CAckIDShift, ioRd(t, b, isuI2C(2, hw.ISUI2CRegAckVal)), "packet 0's address not acknowledged")
	require.EqualValues(t, hw.ISUI2CIntMMSta, ioRd(t, b, isuI2C(2, hw.ISUI2CRegIntCtrl)))
	require.EqualValues(t, 0x11, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOStatus)), "nothing received")
	e, _ := bn.rec.First("i2c.xfer")
	require.Equal(t, "false", e.Str("ack"))

	// Three packets: write 1 | write 1, read 2 — two transfers on the bus.
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegSlaveID), hw.AccelI2CAddress)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOCon0), hw.ISUI2CFIFOClearRx)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegCtrl3C)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegWhoAmI)
	i2cStart(t, b, 2, []int{1, 1, -2})
	xfers := bn.rec.Named("i2c.xfer")
	require.Len(t, xfers, 3)
	require.Equal(t, [2]string{"1", "0"}, [2]string{xfers[1].Str("wlen"), xfers[1].Str("rlen")})
	require.Equal(t, [2]string{"1", "2"}, [2]string{xfers[2].Str("wlen"), xfers[2].Str("rlen")})
	bn.runTo(sim.Millisecond)
	require.Zero(t, ioRd(t, b, isuI2C(2, hw.ISUI2CRegAckVal)))
	require.EqualValues(t, hw.LSM6DS3ID, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOData)))

	// A lone read packet continues from the register pointer.
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOCon0), hw.ISUI2CFIFOClearRx)
	i2cStart(t, b, 2, []int{-1})
	bn.runTo(2 * sim.Millisecond)
	require.Equal(t, "0", bn.rec.Named("i2c.xfer")[3].Str("wlen"))
	require.EqualValues(t, 0x10, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOStatus)), "one byte received")
}

func TestISUI2CSpeedComesFromThePhases(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	// 50 kHz: a speed the MT3620 can clock but the bus model has no setting for.
	_, d := i2cWhoAmI(t, bn, 50_000)
	require.Equal(t, 780*sim.Microsecond, d)
	require.EqualValues(t, hw.I2CSpeedStandard, b.I2C[2].Speed(), "unchanged")

	// Phases left at 0: the bus model's speed.
	bn2 := newBench(t)
	require.NoError(t, bn2.board.I2C[2].SetSpeed(hw.I2CSpeedFastPlus))
	ioWr(t, bn2.board, isuI2C(2, hw.ISUI2CRegCon0), hw.ISUI2CCon0MasterEn)
	ioWr(t, bn2.board, isuI2C(2, hw.ISUI2CRegSlaveID), hw.AccelI2CAddress)
	ioWr(t, bn2.board, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegWhoAmI)
	i2cStart(t, bn2.board, 2, []int{1, -1})
	bn2.runTo(39*sim.Microsecond - 1)
	require.Zero(t, ioRd(t, bn2.board, isuI2C(2, hw.ISUI2CRegIntCtrl)))
	bn2.runTo(39 * sim.Microsecond)
	require.NotZero(t, ioRd(t, bn2.board, isuI2C(2, hw.ISUI2CRegIntCtrl)))
}

func TestISUI2CFIFOs(t *testing.T) {
	b := newBench(t).board
	data := isuI2C(0, hw.ISUI2CRegFIFOData)
	for i := range 9 {
		ioWr(t, b, data, uint32(i))
	}
	require.EqualValues(t, 0x01|0x20|0x80, ioRd(t, b, isuI2C(0, hw.ISUI2CRegFIFOStatus)), "TX full and overflowed; RX empty")
	require.Zero(t, ioRd(t, b, isuI2C(0, hw.ISUI2CRegFIFOPtr)), "8 entries: the write pointer wrapped to the read pointer")
	ioRd(t, b, data)
	require.EqualValues(t, 0x01|0x04|0x20|0x80, ioRd(t, b, isuI2C(0, hw.ISUI2CRegFIFOStatus)), "RX underflow")
	ioWr(t, b, isuI2C(0, hw.ISUI2CRegFIFOCon0), hw.ISUI2CFIFOClearTx)
	require.EqualValues(t, 0x15, ioRd(t, b, isuI2C(0, hw.ISUI2CRegFIFOStatus)))
	ioWr(t, b, isuI2C(0, hw.ISUI2CRegFIFOCon0), hw.ISUI2CFIFOClearRx)
	require.EqualValues(t, 0x11, ioRd(t, b, isuI2C(0, hw.ISUI2CRegFIFOStatus)))
	ioWr(t, b, isuI2C(0, hw.ISUI2CRegStatus), hw.ISUI2CStatusArbLose) // W1C of a bit that is never set
	require.EqualValues(t, hw.ISUI2CStatusStartReady, ioRd(t, b, isuI2C(0, hw.ISUI2CRegStatus)))
}

func TestISUI2CRefusesWhatItCannotDo(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, b *hw.Board)
		con0  uint32
		want  string
	}{
		{"not master", func(t *testing.T, b *hw.Board) { i2cPackets(t, b, 0, []int{-1}) },
			hw.ISUI2CCon0Start, "START without master mode"},
		{"four packets", func(t *testing.T, b *hw.Board) { ioWr(t, b, isuI2C(0, hw.ISUI2CRegPackCon0), 3<<4) },
			hw.ISUI2CCon0MasterEn | hw.ISUI2CCon0Start, "asks for 4 packets"},
		{"empty packet", func(t *testing.T, b *hw.Board) { i2cPackets(t, b, 0, []int{-1, 0}) },
			hw.ISUI2CCon0MasterEn | hw.ISUI2CCon0Start, "packet 1 has length 0"},
		{"TX short", func(t *testing.T, b *hw.Board) {
			ioWr(t, b, isuI2C(0, hw.ISUI2CRegFIFOData), 1)
			i2cPackets(t, b, 0, []int{2})
		}, hw.ISUI2CCon0MasterEn | hw.ISUI2CCon0Start, "write 2 bytes but the TX FIFO holds 1"},
		{"RX too long", func(t *testing.T, b *hw.Board) { i2cPackets(t, b, 0, []int{-5, -4}) },
			hw.ISUI2CCon0MasterEn | hw.ISUI2CCon0Start, "read 9 bytes but the RX FIFO holds 8"},
		{"too fast", func(t *testing.T, b *hw.Board) {
			ioWr(t, b, isuI2C(0, hw.ISUI2CRegCntValPHL), 0x0505)
			ioWr(t, b, isuI2C(0, hw.ISUI2CRegCntValPHH), 0x0505)
			i2cPackets(t, b, 0, []int{-1})
		}, hw.ISUI2CCon0MasterEn | hw.ISUI2CCon0Start, "faster than the 1 MHz"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bn := newBench(t)
			b := bn.board
			c.setup(t, b)
			err := b.IOWrite32(isuI2C(0, hw.ISUI2CRegCon0), c.con0)
			require.True(t, errors.Is(err, hw.ErrInvalid), "%v", err)
			require.ErrorContains(t, err, "ISU0 I2C: ")
			require.ErrorContains(t, err, c.want)
			require.EqualValues(t, hw.ISUI2CStatusStartReady, ioRd(t, b, isuI2C(0, hw.ISUI2CRegStatus)))
			require.Zero(t, ioRd(t, b, isuI2C(0, hw.ISUI2CRegCon0))&hw.ISUI2CCon0Start)
			require.Empty(t, bn.rec.Named("i2c.xfer"))
		})
	}
	b := newBench(t).board
	err := b.IOWrite32(isuI2C(0, hw.ISUI2CRegSCon0), hw.ISUI2CSCon0SlaveEn)
	require.ErrorContains(t, err, "subordinate mode is not modelled")
	require.True(t, errors.Is(err, hw.ErrInvalid))
}

func TestISUI2CStartWhileBusyIsIgnored(t *testing.T) {
	bn := newBench(t)
	b := bn.board
	i2cSetup(t, b, 2, hw.I2CSpeedStandard, hw.AccelI2CAddress)
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegFIFOData), hw.LSM6DS3RegWhoAmI)
	i2cStart(t, b, 2, []int{1, -1})
	ioWr(t, b, isuI2C(2, hw.ISUI2CRegCon0), hw.ISUI2CCon0MasterEn|hw.ISUI2CCon0Start)
	require.Len(t, bn.rec.Named("i2c.xfer"), 1)
	bn.runTo(sim.Millisecond)
	require.EqualValues(t, hw.LSM6DS3ID, ioRd(t, b, isuI2C(2, hw.ISUI2CRegFIFOData)))
}
