package hw_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
)

// imu drives the board's LSM6DS3 over I2C, as the LSM6DS3 I2C sample does.
type imu struct {
	t  *testing.T
	bn *bench
}

func newIMU(t *testing.T) *imu { return &imu{t: t, bn: newBench(t)} }

func (m *imu) write(reg byte, vals ...byte) {
	m.t.Helper()
	_, err := m.bn.board.I2C[hw.AccelI2CISU].Transfer(hw.AccelI2CAddress, append([]byte{reg}, vals...), 0)
	require.NoError(m.t, err)
}

func (m *imu) read(reg byte, n int) []byte {
	m.t.Helper()
	got, err := m.bn.board.I2C[hw.AccelI2CISU].Transfer(hw.AccelI2CAddress, []byte{reg}, n)
	require.NoError(m.t, err)
	return got
}

func (m *imu) words(reg byte, n int) []int16 {
	m.t.Helper()
	b := m.read(reg, 2*n)
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
	}
	return out
}

func (m *imu) status() byte { return m.read(hw.LSM6DS3RegStatus, 1)[0] }

func TestLSM6DS3PoweredDownReadsZero(t *testing.T) {
	m := newIMU(t)
	m.bn.runTo(sim.Second)
	require.Equal(t, []byte{hw.LSM6DS3ID}, m.read(hw.LSM6DS3RegWhoAmI, 1))
	require.Equal(t, byte(0), m.status())
	require.Equal(t, make([]byte, 14), m.read(hw.LSM6DS3RegOutTempL, 14))
	require.Equal(t, []byte{0x04}, m.read(hw.LSM6DS3RegCtrl3C, 1), "IF_INC is set at power-on")
}

func TestLSM6DS3DataReadyFollowsTheODR(t *testing.T) {
	m := newIMU(t)
	m.bn.runTo(5 * sim.Millisecond)
	m.write(hw.LSM6DS3RegCtrl1XL, 0x40) // 104 Hz, ±2 g: a sample every 9.615384 ms
	require.Equal(t, byte(0), m.status(), "no sample yet")
	m.bn.runTo(5*sim.Millisecond + 9_615_383)
	require.Equal(t, byte(0), m.status())
	m.bn.runTo(5*sim.Millisecond + 9_615_384)
	require.Equal(t, byte(0b101), m.status(), "XLDA and TDA (temperature follows the accelerometer)")
	require.Equal(t, []int16{0, 0, 16393}, m.words(hw.LSM6DS3RegOutXLXL, 3), "1 g / 0.061 mg")
	require.Equal(t, byte(0b100), m.status(), "reading the outputs consumes the sample")
	require.Equal(t, []int16{0}, m.words(hw.LSM6DS3RegOutTempL, 1), "25 °C reads 0")
	require.Equal(t, byte(0), m.status())
	m.bn.runTo(5*sim.Millisecond + 2*9_615_384)
	require.Equal(t, byte(0b101), m.status(), "the next sample")

	m.write(hw.LSM6DS3RegCtrl2G, 0x10) // gyroscope at 12.5 Hz
	m.bn.runTo(m.bn.sim.Now() + 80*sim.Millisecond)
	require.Equal(t, byte(0b111), m.status())
	m.write(hw.LSM6DS3RegCtrl1XL, 0x00)
	require.Equal(t, byte(0b110), m.status(), "temperature now follows the gyroscope")
}

