package hw_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
)

func TestSPISettings(t *testing.T) {
	b := hw.NewSPIBus(3, nil)
	require.NoError(t, b.SetSpeed(hw.SPIMaxSpeed))
	require.EqualValues(t, hw.SPIMaxSpeed, b.Speed())
	for _, hz := range []uint32{0, hw.SPIMaxSpeed + 1} {
		err := b.SetSpeed(hz)
		require.ErrorIs(t, err, hw.ErrInvalid)
		require.ErrorContains(t, err, "spi ISU3: clock speed")
	}
	for m := hw.SPIMode0; m <= hw.SPIMode3; m++ {
		require.NoError(t, b.SetMode(m))
		require.Equal(t, m, b.Mode())
	}
	for _, m := range []int{0, 5, -1} {
		require.ErrorIs(t, b.SetMode(m), hw.ErrInvalid)
	}
	require.NoError(t, b.SetBitOrder(hw.SPILSBFirst))
	require.Equal(t, hw.SPILSBFirst, b.BitOrder())
	for _, o := range []int{0, 3} {
		err := b.SetBitOrder(o)
		require.ErrorIs(t, err, hw.ErrInvalid)
		require.ErrorContains(t, err, "bit order")
	}
	require.EqualValues(t, 16*8*25, b.Duration(16)) // 40 MHz: 25 ns a bit
	require.EqualValues(t, 0, b.Duration(-3))
}

func TestSPITransferRejectsBadRequests(t *testing.T) {
	b := hw.NewSPIBus(1, nil)
	cases := []struct {
		name string
		cs   int
		segs []hw.SPISegment
		want string
	}{
		{"chip select C", 2, []hw.SPISegment{{Write: []byte{1}}}, "chip select 2: want 0 (A) or 1 (B)"},
		{"no segments", 0, nil, "transfer without segments"},
		{"full duplex", 0, []hw.SPISegment{{Write: []byte{1}}, {Write: []byte{1}, Read: make([]byte, 1)}}, "segment 1 both writes and reads"},
		{"empty segment", 1, []hw.SPISegment{{}}, "segment 0 is empty"},
	}
	for _, tc := range cases {
		err := b.Transfer(tc.cs, tc.segs)
		require.ErrorIs(t, err, hw.ErrInvalid, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestSPITransferWithoutADeviceReadsOnes(t *testing.T) {
	bn := newBench(t)
	rd := []byte{0, 0, 0}
	require.NoError(t, bn.board.SPI[1].Transfer(hw.SPIChipSelectB, []hw.SPISegment{{Write: []byte{0x8F}}, {Read: rd}}))
	require.Equal(t, []byte{0xFF, 0xFF, 0xFF}, rd)
	e, ok := bn.rec.First("spi.xfer")
	require.True(t, ok)
	require.Equal(t, []string{"1", "1", "2", "1", "3"}, []string{e.Str("isu"), e.Str("cs"), e.Str("segments"), e.Str("wlen"), e.Str("rlen")})
}

func TestSPIBitOrderReversesBytesOnTheWire(t *testing.T) {
	b := newBench(t).board
	spi := b.SPI[1]
	require.NoError(t, spi.SetBitOrder(hw.SPILSBFirst))
	cmd := []byte{0x8F} // read WHO_AM_I, as an MSB-first device would want it
	rd := make([]byte, 1)
	require.NoError(t, spi.Transfer(0, []hw.SPISegment{{Write: cmd}, {Read: rd}}))
	require.Equal(t, []byte{0x8F}, cmd, "the caller's buffer is not modified")
	require.NotEqual(t, byte(hw.LSM6DS3ID), rd[0], "the device saw 0xF1, a read of register 0x71")

	require.NoError(t, spi.Transfer(0, []hw.SPISegment{{Write: []byte{0xF1}}, {Read: rd}})) // 0x8F reversed
	require.Equal(t, byte(0x96), rd[0], "0x69 reversed")
}
