package hw

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/trace"
)

// I2C bus speeds in Hz, as applibs' i2c.h names them.
const (
	I2CSpeedStandard = 100_000   // standard mode
	I2CSpeedFast     = 400_000   // fast mode
	I2CSpeedFastPlus = 1_000_000 // fast-mode plus
	I2CSpeedHigh     = 3_400_000 // named by applibs but not supported by the MT3620
)

// I2CMaxTransfer is the longest write or read in one transfer: Linux's
// i2c_msg, which carries it to the driver, has a 16-bit length.
const I2CMaxTransfer = 65535

// I2CDevice is a target on an I2C bus. A write transaction delivers its
// bytes (for register-based parts, a register address and then data); a read
// transaction asks for n bytes (continuing from the part's register pointer).
type I2CDevice interface {
	I2CWrite(p []byte) error
	I2CRead(n int) []byte
}

// I2CBus is one ISU in I2C master mode with the devices wired to it.
type I2CBus struct {
	isu   int
	tr    *trace.Tracer
	speed uint32
	devs  map[uint8]I2CDevice
	nacks map[uint8]int // address → transfers still to refuse (fault injection)
}

// FailNext makes the next n transfers to addr go unacknowledged, as a
// device that is busy, browned out or hit by noise would (fault injection).
func (b *I2CBus) FailNext(addr uint8, n int) {
	if b.nacks == nil {
		b.nacks = map[uint8]int{}
	}
	b.nacks[addr] += n
}

// NewI2CBus returns ISU isu's I2C master at standard speed with nothing attached.
func NewI2CBus(isu int, tr *trace.Tracer) *I2CBus {
	return &I2CBus{isu: isu, tr: tr, speed: I2CSpeedStandard, devs: map[uint8]I2CDevice{}}
}

// ISU returns the number of the ISU the bus belongs to.
func (b *I2CBus) ISU() int { return b.isu }

// Speed returns the bus speed in Hz.
func (b *I2CBus) Speed() uint32 { return b.speed }

// SetSpeed sets the bus speed. The MT3620 supports standard (100 kHz), fast
// (400 kHz) and fast-plus (1 MHz) mode but not high speed (3.4 MHz); any
// other value is refused with an error wrapping ErrInvalid.
func (b *I2CBus) SetSpeed(hz uint32) error {
	switch hz {
	case I2CSpeedStandard, I2CSpeedFast, I2CSpeedFastPlus:
		b.speed = hz
		return nil
	case I2CSpeedHigh:
		return fmt.Errorf("i2c ISU%d: high-speed mode (3.4 MHz) is not supported by the MT3620: %w", b.isu, ErrInvalid)
	}
	return fmt.Errorf("i2c ISU%d: bus speed %d Hz is not 100000, 400000 or 1000000: %w", b.isu, hz, ErrInvalid)
}

// Attach wires dev to the bus at 7-bit address addr, replacing what was
// there; a nil dev leaves the address empty.
func (b *I2CBus) Attach(addr uint8, dev I2CDevice) {
	if dev == nil {
		delete(b.devs, addr)
		return
	}
	b.devs[addr] = dev
}

// Transfer addresses the device at addr, writes write (if any) and then, after
// a repeated start, reads readLen bytes (if any), and emits i2c.xfer. It
// fails with ErrNoAck when nothing answers at addr, and with ErrInvalid for
// a 10-bit address (the MT3620 has only 7-bit addressing), an empty transfer
// or a length beyond I2CMaxTransfer. Bytes a device does not supply read as
// 0xFF, the level of the pulled-up bus.
func (b *I2CBus) Transfer(addr uint8, write []byte, readLen int) ([]byte, error) {
	switch {
	case addr > 0x7F:
		return nil, fmt.Errorf("i2c ISU%d: address %#x is not a 7-bit address: %w", b.isu, addr, ErrInvalid)
	case readLen < 0 || readLen > I2CMaxTransfer || len(write) > I2CMaxTransfer:
		return nil, fmt.Errorf("i2c ISU%d: transfer of %d bytes out and %d in: each must be 0 to %d: %w", b.isu, len(write), readLen, I2CMaxTransfer, ErrInvalid)
	case len(write) == 0 && readLen == 0:
		return nil, fmt.Errorf("i2c ISU%d: empty transfer to %#02x: %w", b.isu, addr, ErrInvalid)
	}
	dev := b.devs[addr]
	if b.nacks[addr] > 0 {
		b.nacks[addr]--
		dev = nil // no acknowledge this time
	}
	b.tr.Emit(trace.HW, "i2c.xfer", trace.Int("isu", int64(b.isu)), trace.Int("addr", int64(addr)),
		trace.Int("wlen", int64(len(write))), trace.Int("rlen", int64(readLen)), trace.Bool("ack", dev != nil))
	if dev == nil {
		return nil, fmt.Errorf("i2c ISU%d: address %#02x: %w", b.isu, addr, ErrNoAck)
	}
	if len(write) > 0 {
		if err := dev.I2CWrite(write); err != nil {
			return nil, fmt.Errorf("i2c ISU%d: write to %#02x: %w", b.isu, addr, err)
		}
	}
	if readLen == 0 {
		return nil, nil
	}
	out := make([]byte, readLen)
	n := copy(out, dev.I2CRead(readLen))
	for i := n; i < readLen; i++ {
		out[i] = 0xFF
	}
	return out, nil
}

// Duration returns how long a transfer of wlen bytes out and rlen bytes in
// takes on the wire at the bus speed: 9 clocks per byte (8 bits and the
// acknowledge) plus the address byte of each phase and the start and stop
// conditions. The kernel may charge it as the syscall's cost.
func (b *I2CBus) Duration(wlen, rlen int) int64 {
	clocks := int64(2) // start and stop
	wlen, rlen = max(wlen, 0), max(rlen, 0)
	if wlen > 0 {
		clocks += 9 * int64(1+wlen)
	}
	if rlen > 0 {
		clocks += 1 + 9*int64(1+rlen) // repeated start, address, data
	}
	return clocks * 1_000_000_000 / int64(b.speed)
}
