package kernel

import (
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/sim"
)

// noDeadline marks a wait without a timeout.
const noDeadline int64 = -1

// wait is a blocked syscall: the app core waits for its reply, and the
// kernel completes it when try succeeds, the deadline passes, or a signal
// interrupts it. The kernel itself never blocks on an app.
type wait struct {
	msg      mailbox.Message
	name     string
	deadline int64
	// try attempts to complete the call; ok=false keeps waiting.
	try func() (r kernelmsg.Result, ok bool)
	// expire answers when the deadline passes (nil: EAGAIN).
	expire func() kernelmsg.Result
}

func (k *Kernel) now() int64 { return k.proc.Sim().Now() }

// block registers a blocked call; pump completes it.
func (k *Kernel) block(w *wait) { k.waits = append(k.waits, w) }

// Interrupt tells the kernel that hardware input changed (a pin driven, bytes
// received, a sensor moved): blocked readers are re-checked. Safe to call
// from the scheduler or any process.
func (k *Kernel) Interrupt() {
	if k.proc != nil {
		k.proc.Wake()
	}
}

// alarm is kernel work due at a virtual time (an app restart, a SIGKILL
// after the SIGTERM grace period).
type alarm struct {
	at int64
	fn func()
}

// after runs fn in the kernel process d from now.
func (k *Kernel) after(d int64, fn func()) {
	k.alarms = append(k.alarms, alarm{at: k.now() + d, fn: fn})
	k.scheduleWake()
}

// fireAlarms runs the alarms that are due, in the order they were set.
func (k *Kernel) fireAlarms() {
	now := k.now()
	for i := 0; i < len(k.alarms); {
		if a := k.alarms[i]; a.at <= now {
			k.alarms = append(k.alarms[:i], k.alarms[i+1:]...)
			a.fn()
			continue
		}
		i++
	}
}

// pump completes every wait that can complete now, then schedules a wake-up
// for the earliest deadline or timer expiry still pending.
func (k *Kernel) pump() {
	k.fireAlarms()
	k.pumpIntercore()
	if len(k.waits) == 0 {
		k.scheduleWake()
		return
	}
	now := k.now()
	kept := k.waits[:0]
	for _, w := range k.waits {
		if k.app != nil && k.app.pending != 0 {
			k.reply(w.msg, w.name, k.withSignal(kernelmsg.Result{Value: -int64(kernelmsg.EINTR)}))
			continue
		}
		if r, ok := w.try(); ok {
			k.reply(w.msg, w.name, r)
			continue
		}
		if w.deadline != noDeadline && now >= w.deadline {
			r := kernelmsg.Result{Value: -int64(kernelmsg.EAGAIN)}
			if w.expire != nil {
				r = w.expire()
			}
			k.reply(w.msg, w.name, r)
			continue
		}
		kept = append(kept, w)
	}
	for i := len(kept); i < len(k.waits); i++ {
		k.waits[i] = nil
	}
	k.waits = kept
	k.scheduleWake()
}

// scheduleWake arranges for the kernel to run at the earliest time a wait
// could complete by itself: a deadline or a timer expiry.
func (k *Kernel) scheduleWake() {
	now := k.now()
	next := int64(sim.Forever)
	for _, a := range k.alarms {
		next = min(next, a.at)
	}
	for _, w := range k.waits {
		if w.deadline != noDeadline && w.deadline < next {
			next = w.deadline
		}
	}
	if k.app != nil && len(k.waits) > 0 {
		for _, f := range k.app.fds {
			if t, ok := f.(*timerfd); ok && t.next > now && t.next < next {
				next = t.next
			}
			if u, ok := f.(*uartFile); ok && u.u.Buffered() > 0 {
				if d := u.rxDeadline(); d > now && d < next {
					next = d
				}
			}
		}
	}
	if next == sim.Forever || (k.wakeAt > now && k.wakeAt <= next) {
		return
	}
	k.wakeAt = next
	k.proc.Sim().Schedule(next, k.proc.WakeFunc())
}

// dropWaits answers every blocked call of a finished app with EINTR.
func (k *Kernel) dropWaits() {
	for _, w := range k.waits {
		k.reply(w.msg, w.name, kernelmsg.Result{Value: -int64(kernelmsg.EINTR)})
	}
	k.waits = nil
}
