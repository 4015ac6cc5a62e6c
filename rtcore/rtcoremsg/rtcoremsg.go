// Package rtcoremsg defines the messages a real-time core serves: the
// Security Monitor's order to load and run an app with its firewall
// configuration, and to stop. Wire format only.
package rtcoremsg

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Message kinds served by a real-time core (emulator-defined numbers).
const (
	KindStart mailbox.Kind = 0x01 // from the Security Monitor: load and run an app
	KindStop  mailbox.Kind = 0x02 // from the Security Monitor: halt the core
)

func init() {
	for _, a := range []mailbox.Addr{mailbox.RTCore0, mailbox.RTCore1} {
		mailbox.RegisterKind(a, KindStart, a.String()+".Start")
		mailbox.RegisterKind(a, KindStop, a.String()+".Stop")
	}
}

// Region is one address range the core's firewall lets it reach, with the
// access allowed (bit 0 read, bit 1 write) and a name for fault reports.
type Region struct {
	Name   string
	Base   uint32
	Size   uint32
	Access uint8
}

// Access bits of a Region.
const (
	AccessRead  = 1
	AccessWrite = 2
)

// Start orders a core to run an app: string component ID, string name,
// u32 region count and regions {string name, u32 base, u32 size, u8
// access}, blob WASM module.
type Start struct {
	ComponentID string
	Name        string
	Regions     []Region
	Wasm        []byte
}

// MaxRegions bounds a firewall configuration.
const MaxRegions = 64

// Marshal encodes s.
func (s *Start) Marshal() []byte {
	var e mailbox.Encoder
	e.String(s.ComponentID)
	e.String(s.Name)
	e.U32(uint32(len(s.Regions)))
	for _, r := range s.Regions {
		e.String(r.Name)
		e.U32(r.Base)
		e.U32(r.Size)
		e.U8(r.Access)
	}
	e.Blob(s.Wasm)
	sum := sha256.Sum256(s.Wasm)
	e.Fixed(sum[:])
	return e.Bytes()
}

// UnmarshalStart decodes a Start. The module travels with its SHA-256, so
// code damaged in transit is refused rather than run.
func UnmarshalStart(p []byte) (Start, error) {
	d := mailbox.NewDecoder(p)
	s := Start{ComponentID: d.String(), Name: d.String()}
	n := d.U32()
	if n > MaxRegions {
		return s, fmt.Errorf("Start: %d regions exceed %d", n, MaxRegions)
	}
	for i := uint32(0); i < n && d.Err() == nil; i++ {
		s.Regions = append(s.Regions, Region{Name: d.String(), Base: d.U32(), Size: d.U32(), Access: d.U8()})
	}
	s.Wasm = d.Blob()
	sum := d.Fixed(sha256.Size)
	if err := d.Finish(); err != nil {
		return s, fmt.Errorf("Start: %w", err)
	}
	if got := sha256.Sum256(s.Wasm); !bytes.Equal(got[:], sum) {
		return s, fmt.Errorf("Start: the module's SHA-256 does not match: code damaged in transit")
	}
	return s, nil
}

// Stopped reports that a core's app ended (to the Security Monitor, which
// tells the kernel): string component ID, string reason ("exit", "fault",
// "watchdog", "load"), string detail.
type Stopped struct {
	ComponentID, Reason, Detail string
}

// Marshal encodes s.
func (s *Stopped) Marshal() []byte {
	var e mailbox.Encoder
	e.String(s.ComponentID)
	e.String(s.Reason)
	e.String(s.Detail)
	return e.Bytes()
}

// UnmarshalStopped decodes a Stopped.
func UnmarshalStopped(p []byte) (Stopped, error) {
	d := mailbox.NewDecoder(p)
	s := Stopped{ComponentID: d.String(), Reason: d.String(), Detail: d.String()}
	if err := d.Finish(); err != nil {
		return s, fmt.Errorf("Stopped: %w", err)
	}
	return s, nil
}