func TestLSM6DS3FullScale(t *testing.T) {
	cases := []struct {
		name string
		reg  byte
		ctrl byte
		set  func(d *hw.LSM6DS3)
		out  byte
		want []int16
	}{
		{"±2 g", hw.LSM6DS3RegCtrl1XL, 0x40, func(d *hw.LSM6DS3) { d.SetAcceleration(0.5, -1, 1) }, hw.LSM6DS3RegOutXLXL, []int16{8197, -16393, 16393}},
		{"±16 g", hw.LSM6DS3RegCtrl1XL, 0x44, func(d *hw.LSM6DS3) { d.SetAcceleration(1, -1, 15.9) }, hw.LSM6DS3RegOutXLXL, []int16{2049, -2049, 32582}},
		{"±4 g", hw.LSM6DS3RegCtrl1XL, 0x48, func(d *hw.LSM6DS3) { d.SetAcceleration(1, 0, 0) }, hw.LSM6DS3RegOutXLXL, []int16{8197, 0, 0}},
		{"±8 g", hw.LSM6DS3RegCtrl1XL, 0x4C, func(d *hw.LSM6DS3) { d.SetAcceleration(1, 0, 0) }, hw.LSM6DS3RegOutXLXL, []int16{4098, 0, 0}},
		{"±2 g saturates", hw.LSM6DS3RegCtrl1XL, 0x40, func(d *hw.LSM6DS3) { d.SetAcceleration(3, -3, math.NaN()) }, hw.LSM6DS3RegOutXLXL, []int16{32767, -32768, 0}},
		{"245 dps", hw.LSM6DS3RegCtrl2G, 0x40, func(d *hw.LSM6DS3) { d.SetAngularRate(100, -100, 0) }, hw.LSM6DS3RegOutXLG, []int16{11429, -11429, 0}},
		{"125 dps", hw.LSM6DS3RegCtrl2G, 0x42, func(d *hw.LSM6DS3) { d.SetAngularRate(100, 0, 0) }, hw.LSM6DS3RegOutXLG, []int16{22857, 0, 0}},
		{"500 dps", hw.LSM6DS3RegCtrl2G, 0x44, func(d *hw.LSM6DS3) { d.SetAngularRate(0, 100, 0) }, hw.LSM6DS3RegOutXLG, []int16{0, 5714, 0}},
		{"1000 dps", hw.LSM6DS3RegCtrl2G, 0x48, func(d *hw.LSM6DS3) { d.SetAngularRate(0, 0, 100) }, hw.LSM6DS3RegOutXLG, []int16{0, 0, 2857}},
		{"2000 dps", hw.LSM6DS3RegCtrl2G, 0x4C, func(d *hw.LSM6DS3) { d.SetAngularRate(100, 0, 0) }, hw.LSM6DS3RegOutXLG, []int16{1429, 0, 0}},
		{"245 dps saturates", hw.LSM6DS3RegCtrl2G, 0x40, func(d *hw.LSM6DS3) { d.SetAngularRate(300, 0, 0) }, hw.LSM6DS3RegOutXLG, []int16{32767, 0, 0}},
		{"temperature", hw.LSM6DS3RegCtrl2G, 0x10, func(d *hw.LSM6DS3) { d.SetTemperature(30) }, hw.LSM6DS3RegOutTempL, []int16{80}},
		{"cold", hw.LSM6DS3RegCtrl1XL, 0x10, func(d *hw.LSM6DS3) { d.SetTemperature(-15.5) }, hw.LSM6DS3RegOutTempL, []int16{-648}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newIMU(t)
			m.write(tc.reg, tc.ctrl)
			tc.set(m.bn.board.Accel)
			require.Equal(t, tc.want, m.words(tc.out, len(tc.want)))
		})
	}
}

func TestLSM6DS3RegisterAccess(t *testing.T) {
	m := newIMU(t)
	m.write(hw.LSM6DS3RegCtrl1XL, 0x40, 0x40) // auto-increment: CTRL1_XL and CTRL2_G
	require.Equal(t, []byte{0x40, 0x40, 0x04}, m.read(hw.LSM6DS3RegCtrl1XL, 3))

	m.write(hw.LSM6DS3RegWhoAmI, 0x00) // read-only registers ignore writes
	m.write(hw.LSM6DS3RegStatus, 0xFF)
	require.Equal(t, []byte{hw.LSM6DS3ID}, m.read(hw.LSM6DS3RegWhoAmI, 1))
	require.Equal(t, byte(0), m.status())

	m.write(hw.LSM6DS3RegCtrl3C, 0x00) // IF_INC off: the address stays put
	require.Equal(t, []byte{0x00, 0x00, 0x00}, m.read(hw.LSM6DS3RegCtrl3C, 3))
	require.Equal(t, []byte{0x40, 0x40}, m.read(hw.LSM6DS3RegOutXLXL+5, 2), "OUTZ_H_XL twice")

	m.write(hw.LSM6DS3RegCtrl3C, 0x06) // BLE: high byte at the lower address
	require.Equal(t, []byte{0x40, 0x09}, m.read(hw.LSM6DS3RegOutXLXL+4, 2))

	m.write(hw.LSM6DS3RegCtrl3C, 0x85) // BOOT | IF_INC | SW_RESET
	require.Equal(t, []byte{0, 0, 0x04}, m.read(hw.LSM6DS3RegCtrl1XL, 3), "software reset restores the defaults")
	require.Equal(t, []byte{0x38, 0x38}, m.read(0x18, 2), "CTRL9_XL and CTRL10_C")
	m.write(hw.LSM6DS3RegCtrl3C, 0x84)
	require.Equal(t, []byte{0x04}, m.read(hw.LSM6DS3RegCtrl3C, 1), "BOOT clears itself")

	got := m.read(0x7F, 2)
	require.Equal(t, []byte{0, 0}, got, "the address wraps from 0x7F to 0x00")
	require.NoError(t, m.bn.board.Accel.I2CWrite(nil))
	require.Empty(t, m.bn.board.Accel.I2CRead(-1))
}

