package kernel

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The OS keeps error-report events (reference §10.3) in the telemetry
// partition, which only the Security Monitor writes: each event is one
// kernelmsg.ErrorRecord appended through KindTelemetryAppend. They survive
// a reboot and are uploaded to the security service (uploadErrorReports).
//
// Descriptions use the real formats where they are known (AppExit,
// AppCrash); the others are emulator-defined and listed in
// docs/error-reports.md.

// recordEvent appends one event to the telemetry partition. A failure to
// store it is traced, never fatal: error reporting must not take the OS down.
func (k *Kernel) recordEvent(typ, class uint8, desc string) {
	if len(desc) > kernelmsg.MaxDescription {
		desc = desc[:kernelmsg.MaxDescription]
	}
	r := kernelmsg.ErrorRecord{TimeUnixNano: k.wallNow(), Type: typ, Class: class, Description: desc}
	resp, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindTelemetryAppend, r.Marshal(), secmonTimeout)
	var a secmonmsg.TelemetryAppended
	if err == nil {
		a, err = secmonmsg.UnmarshalTelemetryAppended(resp)
	}
	if err != nil {
		k.tr.Emit(trace.Kernel, "errorreport.lost", trace.Str("description", desc), trace.Str("reason", err.Error()))
		return
	}
	k.tr.Emit(trace.Kernel, "errorreport.record", trace.Uint("seq", a.Seq), trace.Str("type", r.TypeName()),
		trace.Str("class", r.ClassName()), trace.Str("description", desc))
}

// recordAppEnd records a high-level app's exit (AppExit) or its death by a
// signal (AppCrash), in the real description formats.
func (k *Kernel) recordAppEnd(p *process, code, signal int32) {
	if signal != 0 {
		k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassApp, fmt.Sprintf(
			"AppCrash (exit_status=%d; signal_status=%d; signal_code=%d; component_id=%s; image_id=%s)",
			signal, signal, signalCode(signal), p.cid, p.imageID))
		return
	}
	k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassApp, fmt.Sprintf(
		"AppExit (exit_code=%d; component_id=%s; image_id=%s)", code, p.cid, p.imageID))
}

// signalCode is the si_code the OS reports for a fatal signal: SEGV_MAPERR
// (1) for an out-of-bounds access, ILL_ILLOPC (1) for a trap, SI_KERNEL
// (0x80) for the kernel's own SIGKILL (a runaway app), 0 otherwise.
func signalCode(sig int32) int32 {
	switch sig {
	case 11, 4:
		return 1
	case sigKILL:
		return 0x80
	}
	return 0
}

// recordRTStop records how a real-time app ended, unless the OS stopped it.
func (k *Kernel) recordRTStop(st kernelmsg.RTStopped) {
	switch st.Reason {
	case "stop":
		return
	case "fault":
		k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassApp, fmt.Sprintf(
			"SecurityEvent (check=compartment; core=%s; component_id=%s; detail=%s)", st.Core, st.ComponentID, st.Detail))
	case "watchdog":
		k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassOS, fmt.Sprintf(
			"WatchdogReset (core=%s; component_id=%s)", st.Core, st.ComponentID))
	default:
		k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassApp, fmt.Sprintf(
			"RTAppExit (core=%s; component_id=%s; reason=%s; detail=%s)", st.Core, st.ComponentID, st.Reason, st.Detail))
	}
}

// recordDenial records a capability denial once per boot for each app and
// call: a hostile app looping on a denied call must not flush the
// telemetry partition of everything else (oldest records are dropped first).
func (k *Kernel) recordDenial(cid, call string) {
	key := cid + "\x00" + call
	if k.denials == nil {
		k.denials = map[string]bool{}
	}
	if k.denials[key] {
		return
	}
	k.denials[key] = true
	k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassApp, fmt.Sprintf(
		"SecurityEvent (check=capability; component_id=%s; call=%s; errno=EACCES)", cid, call))
}

// recordVerifyFailure records an app package the device refused to trust.
func (k *Kernel) recordVerifyFailure(stage, reason string) {
	k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassOS, fmt.Sprintf(
		"SecurityEvent (check=app-verify; stage=%s; reason=%s)", stage, reason))
}
