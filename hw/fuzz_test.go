package hw_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

// FuzzLSM6DS3 drives the sensor's I2C and SPI protocol decoders with
// arbitrary transactions: they must never panic, always answer with the
// requested number of bytes, and keep WHO_AM_I and the self-clearing bits
// intact.
func FuzzLSM6DS3(f *testing.F) {
	f.Add([]byte{0, 2, 0x10, 0x40, 3, 20, 1, 1, 0x1E, 1, 1, 0x28, 6})
	f.Add([]byte{2, 2, 0x8F, 0x00, 2, 3, 0x10, 0x44, 0x4C, 1, 1, 0x10, 2})
	f.Add([]byte{0, 2, 0x12, 0x01, 0, 2, 0x12, 0x80, 0, 2, 0x12, 0x00, 1, 1, 0x28, 9})
	f.Fuzz(func(t *testing.T, prog []byte) {
		s := sim.New(1)
		b := hw.NewBoard(nil, s.Now, s.Schedule)
		i2c, spi := b.I2C[hw.AccelI2CISU], b.SPI[hw.AccelSPIISU]
		next := func() byte {
			if len(prog) == 0 {
				return 0
			}
			v := prog[0]
			prog = prog[1:]
			return v
		}
		take := func(n int) []byte {
			n = min(n, len(prog))
			v := prog[:n]
			prog = prog[n:]
			return v
		}
		for len(prog) > 0 {
			switch next() % 5 {
			case 0: // I2C write
				data := take(int(next() % 8))
				if len(data) > 0 {
					_, err := i2c.Transfer(hw.AccelI2CAddress, data, 0)
					require.NoError(t, err)
				}
			case 1: // I2C write-then-read
				reg := take(int(next() % 2))
				n := int(next() % 16)
				if len(reg) == 0 && n == 0 {
					continue
				}
				got, err := i2c.Transfer(hw.AccelI2CAddress, reg, n)
				require.NoError(t, err)
				require.Len(t, got, n)
			case 2: // SPI: a write segment, then a read segment
				w := take(int(next()%4) + 1)
				r := make([]byte, next()%8+1)
				if len(w) == 0 {
					continue
				}
				require.NoError(t, spi.Transfer(hw.AccelSPIChipSelect, []hw.SPISegment{{Write: w}, {Read: r}}))
			case 3: // time passes
				s.Schedule(s.Now()+int64(next())*sim.Millisecond, func() {})
				s.Run(sim.Forever)
			case 4: // the world changes
				v := float64(int8(next())) / 8
				b.Accel.SetAcceleration(v, -v, v*3)
				b.Accel.SetAngularRate(v*100, v, 0)
				b.Accel.SetTemperature(v * 10)
			}
		}
		got, err := i2c.Transfer(hw.AccelI2CAddress, []byte{hw.LSM6DS3RegWhoAmI}, 1)
		require.NoError(t, err)
		require.Equal(t, []byte{hw.LSM6DS3ID}, got)
		ctrl3, err := i2c.Transfer(hw.AccelI2CAddress, []byte{hw.LSM6DS3RegCtrl3C}, 1)
		require.NoError(t, err)
		require.Zero(t, ctrl3[0]&0x81, "BOOT and SW_RESET clear themselves")
		st, err := i2c.Transfer(hw.AccelI2CAddress, []byte{hw.LSM6DS3RegStatus}, 1)
		require.NoError(t, err)
		require.Zero(t, st[0]&^0x07, "STATUS_REG has only three flags")
	})
}
