package kernel

import (
	"encoding/binary"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Update deferral (sysevent.h, reference §10.2). When an over-the-air
// update is ready, a running app with SoftwareUpdateDeferral that
// registered for UpdateReadyForInstall gets a Pending event and may defer
// the install (SysEvent_DeferEvent) up to the maximum, or let it go at once
// (SysEvent_ResumeEvent). Without an answer within deferralGrace the
// install proceeds: a Final event, then UpdateStarted, then the install.

// Deferral timing (virtual time). The 24-hour maximum is the real one; the
// grace an app has to answer is emulator-defined.
const (
	maxDeferral   = 24 * 60 * 60 * sim.Second
	deferralGrace = 10 * sim.Second
	finalNotice   = 1 * sim.Second // between the Final event and the install
)

// Event statuses (SysEvent_Status).
const (
	sysStatusPending  = 1
	sysStatusFinal    = 2
	sysStatusDeferred = 3
	sysStatusComplete = 4
)

// pendingUpdate is an over-the-air update waiting for the app.
type pendingUpdate struct {
	u        Update
	kind     uint32 // SysEvent_UpdateType: 1 app, 2 system
	first    int64  // when it was first offered
	deferred bool
	asked    bool // a Pending event reached the app
	waited   bool // the app was given one more grace period to register
	timer    int  // generation of the timer that proceeds with it
}

// offerUpdate installs u now, or first asks the app whether it may.
func (k *Kernel) offerUpdate(u Update) {
	kind := uint32(1)
	for _, im := range u.Images {
		if im.Role != secmonmsg.RoleApp {
			kind = 2
		}
	}
	// An app that may defer but has not registered for the event yet (it
	// is still starting) is given a grace period to do so.
	if k.app == nil || !k.app.manifest.Capabilities.SoftwareUpdateDeferral {
		k.beginInstall(u, kind)
		return
	}
	k.deferral = &pendingUpdate{u: u, kind: kind, first: k.now()}
	k.askApp()
}

// appMayDefer reports whether the running app can defer updates.
func (k *Kernel) appMayDefer() bool {
	p := k.app
	return p != nil && p.manifest.Capabilities.SoftwareUpdateDeferral && k.sysEventFile(sysEventUpdateReadyForInstall) != nil
}

// askApp sends the Pending event and waits deferralGrace for an answer.
func (k *Kernel) askApp() {
	d := k.deferral
	if !d.asked {
		d.first = k.now() // the 24 hours run from the first time the app is told
	}
	left := maxDeferral - (k.now() - d.first)
	minutes := (max(left, 0) + 60*sim.Second - 1) / (60 * sim.Second) // what is left, in started minutes
	d.asked = k.postSysEvent(sysEventUpdateReadyForInstall, sysStatusPending, d.kind, uint32(minutes))
	k.tr.Emit(trace.Kernel, "update.pending", trace.Uint("type", uint64(d.kind)), trace.Int("max_deferral_min", minutes))
	k.proceedAfter(deferralGrace)
}

// proceedAfter installs the pending update after delay, unless the app
// defers again first.
func (k *Kernel) proceedAfter(delay int64) {
	d := k.deferral
	d.timer++
	gen := d.timer
	k.after(delay, func() {
		if k.deferral == d && d.timer == gen {
			if !d.asked && !d.waited && k.appMayDefer() {
				d.waited = true
				k.askApp() // it registered meanwhile
				return
			}
			if d.deferred {
				d.deferred = false
				if k.appMayDefer() && k.now()-d.first < maxDeferral {
					k.askApp()
					return
				}
			}
			k.proceed()
		}
	})
}

// proceed sends Final, then installs.
func (k *Kernel) proceed() {
	d := k.deferral
	k.deferral = nil
	k.postSysEvent(sysEventUpdateReadyForInstall, sysStatusFinal, d.kind, 0)
	k.after(finalNotice, func() { k.beginInstall(d.u, d.kind) })
}

// beginInstall tells the apps the update starts, and installs it.
func (k *Kernel) beginInstall(u Update, kind uint32) {
	k.postSysEvent(sysEventUpdateStarted, sysStatusComplete, kind, 0)
	if err := k.installUpdate(u); err != nil {
		k.tr.Emit(trace.Kernel, "update.failed", trace.Str("source", u.Source), trace.Str("reason", err.Error()))
		k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassOS, "UpdateRefused (source="+u.Source+"; reason="+err.Error()+")")
	}
}

// sysEventFile returns the app's registration that wants event, if any.
func (k *Kernel) sysEventFile(event uint32) *sysEventFile {
	if k.app == nil {
		return nil
	}
	for _, f := range k.app.fds {
		if s, ok := f.(*sysEventFile); ok && s.mask&event != 0 {
			return s
		}
	}
	return nil
}

// postSysEvent queues a 16-byte record for the app if it registered for
// the event (docs/abi.md §16).
func (k *Kernel) postSysEvent(event, status, kind, minutes uint32) bool {
	f := k.sysEventFile(event)
	if f == nil {
		return false
	}
	if len(f.queue) >= 64 {
		f.queue = f.queue[1:] // an app that never reads loses the oldest
	}
	rec := make([]byte, 16)
	binary.LittleEndian.PutUint32(rec, event)
	binary.LittleEndian.PutUint32(rec[4:], status)
	binary.LittleEndian.PutUint32(rec[8:], kind)
	binary.LittleEndian.PutUint32(rec[12:], minutes)
	f.queue = append(f.queue, rec)
	k.tr.Emit(trace.Kernel, "sysevent.post", trace.Str("cid", k.app.cid), trace.Uint("event", uint64(event)), trace.Uint("status", uint64(status)))
	return true
}

// sysEventDeferUpdate is SysEvent_DeferEvent: put the pending update off
// by minutes, cut to what is left of the 24-hour maximum.
func sysEventDeferUpdate(c *call) (kernelmsg.Result, *wait) {
	if !c.p.manifest.Capabilities.SoftwareUpdateDeferral {
		return fail(kernelmsg.EACCES), nil
	}
	d := c.k.deferral
	if c.arg(0) != sysEventUpdateReadyForInstall || c.arg(1) < 0 || d == nil {
		return fail(kernelmsg.EINVAL), nil
	}
	left := maxDeferral - (c.k.now() - d.first)
	delay := min(c.arg(1)*60*sim.Second, left)
	d.deferred = true
	c.k.tr.Emit(trace.Kernel, "update.defer", trace.Str("cid", c.p.cid), trace.Int("minutes", delay/(60*sim.Second)))
	c.k.postSysEvent(sysEventUpdateReadyForInstall, sysStatusDeferred, d.kind, 0)
	c.k.proceedAfter(delay)
	return ok(0), nil
}

// sysEventResumeUpdate is SysEvent_ResumeEvent: let the update go now.
func sysEventResumeUpdate(c *call) (kernelmsg.Result, *wait) {
	if !c.p.manifest.Capabilities.SoftwareUpdateDeferral {
		return fail(kernelmsg.EACCES), nil
	}
	if c.arg(0) != sysEventUpdateReadyForInstall || c.k.deferral == nil {
		return fail(kernelmsg.EINVAL), nil
	}
	c.k.tr.Emit(trace.Kernel, "update.resume", trace.Str("cid", c.p.cid))
	c.k.proceed()
	return ok(0), nil
}

// noUpdateAvailable tells a registered app that the check found nothing.
func (k *Kernel) noUpdateAvailable() {
	k.postSysEvent(sysEventNoUpdateAvailable, sysStatusComplete, 0, 0)
}
