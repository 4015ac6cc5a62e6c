package secmon

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// View is an address space: the A7's, or one of the M4 I/O cores'.
type View string

// Address-space views.
const (
	ViewA7  View = "a7"
	ViewIO0 View = "io0"
	ViewIO1 View = "io1"
)

// Region is one compartment: a range of an address space and the domain
// that owns it. The core firewalls let only the owner reach it.
type Region struct {
	Name  string
	View  View
	Base  uint64
	Size  uint64
	Owner mailbox.Addr
}

// Contains reports whether [addr, addr+n) lies inside r.
func (r Region) Contains(addr, n uint64) bool {
	return addr >= r.Base && n <= r.Size && addr-r.Base <= r.Size-n
}

// DefaultCompartments is the MT3620 compartment map the Security Monitor
// programs at boot (addresses from reference §1.2–§1.3). The split of the
// A7's SYSRAM between the OS, the app and the Security Monitor is
// emulator-defined around the SM's real load address 0x803D0000.
var DefaultCompartments = []Region{
	{"flash-xip", ViewA7, 0x90000000, 16 << 20, mailbox.Secmon},
	{"secure-world-ram", ViewA7, 0x803D0000, 0x30000, mailbox.Secmon},
	{"normal-world-ram", ViewA7, 0x80000000, 0x390000, mailbox.Kernel},
	{"hl-app-ram", ViewA7, 0x80390000, 256 << 10, mailbox.Appcore},
	{"firewall-regs", ViewA7, 0x30000000, 0x10000, mailbox.Secmon},
	{"efuse", ViewA7, 0x300E0000, 0x10000, mailbox.Pluton},
	{"mailbox-pluton", ViewA7, 0x300F0000, 0x10000, mailbox.Secmon},
	{"a7-wdt", ViewA7, 0x30050000, 0x10000, mailbox.Secmon},
	{"a7-gpio", ViewA7, 0x30020000, 0x10000, mailbox.Kernel},
	{"io0-tcm", ViewIO0, 0x00100000, 192 << 10, mailbox.RTCore0},
	{"io0-sysram", ViewIO0, 0x22000000, 64 << 10, mailbox.RTCore0},
	{"io0-core-periph", ViewIO0, 0x21000000, 0x70000, mailbox.RTCore0},
	{"io1-tcm", ViewIO1, 0x00100000, 192 << 10, mailbox.RTCore1},
	{"io1-sysram", ViewIO1, 0x22000000, 64 << 10, mailbox.RTCore1},
	{"io1-core-periph", ViewIO1, 0x21000000, 0x70000, mailbox.RTCore1},
}

// Compartments is a programmed compartment map.
type Compartments struct{ regions []Region }

// NewCompartments checks that no two regions of a view overlap.
func NewCompartments(rs []Region) (*Compartments, error) {
	for i, a := range rs {
		if a.Size == 0 || a.Base+a.Size < a.Base {
			return nil, fmt.Errorf("compartment %s: bad range %#x+%#x", a.Name, a.Base, a.Size)
		}
		for _, b := range rs[i+1:] {
			if a.View == b.View && a.Base < b.Base+b.Size && b.Base < a.Base+a.Size {
				return nil, fmt.Errorf("compartments %s and %s overlap in the %s view", a.Name, b.Name, a.View)
			}
		}
	}
	return &Compartments{regions: append([]Region(nil), rs...)}, nil
}

// Regions returns the map's regions.
func (c *Compartments) Regions() []Region { return append([]Region(nil), c.regions...) }

// Check decides whether who may access [addr, addr+n) in view: deny unless
// a region owned by who contains the whole range.
func (c *Compartments) Check(view View, who mailbox.Addr, addr, n uint64) error {
	for _, r := range c.regions {
		if r.View != view || !r.Contains(addr, n) {
			continue
		}
		if r.Owner != who {
			return fmt.Errorf("access to %#x (%d bytes) in %s by %s: compartment %s belongs to %s", addr, n, view, who, r.Name, r.Owner)
		}
		return nil
	}
	return fmt.Errorf("access to %#x (%d bytes) in %s by %s: no compartment maps it", addr, n, view, who)
}
