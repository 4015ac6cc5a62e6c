package hw

import (
	"math"
	"strconv"

	"github.com/sphere-emu/sphere-emu/trace"
)

// LSM6DS3 register addresses (ST's datasheet, DocID026899) that the model
// gives behaviour to; other registers are plain storage or read as 0.
const (
	LSM6DS3RegWhoAmI   = 0x0F // reads LSM6DS3ID
	LSM6DS3RegCtrl1XL  = 0x10 // accelerometer ODR (bits 7:4) and full scale (bits 3:2)
	LSM6DS3RegCtrl2G   = 0x11 // gyroscope ODR (bits 7:4), full scale (bits 3:2) and FS_125 (bit 1)
	LSM6DS3RegCtrl3C   = 0x12 // BOOT 7, BDU 6, IF_INC 2, BLE 1, SW_RESET 0
	LSM6DS3RegStatus   = 0x1E // TDA 2, GDA 1, XLDA 0
	LSM6DS3RegOutTempL = 0x20 // temperature, then gyroscope X/Y/Z at 0x22, accelerometer X/Y/Z at 0x28
	LSM6DS3RegOutXLG   = 0x22 // first gyroscope output register
	LSM6DS3RegOutXLXL  = 0x28 // first accelerometer output register
)

// LSM6DS3ID is the value of the WHO_AM_I register.
const LSM6DS3ID = 0x69

// CTRL3_C bits.
const (
	lsmSWReset = 1 << 0
	lsmBLE     = 1 << 1
	lsmIFInc   = 1 << 2
	lsmBoot    = 1 << 7
)

// lsmODRPeriod gives the sample period in ns for each ODR code; 0 means
// powered down. Codes the datasheet marks unavailable also power down.
var (
	lsmAccelPeriod = [16]int64{0, 80_000_000, 38_461_538, 19_230_769, 9_615_384, 4_807_692, 2_403_846, 1_200_480, 602_409, 300_300, 150_150}
	lsmGyroPeriod  = [16]int64{0, 80_000_000, 38_461_538, 19_230_769, 9_615_384, 4_807_692, 2_403_846, 1_200_480, 602_409}
	lsmAccelSens   = [4]float64{0.061, 0.488, 0.122, 0.244} // mg/LSB for FS_XL 00 (±2 g), 01 (±16 g), 10 (±4 g), 11 (±8 g)
	lsmGyroSens    = [4]float64{8.75, 17.5, 35, 70}         // mdps/LSB for FS_G 00 (245 dps), 01 (500), 10 (1000), 11 (2000)
)

const lsmGyroSens125 = 4.375 // mdps/LSB with FS_125 set

// lsmWritable reports whether the application can write register a.
func lsmWritable(a byte) bool {
	switch {
	case a == 0x01, a == 0x04, a >= 0x06 && a <= 0x0B, a == 0x0D, a == 0x0E,
		a >= 0x10 && a <= 0x1A, a >= 0x58 && a <= 0x5F:
		return true
	}
	return false
}

// LSM6DS3 is ST's 6-axis accelerometer and gyroscope, the sensor the
// Azure Sphere samples read over I2C or SPI. Each part (accelerometer,
// gyroscope) samples at its ODR once powered (ODR ≠ 0): STATUS_REG flags a
// new sample until the part's output registers are read. The outputs hold
// the physical values set with the setters, scaled by the full-scale
// setting, and read 0 while the part is powered down. Multi-byte accesses
// advance the register address when CTRL3_C.IF_INC is set (the default).
// BDU is stored but has no effect: values change only when a setter runs.
type LSM6DS3 struct {
	tr     *trace.Tracer
	now    func() int64
	notify func()

	regs [128]byte
	ptr  byte // I2C register pointer

	accel, gyro [3]float64 // g, dps
	temp        float64    // °C

	// Accelerometer noise (SetAccelNoise): drawn once per output sample.
	noise      func() float64
	noiseAt    int64
	noiseDrawn bool
	noiseVals  [3]float64

	xlOn, gOn            int64 // when each part last changed ODR
	xlSeen, gSeen, tSeen int64 // the time of the newest sample read out
}

// NewLSM6DS3 returns the sensor at power-on: registers at their defaults,
// both parts powered down, at rest (0, 0, 1 g), not rotating, at 25 °C.
func NewLSM6DS3(tr *trace.Tracer, now func() int64) *LSM6DS3 {
	if now == nil {
		now = func() int64 { return 0 }
	}
	d := &LSM6DS3{tr: tr, now: now, accel: [3]float64{0, 0, 1}, temp: 25}
	d.reset()
	return d
}

