// Package guestfault is what a fault that strikes a guest app is: a trap,
// a hang, memory exhaustion or a bit flip in its linear memory; and, for a
// real-time app, a flipped bit in a peripheral register it reads. The
// high-level app core and the real-time cores ask for one at each host call
// of their guest (fault injection: package fault's app and register
// actions) and act on it with the helpers here, so both cores strike the
// same way.
package guestfault

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/sphere-emu/sphere-emu/trace"
)

// The operations.
const (
	Trap    = "trap"    // the guest traps (an unreachable instruction)
	Hang    = "hang"    // it spins without yielding: only a watchdog ends it
	Exhaust = "exhaust" // its linear memory grows to the limit
	Flip    = "flip"    // bit Bit of the byte at Offset of its linear memory inverts
)

// Fault is a fault that strikes a guest at a host call; Op "" is none.
type Fault struct {
	Op     string
	Offset uint32
	Bit    uint8
	// Mode (Flip) is "toggle" ("" too), "set0" or "set1".
	Mode string
	// Again marks a stuck bit's later strikes: the core traces them only
	// when they change the byte.
	Again bool
}

// Source is asked at each host call of a guest app — by its core's domain
// ("appcore", "rtcore0", "rtcore1") and component ID — whether a fault
// strikes it there.
type Source func(domain, cid string) Fault

// flipBit changes bit (0–7) of the byte at off of mem as mode says:
// "toggle" (or "") inverts it, "set0" and "set1" force it. ok is false, and
// nothing changes, when off lies beyond the memory.
func flipBit(mem api.Memory, off uint32, bit uint8, mode string) (before, after byte, ok bool) {
	before, ok = mem.ReadByte(off)
	m := byte(1) << (bit & 7)
	switch mode {
	case "set0":
		after = before &^ m
	case "set1":
		after = before | m
	default:
		after = before ^ m
	}
	if ok {
		mem.WriteByte(off, after)
	}
	return before, after, ok
}

// StrikeMemory applies a Flip fault to mem and returns the app.fault
// event's details (offset, bit, in_memory, before, after); emit is false
// for a stuck bit's later strike that changed nothing.
func (f Fault) StrikeMemory(mem api.Memory) (details []trace.Field, emit bool) {
	before, after, ok := flipBit(mem, f.Offset, f.Bit, f.Mode)
	if f.Again && before == after {
		return nil, false
	}
	return []trace.Field{trace.Uint("offset", uint64(f.Offset)), trace.Int("bit", int64(f.Bit&7)), trace.Bool("in_memory", ok),
		trace.Uint("before", uint64(before)), trace.Uint("after", uint64(after))}, true
}

// Grow grows mem one page at a time until it reaches its limit and
// returns the pages it grew.
func Grow(mem api.Memory) uint32 {
	pages := uint32(0)
	for {
		if _, ok := mem.Grow(1); !ok {
			return pages
		}
		pages++
	}
}

// RegisterSource is asked at each 32-bit register read of a real-time app
// — by its core's domain, the physical address and the value the register
// holds — for the value the app reads instead (v itself for none).
type RegisterSource func(domain string, addr, v uint32) uint32
