// Package secmonmsg defines the requests the Security Monitor serves: the
// wire format only. The Security Monitor answers only the requests its
// deny-by-default table allows for the sender.
package secmonmsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Request kinds. GetApplicationImageCount keeps its SMAPI number (reference
// §3); the others are emulator-defined, named after the SM syscalls.
const (
	KindGetApplicationImageCount mailbox.Kind = 0x00
	KindReadApplicationImage     mailbox.Kind = 0x40
	KindPeripheralAcquire        mailbox.Kind = 0x41
	KindPeripheralRelease        mailbox.Kind = 0x42
	KindStartRTCore              mailbox.Kind = 0x43 // from the kernel: StartRtCoreByComponentId
	KindStopRTCore               mailbox.Kind = 0x44 // from the kernel: StopRtCore
	KindBoot                     mailbox.Kind = 0x80 // from Pluton: the A7 is released
	KindRTStopped                mailbox.Kind = 0x81 // from a real-time core: its app ended
)

func init() {
	mailbox.RegisterKind(mailbox.Secmon, KindGetApplicationImageCount, "secmon.GetApplicationImageCount")
	mailbox.RegisterKind(mailbox.Secmon, KindReadApplicationImage, "secmon.ReadApplicationImage")
	mailbox.RegisterKind(mailbox.Secmon, KindPeripheralAcquire, "secmon.PeripheralAcquire")
	mailbox.RegisterKind(mailbox.Secmon, KindPeripheralRelease, "secmon.PeripheralRelease")
	mailbox.RegisterKind(mailbox.Secmon, KindBoot, "secmon.Boot")
	mailbox.RegisterKind(mailbox.Secmon, KindStartRTCore, "secmon.StartRtCore")
	mailbox.RegisterKind(mailbox.Secmon, KindStopRTCore, "secmon.StopRtCore")
	mailbox.RegisterKind(mailbox.Secmon, KindRTStopped, "secmon.RTStopped")
}

// Error codes in KindError replies from the Security Monitor, as
// (category << 20) | id with category 49 (security_monitor_syscall). The ids
// are emulator-defined.
const (
	ErrDenied         uint32 = 49<<20 | 1
	ErrBadRequest     uint32 = 49<<20 | 2
	ErrNoSuchImage    uint32 = 49<<20 | 3
	ErrPeripheralBusy uint32 = 49<<20 | 4
	ErrNoSuchDevice   uint32 = 49<<20 | 5
	ErrFlash          uint32 = 49<<20 | 6
)

// Boot carries the verified Security Monitor payload (its configuration) when
// Pluton releases the A7: blob config.
type Boot struct{ Config []byte }

// Marshal encodes b.
func (b *Boot) Marshal() []byte {
	var e mailbox.Encoder
	e.Blob(b.Config)
	return e.Bytes()
}

// UnmarshalBoot decodes a Boot.
func UnmarshalBoot(p []byte) (Boot, error) {
	d := mailbox.NewDecoder(p)
	b := Boot{Config: d.Blob()}
	return b, wrap("Boot", d.Finish())
}

// EncodeU32 encodes a single u32 (image counts and indexes).
func EncodeU32(v uint32) []byte {
	var e mailbox.Encoder
	e.U32(v)
	return e.Bytes()
}

// DecodeU32 decodes a single u32.
func DecodeU32(p []byte) (uint32, error) {
	d := mailbox.NewDecoder(p)
	v := d.U32()
	return v, wrap("u32", d.Finish())
}

// PeripheralType numbers follow the newer SM API enum (reference §3).
type PeripheralType uint16

// Peripheral types.
const (
	PeripheralGPIO      PeripheralType = 0
	PeripheralUART      PeripheralType = 1
	PeripheralI2C       PeripheralType = 2
	PeripheralSPIMaster PeripheralType = 3
	PeripheralPWM       PeripheralType = 7
	PeripheralADC       PeripheralType = 10
)

// String names the peripheral type.
func (t PeripheralType) String() string {
	switch t {
	case PeripheralGPIO:
		return "gpio"
	case PeripheralUART:
		return "uart"
	case PeripheralI2C:
		return "i2c"
	case PeripheralSPIMaster:
		return "spi-master"
	case PeripheralPWM:
		return "pwm"
	case PeripheralADC:
		return "adc"
	}
	return fmt.Sprintf("peripheral(%d)", uint16(t))
}

// Peripheral asks to acquire or release one peripheral instance for an
// owner core: u16 type, u16 index, u8 owner endpoint, string component ID.
type Peripheral struct {
	Type        PeripheralType
	Index       uint16
	Owner       mailbox.Addr
	ComponentID string
}

// Marshal encodes p.
func (p *Peripheral) Marshal() []byte {
	var e mailbox.Encoder
	e.U16(uint16(p.Type))
	e.U16(p.Index)
	e.U8(uint8(p.Owner))
	e.String(p.ComponentID)
	return e.Bytes()
}

// UnmarshalPeripheral decodes a Peripheral.
func UnmarshalPeripheral(b []byte) (Peripheral, error) {
	d := mailbox.NewDecoder(b)
	p := Peripheral{Type: PeripheralType(d.U16()), Index: d.U16(), Owner: mailbox.Addr(d.U8()), ComponentID: d.String()}
	if err := d.Finish(); err != nil {
		return p, wrap("Peripheral", err)
	}
	if !p.Owner.Valid() {
		return p, fmt.Errorf("Peripheral: unknown owner endpoint %d", p.Owner)
	}
	return p, nil
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// Where the intercore ring buffers of real-time core n live, in the A7's
// SYSRAM: SharedBufferBase + n·SharedBufferSize (emulator-defined place).
const (
	SharedBufferBase = 0x80380000
	SharedBufferSize = 0x8000
)

// StartRTCore asks the Security Monitor to load the app with a component ID
// from flash into a real-time core and run it, with the peripherals the
// kernel acquired for it: u8 core, string component ID, u32 count,
// peripherals {u16 type, u16 index}. The Security Monitor finds and
// verifies the image itself: the kernel cannot substitute code.
type StartRTCore struct {
	Core        uint8
	ComponentID string
	Peripherals []Peripheral // Owner and ComponentID are implied
}

// Marshal encodes s.
func (s *StartRTCore) Marshal() []byte {
	var e mailbox.Encoder
	e.U8(s.Core)
	e.String(s.ComponentID)
	e.U32(uint32(len(s.Peripherals)))
	for _, p := range s.Peripherals {
		e.U16(uint16(p.Type))
		e.U16(p.Index)
	}
	return e.Bytes()
}

// MaxRTPeripherals bounds a StartRTCore request.
const MaxRTPeripherals = 96

// UnmarshalStartRTCore decodes a StartRTCore.
func UnmarshalStartRTCore(b []byte) (StartRTCore, error) {
	d := mailbox.NewDecoder(b)
	s := StartRTCore{Core: d.U8(), ComponentID: d.String()}
	n := d.U32()
	if n > MaxRTPeripherals {
		return s, fmt.Errorf("StartRTCore: %d peripherals exceed %d", n, MaxRTPeripherals)
	}
	for i := uint32(0); i < n && d.Err() == nil; i++ {
		s.Peripherals = append(s.Peripherals, Peripheral{Type: PeripheralType(d.U16()), Index: d.U16()})
	}
	if err := d.Finish(); err != nil {
		return s, wrap("StartRTCore", err)
	}
	if s.Core > 1 {
		return s, fmt.Errorf("StartRTCore: no real-time core %d", s.Core)
	}
	return s, nil
}