func (d *LSM6DS3) reset() {
	d.regs = [128]byte{}
	d.regs[LSM6DS3RegCtrl3C] = lsmIFInc
	d.regs[0x18] = 0x38 // CTRL9_XL: accelerometer X, Y, Z enabled
	d.regs[0x19] = 0x38 // CTRL10_C: gyroscope X, Y, Z enabled
	now := d.now()
	d.xlOn, d.gOn, d.xlSeen, d.gSeen, d.tSeen = now, now, now, now, now
}

// SetAcceleration sets the acceleration the sensor feels, in g (1 g at rest
// on a table: 0, 0, 1), emits sensor.set and raises the board's input line.
func (d *LSM6DS3) SetAcceleration(x, y, z float64) {
	d.accel = [3]float64{x, y, z}
	d.tr.Emit(trace.HW, "sensor.set", trace.Str("sensor", "lsm6ds3"), trace.Str("quantity", "acceleration"),
		trace.Str("x", ftoa(x)), trace.Str("y", ftoa(y)), trace.Str("z", ftoa(z)), trace.Str("unit", "g"))
	d.raise()
}

// SetAccelNoise adds noise to the accelerometer's outputs: f draws one
// axis's noise in g, once per axis per output sample (nil: none). It emits
// sensor.noise.
func (d *LSM6DS3) SetAccelNoise(f func() float64) {
	d.noise, d.noiseDrawn = f, false
	d.tr.Emit(trace.HW, "sensor.noise", trace.Str("sensor", "lsm6ds3"), trace.Str("quantity", "acceleration"), trace.Bool("on", f != nil))
}

// SetAngularRate sets the rotation the sensor feels, in degrees per second,
// emits sensor.set and raises the board's input line.
func (d *LSM6DS3) SetAngularRate(x, y, z float64) {
	d.gyro = [3]float64{x, y, z}
	d.tr.Emit(trace.HW, "sensor.set", trace.Str("sensor", "lsm6ds3"), trace.Str("quantity", "angular_rate"),
		trace.Str("x", ftoa(x)), trace.Str("y", ftoa(y)), trace.Str("z", ftoa(z)), trace.Str("unit", "dps"))
	d.raise()
}

// SetTemperature sets the die temperature in °C, emits sensor.set and
// raises the board's input line.
func (d *LSM6DS3) SetTemperature(c float64) {
	d.temp = c
	d.tr.Emit(trace.HW, "sensor.set", trace.Str("sensor", "lsm6ds3"), trace.Str("quantity", "temperature"),
		trace.Str("value", ftoa(c)), trace.Str("unit", "C"))
	d.raise()
}

