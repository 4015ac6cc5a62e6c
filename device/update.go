package device

import (
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/trace"
)

// UpdateAt has the OS install u at virtual time at, as if its update agent
// had downloaded it: the images are staged through the Security Monitor,
// verified by Pluton in flash, and installed as one new layout; an updated
// app restarts, an OS update reboots into the new layout on trial.
func (d *Device) UpdateAt(at int64, u kernel.Update) {
	d.sim.Schedule(at, func() {
		if d.kernel != nil {
			d.kernel.RequestUpdate(u)
		}
	})
}

// CutPowerAtFlashOp cuts the power during the n-th flash operation from now
// (1 = the next one): that operation is torn half-way, as on a real NOR
// part; every later one fails while the power is off; and the device powers
// on again offFor later with whatever flash then holds. Fuses, flash and the
// world around the board survive; everything else restarts from reset.
func (d *Device) CutPowerAtFlashOp(n uint64, offFor int64) {
	target := d.flash.Ops() + n
	cutAt := -1 // the boot during which the power was cut
	d.flash.SetOpHook(func(op hw.FlashOp) hw.FlashOutcome {
		switch {
		case cutAt >= 0 && d.result.Reboots > cutAt:
			d.flash.SetOpHook(nil) // powered again
			return hw.FlashProceed
		case cutAt >= 0:
			return hw.FlashFail
		case op.N == target:
			cutAt = d.result.Reboots
			// The domain doing this operation runs on until it yields (its
			// later flash operations fail); at the same virtual instant the
			// scheduler stops every domain.
			fields := []trace.Field{trace.Uint("flash_op", op.N), trace.Bool("erase", op.Erase), trace.Uint("offset", uint64(op.Offset))}
			d.sim.After(0, func() { d.CutPower(offFor, fields...) })
			return hw.FlashTear
		}
		return hw.FlashProceed
	})
}
