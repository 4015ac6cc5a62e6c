package hw_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
)

// fakeI2C records writes and answers reads with a fixed reply.
type fakeI2C struct {
	writes [][]byte
	reply  []byte
	err    error
}

func (f *fakeI2C) I2CWrite(p []byte) error {
	f.writes = append(f.writes, append([]byte(nil), p...))
	return f.err
}

func (f *fakeI2C) I2CRead(n int) []byte { return f.reply }

func TestI2CSetSpeed(t *testing.T) {
	cases := []struct {
		hz   uint32
		want string
	}{
		{hw.I2CSpeedStandard, ""},
		{hw.I2CSpeedFast, ""},
		{hw.I2CSpeedFastPlus, ""},
		{hw.I2CSpeedHigh, "high-speed mode (3.4 MHz) is not supported by the MT3620"},
		{0, "bus speed 0 Hz is not 100000, 400000 or 1000000"},
		{250_000, "bus speed 250000 Hz"},
	}
	for _, tc := range cases {
		b := hw.NewI2CBus(1, nil)
		err := b.SetSpeed(tc.hz)
		if tc.want == "" {
			require.NoError(t, err)
			require.Equal(t, tc.hz, b.Speed())
			continue
		}
		require.ErrorIs(t, err, hw.ErrInvalid)
		require.ErrorContains(t, err, "i2c ISU1: "+tc.want)
		require.EqualValues(t, hw.I2CSpeedStandard, b.Speed())
	}
}

func TestI2CTransfer(t *testing.T) {
	bn := newBench(t)
	bus := bn.board.I2C[0]
	dev := &fakeI2C{reply: []byte{1, 2}}
	bus.Attach(0x48, dev)

	got, err := bus.Transfer(0x48, []byte{0x10, 0x20}, 4)
	require.NoError(t, err)
	require.Equal(t, []byte{1, 2, 0xFF, 0xFF}, got, "bytes the device does not drive read as the pulled-up bus")
	require.Equal(t, [][]byte{{0x10, 0x20}}, dev.writes)

	got, err = bus.Transfer(0x48, []byte{0x30}, 0)
	require.NoError(t, err)
	require.Nil(t, got)
	got, err = bus.Transfer(0x48, nil, 1)
	require.NoError(t, err)
	require.Equal(t, []byte{1}, got)
	require.Len(t, dev.writes, 2, "a read-only transfer writes nothing")

	_, err = bus.Transfer(0x49, []byte{0}, 1)
	require.ErrorIs(t, err, hw.ErrNoAck)
	require.ErrorContains(t, err, "i2c ISU0: address 0x49")

	xfers := bn.rec.Named("i2c.xfer")
	require.Len(t, xfers, 4)
	require.Equal(t, []string{"0", "72", "2", "4", "true"}, []string{xfers[0].Str("isu"), xfers[0].Str("addr"), xfers[0].Str("wlen"), xfers[0].Str("rlen"), xfers[0].Str("ack")})
	require.Equal(t, "false", xfers[3].Str("ack"))

	dev.err = errors.New("data byte not acknowledged")
	_, err = bus.Transfer(0x48, []byte{0}, 1)
	require.ErrorContains(t, err, "i2c ISU0: write to 0x48: data byte not acknowledged")

	bus.Attach(0x48, nil)
	_, err = bus.Transfer(0x48, []byte{0}, 0)
	require.ErrorIs(t, err, hw.ErrNoAck, "detached")
}

func TestI2CTransferRejectsBadRequests(t *testing.T) {
	bus := hw.NewI2CBus(2, nil)
	bus.Attach(0x10, &fakeI2C{})
	cases := []struct {
		name  string
		addr  uint8
		write []byte
		rlen  int
		want  string
	}{
		{"10-bit address", 0x80, []byte{0}, 0, "address 0x80 is not a 7-bit address"},
		{"empty", 0x10, nil, 0, "empty transfer"},
		{"negative read", 0x10, nil, -1, "each must be 0 to 65535"},
		{"huge read", 0x10, nil, 70000, "each must be 0 to 65535"},
		{"huge write", 0x10, make([]byte, 65536), 0, "transfer of 65536 bytes out"},
	}
	for _, tc := range cases {
		_, err := bus.Transfer(tc.addr, tc.write, tc.rlen)
		require.ErrorIs(t, err, hw.ErrInvalid, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestI2CDuration(t *testing.T) {
	bus := hw.NewI2CBus(0, nil)
	// start + (addr + 1 byte) + repeated start + (addr + 6 bytes) + stop = 2 + 18 + 1 + 63 clocks at 100 kHz.
	require.EqualValues(t, 84*10_000, bus.Duration(1, 6))
	require.NoError(t, bus.SetSpeed(hw.I2CSpeedFastPlus))
	require.EqualValues(t, 84*1_000, bus.Duration(1, 6))
	require.EqualValues(t, 2*1_000, bus.Duration(-1, -1))
}
