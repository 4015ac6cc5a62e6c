package hw

import (
	"fmt"
	"math/bits"

	"github.com/sphere-emu/sphere-emu/trace"
)

// SPI settings, numbered as applibs' spi.h.
const (
	SPIMode0 = 1 // CPOL 0, CPHA 0
	SPIMode1 = 2 // CPOL 0, CPHA 1
	SPIMode2 = 3 // CPOL 1, CPHA 0
	SPIMode3 = 4 // CPOL 1, CPHA 1

	SPILSBFirst = 1 // least significant bit first
	SPIMSBFirst = 2 // most significant bit first

	SPIChipSelectA = 0 // MT3620_SPI_CS_A
	SPIChipSelectB = 1 // MT3620_SPI_CS_B
)

// SPIMaxSpeed is the fastest SPI clock the MT3620's ISUs generate, in Hz.
const SPIMaxSpeed = 40_000_000

// SPISegment is one half-duplex piece of a transfer: bytes clocked out
// (Write) or bytes clocked in (Read, filled by the transfer).
type SPISegment struct {
	Write []byte
	Read  []byte
}

// SPIDevice is a target on an SPI bus. It sees each transfer as the
// segments clocked while its chip select was asserted, and fills the Read
// slices. Segments reach it in MSB-first bit order whatever the bus setting.
type SPIDevice interface {
	SPITransfer(segments []SPISegment) error
}

// SPIBus is one ISU in SPI master mode with the devices on its two chip selects.
type SPIBus struct {
	isu   int
	tr    *trace.Tracer
	speed uint32
	mode  int
	order int
	devs  [2]SPIDevice
}

// NewSPIBus returns ISU isu's SPI master at 1 MHz, mode 0, MSB first, with nothing attached.
func NewSPIBus(isu int, tr *trace.Tracer) *SPIBus {
	return &SPIBus{isu: isu, tr: tr, speed: 1_000_000, mode: SPIMode0, order: SPIMSBFirst}
}

// ISU returns the number of the ISU the bus belongs to.
func (b *SPIBus) ISU() int { return b.isu }

// Speed returns the clock speed in Hz.
func (b *SPIBus) Speed() uint32 { return b.speed }

// SetSpeed sets the clock speed: 1 Hz to SPIMaxSpeed, else an error wrapping ErrInvalid.
func (b *SPIBus) SetSpeed(hz uint32) error {
	if hz == 0 || hz > SPIMaxSpeed {
		return fmt.Errorf("spi ISU%d: clock speed %d Hz: want 1 to %d: %w", b.isu, hz, SPIMaxSpeed, ErrInvalid)
	}
	b.speed = hz
	return nil
}

// Mode returns the SPI mode setting (SPIMode0..SPIMode3).
func (b *SPIBus) Mode() int { return b.mode }

// SetMode sets the clock polarity and phase: 1..4 for SPI modes 0..3, as in
// applibs; anything else is refused with ErrInvalid. Devices are not
// sensitive to it in this model.
func (b *SPIBus) SetMode(m int) error {
	if m < SPIMode0 || m > SPIMode3 {
		return fmt.Errorf("spi ISU%d: mode %d: want 1 to 4 (SPI modes 0 to 3): %w", b.isu, m, ErrInvalid)
	}
	b.mode = m
	return nil
}

// BitOrder returns the bit order setting (SPILSBFirst or SPIMSBFirst).
func (b *SPIBus) BitOrder() int { return b.order }

// SetBitOrder sets the bit order: SPILSBFirst (1) or SPIMSBFirst (2). With LSB
// first, an MSB-first device such as the LSM6DS3 sees every byte reversed,
// as on the wire.
func (b *SPIBus) SetBitOrder(o int) error {
	if o != SPILSBFirst && o != SPIMSBFirst {
		return fmt.Errorf("spi ISU%d: bit order %d: want 1 (LSB first) or 2 (MSB first): %w", b.isu, o, ErrInvalid)
	}
	b.order = o
	return nil
}

// Attach wires dev to chip select cs (SPIChipSelectA or SPIChipSelectB);
// a nil dev leaves it empty. Other chip selects are ignored.
func (b *SPIBus) Attach(cs int, dev SPIDevice) {
	if cs == SPIChipSelectA || cs == SPIChipSelectB {
		b.devs[cs] = dev
	}
}

// Transfer asserts chip select cs, clocks the segments in order and releases
// it, emitting spi.xfer. Each segment must either write or read at least one
// byte: the MT3620 does not support full-duplex segments, and an empty
// transfer or an unknown chip select is refused; those errors wrap
// ErrInvalid. With no device on cs, reads return 0xFF (MISO pulled up).
func (b *SPIBus) Transfer(cs int, segments []SPISegment) error {
	if cs != SPIChipSelectA && cs != SPIChipSelectB {
		return fmt.Errorf("spi ISU%d: chip select %d: want 0 (A) or 1 (B): %w", b.isu, cs, ErrInvalid)
	}
	if len(segments) == 0 {
		return fmt.Errorf("spi ISU%d: transfer without segments: %w", b.isu, ErrInvalid)
	}
	var wlen, rlen int
	for i, s := range segments {
		switch {
		case len(s.Write) > 0 && len(s.Read) > 0:
			return fmt.Errorf("spi ISU%d: segment %d both writes and reads; the MT3620 does not support full-duplex transfers: %w", b.isu, i, ErrInvalid)
		case len(s.Write) == 0 && len(s.Read) == 0:
			return fmt.Errorf("spi ISU%d: segment %d is empty: %w", b.isu, i, ErrInvalid)
		}
		wlen += len(s.Write)
		rlen += len(s.Read)
	}
	b.tr.Emit(trace.HW, "spi.xfer", trace.Int("isu", int64(b.isu)), trace.Int("cs", int64(cs)),
		trace.Int("segments", int64(len(segments))), trace.Int("wlen", int64(wlen)), trace.Int("rlen", int64(rlen)))
	dev := b.devs[cs]
	if dev == nil {
		for _, s := range segments {
			for i := range s.Read {
				s.Read[i] = 0xFF
			}
		}
		return nil
	}
	segs := segments
	if b.order == SPILSBFirst {
		segs = make([]SPISegment, len(segments))
		for i, s := range segments {
			segs[i].Read = s.Read
			if len(s.Write) > 0 {
				segs[i].Write = make([]byte, len(s.Write))
				for j, v := range s.Write {
					segs[i].Write[j] = bits.Reverse8(v)
				}
			}
		}
	}
	err := dev.SPITransfer(segs)
	if b.order == SPILSBFirst {
		for _, s := range segments {
			for i, v := range s.Read {
				s.Read[i] = bits.Reverse8(v)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("spi ISU%d: chip select %d: %w", b.isu, cs, err)
	}
	return nil
}

// Duration returns how long clocking n bytes takes at the bus speed.
func (b *SPIBus) Duration(n int) int64 {
	if n <= 0 {
		return 0
	}
	return int64(n) * 8 * 1_000_000_000 / int64(b.speed)
}
