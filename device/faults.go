package device

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/guestfault"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/trace"
)

// CutPower cuts the power now, for fault injection (package fault): every
// domain stops, power.cut is emitted with fields, and when offFor >= 0 the
// chip comes out of reset offFor later (power.reset "power cut") with
// whatever flash, fuses and storage then hold; with offFor < 0 it stays
// off. Call it from a scheduler event (sim.Schedule), never from a domain.
func (d *Device) CutPower(offFor int64, fields ...trace.Field) {
	d.sim.Shutdown()
	for _, a := range []mailbox.Addr{mailbox.Pluton, mailbox.Secmon, mailbox.Kernel, mailbox.Appcore, mailbox.Device, mailbox.RTCore0, mailbox.RTCore1} {
		d.bus.Close(a)
	}
	d.tr.Emit(trace.Device, "power.cut", fields...)
	if offFor >= 0 {
		d.restart(offFor, "power cut")
	}
}

// AddGlitch adds an injector the security decisions consult after
// Config.Glitch (a fault plan's glitch actions add theirs): the first that
// glitches a decision decides it.
func (d *Device) AddGlitch(g glitch.Injector) {
	if g != nil {
		d.glitches = append(d.glitches, g)
	}
}

// glitchAt is the injector the domains hold: Config.Glitch, then the added
// ones.
func (d *Device) glitchAt(p glitch.Point, detail string) glitch.Effect {
	if e := d.cfg.Glitch.At(p, detail); e != glitch.None {
		return e
	}
	for _, g := range d.glitches {
		if e := g(p, detail); e != glitch.None {
			return e
		}
	}
	return glitch.None
}

// AddAppFault adds a function the app cores ask at each host call of a
// guest app whether a fault strikes it there (guestfault.Fault; Op "" for
// none); the first that answers decides, except that a stuck bit's repeat
// yields to any other fault.
func (d *Device) AddAppFault(f guestfault.Source) {
	if f != nil {
		d.appFaults = append(d.appFaults, f)
	}
}

func (d *Device) appFaultAt(domain, cid string) guestfault.Fault {
	var stuck guestfault.Fault // a stuck bit's repeat yields to a new fault
	for _, f := range d.appFaults {
		af := f(domain, cid)
		switch {
		case af.Op == "":
		case !af.Again:
			return af
		case stuck.Op == "":
			stuck = af
		}
	}
	return stuck
}

// AddRegisterFault adds a function the real-time cores ask at each register
// read for the value their app reads instead; they chain in order.
func (d *Device) AddRegisterFault(f guestfault.RegisterSource) {
	if f != nil {
		d.regFaults = append(d.regFaults, f)
	}
}

func (d *Device) registerFaultAt(domain string, addr, v uint32) uint32 {
	for _, f := range d.regFaults {
		v = f(domain, addr, v)
	}
	return v
}

// StickRAM makes bit (0–7) of the byte at physical address addr a stuck
// cell of a real-time core's SYSRAM (core 0 or 1) or of the A7 SYSRAM that
// holds the intercore buffers (any core): it keeps value through every
// later write (fault injection). where names the RAM; a real-time core's
// TCM is its app's memory, stuck through an app fault instead.
func (d *Device) StickRAM(core int, addr uint32, bit uint8, value bool) (where string, err error) {
	where, ram := d.sysRAM(core, addr)
	if ram == nil {
		return "", fmt.Errorf("%#08x is not in rtcore%d's SYSRAM or the A7 SYSRAM (a stuck TCM bit is an app fault with core)", addr, core)
	}
	return where, ram.StickBit(addr, bit, value)
}

// sysRAM finds the SYSRAM holding addr: the A7's, where the intercore
// buffers are (any core), or real-time core's own; nil if neither.
func (d *Device) sysRAM(core int, addr uint32) (where string, ram *hw.RAM) {
	for i, l := range d.rtLinks {
		if l.Shared != nil && l.Shared.Contains(addr, 1) {
			return fmt.Sprintf("a7-sysram (intercore buffers of rtcore%d)", i), l.Shared
		}
	}
	if core >= 0 && core < len(d.rt) && d.rt[core] != nil && d.rt[core].SYSRAM().Contains(addr, 1) {
		return fmt.Sprintf("rtcore%d sysram", core), d.rt[core].SYSRAM()
	}
	return "", nil
}

// RTLink returns a real-time core's end of its intercore channel in this
// boot: the shared memory holding the rings, and its mailbox (fault
// injection: a hostile real-time core forging intercore traffic).
func (d *Device) RTLink(core int) (*hw.RAM, *hw.MailboxChannel) {
	if core < 0 || core >= len(d.rtLinks) {
		return nil, nil
	}
	return d.rtLinks[core].Shared, d.rtLinks[core].Mailbox
}

// PokeRAM changes the byte at physical address addr of a real-time core's
// RAM (its TCM or SYSRAM, core 0 or 1) or of the A7 SYSRAM that holds the
// intercore buffers (any core) to f(the byte), for fault injection (a bit
// flip in RAM). where names the RAM; ok is false when addr is none of them.
func (d *Device) PokeRAM(core int, addr uint32, f func(byte) byte) (where string, before, after byte, ok bool) {
	if where, ram := d.sysRAM(core, addr); ram != nil {
		before, after, err := ram.Poke(addr, f)
		return where, before, after, err == nil
	}
	if core < 0 || core >= len(d.rt) || d.rt[core] == nil {
		return "", 0, 0, false
	}
	before, after, ok = d.rt[core].PokeTCM(addr, f)
	return fmt.Sprintf("rtcore%d tcm", core), before, after, ok
}