func TestLSM6DS3OverSPI(t *testing.T) {
	bn := newBench(t)
	spi := bn.board.SPI[hw.AccelSPIISU]
	xfer := func(segs ...hw.SPISegment) {
		t.Helper()
		require.NoError(t, spi.Transfer(hw.AccelSPIChipSelect, segs))
	}
	xfer(hw.SPISegment{Write: []byte{hw.LSM6DS3RegCtrl1XL, 0x40}})
	ctrl := make([]byte, 2)
	xfer(hw.SPISegment{Write: []byte{0x80 | hw.LSM6DS3RegCtrl1XL}}, hw.SPISegment{Read: ctrl[:1]}, hw.SPISegment{Read: ctrl[1:]})
	require.Equal(t, []byte{0x40, 0x00}, ctrl, "reads continue across segments")

	bn.runTo(10 * sim.Millisecond)
	out := make([]byte, 6)
	xfer(hw.SPISegment{Write: []byte{0x80 | hw.LSM6DS3RegOutXLXL}}, hw.SPISegment{Read: out})
	require.Equal(t, []byte{0, 0, 0, 0, 0x09, 0x40}, out)

	pre := []byte{7}
	xfer(hw.SPISegment{Read: pre}, hw.SPISegment{Write: []byte{0x80 | hw.LSM6DS3RegWhoAmI}})
	require.Equal(t, []byte{0xFF}, pre, "nothing is driven before the command")
	wr := []byte{9}
	xfer(hw.SPISegment{Write: []byte{hw.LSM6DS3RegCtrl2G}}, hw.SPISegment{Read: wr})
	require.Equal(t, []byte{0xFF}, wr, "nothing is driven during a write")
	rd := []byte{0}
	xfer(hw.SPISegment{Write: []byte{0x80 | hw.LSM6DS3RegWhoAmI, 0x00}}, hw.SPISegment{Read: rd})
	require.Equal(t, []byte{0x40}, rd, "bytes clocked out during a read advance the address: this is CTRL1_XL")
}

func TestLSM6DS3SettersAreTraced(t *testing.T) {
	bn := newBench(t)
	d := bn.board.Accel
	d.SetAcceleration(0.25, 0, -1)
	d.SetAngularRate(1, 2, 3)
	d.SetTemperature(31.5)
	ev := bn.rec.Named("sensor.set")
	require.Len(t, ev, 3)
	require.Equal(t, []string{"lsm6ds3", "acceleration", "0.25", "0", "-1", "g"},
		[]string{ev[0].Str("sensor"), ev[0].Str("quantity"), ev[0].Str("x"), ev[0].Str("y"), ev[0].Str("z"), ev[0].Str("unit")})
	require.Equal(t, "angular_rate", ev[1].Str("quantity"))
	require.Equal(t, "dps", ev[1].Str("unit"))
	require.Equal(t, []string{"temperature", "31.5", "C"}, []string{ev[2].Str("quantity"), ev[2].Str("value"), ev[2].Str("unit")})
	require.Equal(t, 3, bn.raise)
}