func (d *LSM6DS3) raise() {
	if d.notify != nil {
		d.notify()
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// I2CWrite takes a register address and then data for consecutive registers.
func (d *LSM6DS3) I2CWrite(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	d.ptr = p[0] & 0x7F
	for _, v := range p[1:] {
		d.write(d.ptr, v)
		d.ptr = d.advance(d.ptr)
	}
	return nil
}

// I2CRead returns n bytes from the register pointer onwards.
func (d *LSM6DS3) I2CRead(n int) []byte {
	out := make([]byte, max(n, 0))
	for i := range out {
		out[i] = d.read(d.ptr)
		d.ptr = d.advance(d.ptr)
	}
	return out
}

// SPITransfer treats the first byte written after chip select as the
// command (bit 7 set for a read, bits 6:0 the register address): a write
// stores the following bytes; a read shifts register contents out for
// every following byte clocked, in either direction.
func (d *LSM6DS3) SPITransfer(segments []SPISegment) error {
	started, reading := false, false
	var addr byte
	for _, s := range segments {
		for _, v := range s.Write {
			switch {
			case !started:
				started, reading, addr = true, v&0x80 != 0, v&0x7F
				continue
			case reading:
				d.read(addr) // shifted out while the master talks; side effects still happen
			default:
				d.write(addr, v)
			}
			addr = d.advance(addr)
		}
		for i := range s.Read {
			if !started || !reading {
				s.Read[i] = 0xFF // MISO is not driven
				continue
			}
			s.Read[i] = d.read(addr)
			addr = d.advance(addr)
		}
	}
	return nil
}

func (d *LSM6DS3) advance(a byte) byte {
	if d.regs[LSM6DS3RegCtrl3C]&lsmIFInc != 0 {
		return (a + 1) & 0x7F
	}
	return a
}

func (d *LSM6DS3) write(a, v byte) {
	if !lsmWritable(a) {
		return
	}
	switch a {
	case LSM6DS3RegCtrl3C:
		if v&lsmSWReset != 0 {
			d.reset()
			return
		}
		v &^= lsmBoot // the reboot finishes at once
	case LSM6DS3RegCtrl1XL:
		if lsmAccelPeriod[v>>4] != lsmAccelPeriod[d.regs[a]>>4] {
			d.xlOn, d.xlSeen = d.now(), d.now()
		}
	case LSM6DS3RegCtrl2G:
		if lsmGyroPeriod[v>>4] != lsmGyroPeriod[d.regs[a]>>4] {
			d.gOn, d.gSeen = d.now(), d.now()
		}
	}
	d.regs[a] = v
}

// latest returns the time of the newest sample of a part that changed ODR
// at on and samples every period ns, or -1 when it is powered down or has
// not finished a sample yet.
func (d *LSM6DS3) latest(on, period int64) int64 {
	now := d.now()
	if period == 0 || now-on < period {
		return -1
	}
	return on + (now-on)/period*period
}

func (d *LSM6DS3) xlPeriod() int64 { return lsmAccelPeriod[d.regs[LSM6DS3RegCtrl1XL]>>4] }
func (d *LSM6DS3) gPeriod() int64  { return lsmGyroPeriod[d.regs[LSM6DS3RegCtrl2G]>>4] }

func (d *LSM6DS3) xlLatest() int64 { return d.latest(d.xlOn, d.xlPeriod()) }
func (d *LSM6DS3) gLatest() int64  { return d.latest(d.gOn, d.gPeriod()) }

// tLatest returns the time of the newest temperature sample: it is
// converted at the accelerometer's rate when that is powered, else at the
// gyroscope's.
func (d *LSM6DS3) tLatest() int64 {
	if d.xlPeriod() != 0 {
		return d.xlLatest()
	}
	return d.gLatest()
}

func (d *LSM6DS3) read(a byte) byte {
	switch {
	case a == LSM6DS3RegWhoAmI:
		return LSM6DS3ID
	case a == LSM6DS3RegStatus:
		var s byte
		if t := d.xlLatest(); t >= 0 && t > d.xlSeen {
			s |= 1 << 0
		}
		if t := d.gLatest(); t >= 0 && t > d.gSeen {
			s |= 1 << 1
		}
		if t := d.tLatest(); t >= 0 && t > d.tSeen {
			s |= 1 << 2
		}
		return s
	case a >= LSM6DS3RegOutTempL && a <= LSM6DS3RegOutXLXL+5:
		off := a - LSM6DS3RegOutTempL
		w := d.word(int(off / 2))
		high := off%2 == 1
		if d.regs[LSM6DS3RegCtrl3C]&lsmBLE != 0 {
			high = !high
		}
		if high {
			return byte(uint16(w) >> 8)
		}
		return byte(w)
	}
	return d.regs[a&0x7F]
}

// word returns output word w (0 temperature, 1–3 gyroscope X–Z, 4–6
// accelerometer X–Z) and marks that part's current sample as read.
func (d *LSM6DS3) word(w int) int16 {
	ctrl1, ctrl2 := d.regs[LSM6DS3RegCtrl1XL], d.regs[LSM6DS3RegCtrl2G]
	switch {
	case w == 0:
		if d.xlPeriod() == 0 && d.gPeriod() == 0 {
			return 0
		}
		d.tSeen = max(d.tSeen, d.tLatest())
		return toInt16((d.temp - 25) * 16)
	case w <= 3:
		if d.gPeriod() == 0 {
			return 0
		}
		d.gSeen = max(d.gSeen, d.gLatest())
		sens := lsmGyroSens[(ctrl2>>2)&3]
		if ctrl2&(1<<1) != 0 {
			sens = lsmGyroSens125
		}
		return toInt16(d.gyro[w-1] * 1000 / sens)
	default:
		if d.xlPeriod() == 0 {
			return 0
		}
		latest := d.xlLatest()
		d.xlSeen = max(d.xlSeen, latest)
		v := d.accel[w-4]
		if d.noise != nil {
			if !d.noiseDrawn || d.noiseAt != latest {
				d.noiseAt, d.noiseDrawn = latest, true
				for i := range d.noiseVals {
					d.noiseVals[i] = d.noise()
				}
			}
			v += d.noiseVals[w-4]
		}
		return toInt16(v * 1000 / lsmAccelSens[(ctrl1>>2)&3])
	}
}

// toInt16 rounds v to the nearest output code, saturating at the range and
// reading NaN as 0.
func toInt16(v float64) int16 {
	switch {
	case math.IsNaN(v):
		return 0
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	}
	return int16(math.Round(v))
}
