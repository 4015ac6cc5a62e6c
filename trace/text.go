package trace

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text writes the trace as a readable narrative, one line per event:
//
//	[  0.004100s] pluton   Pluton ROM verified 1bl (primary copy): svn 1, sha256 4f2a…
//
// Chatty events (every mailbox message, DICE derivations) are shown only
// when Verbose is set.
type Text struct {
	W       io.Writer
	Verbose bool
}

// NewText returns a narrative sink writing to w.
func NewText(w io.Writer, verbose bool) *Text { return &Text{W: w, Verbose: verbose} }

// verboseOnly lists the events Text shows only when Verbose is set.
var verboseOnly = map[string]bool{
	"mbox.send": true, "mbox.stale": true, "dice.derive": true,
	"power.stop": true, "power.off": true, "gpio.drive": true,
	"adc.sample": true, "i2c.xfer": true, "spi.xfer": true, "storage.write": true,
	"sensor.set": true, "adc.input": true, "mbox.post": true, "mbox.swint": true, "mbox.accept": true, "wdt.kick": true,
	"rt.firewall": true, "intercore.send": true, "intercore.recv": true,
}

// Event writes e as one line.
func (t *Text) Event(e *Event) {
	if verboseOnly[e.Ev] && !t.Verbose {
		return
	}
	fmt.Fprintf(t.W, "[%4d.%06ds] %-8s %s\n", e.T/1e9, (e.T%1e9)/1e3, e.Dom, Printable(Describe(e)))
}

// Printable escapes control characters (as \x1b, \n, …) so that text from
// a guest, such as a log line, cannot drive the user's terminal.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var stageBy = map[string]string{"rom": "Pluton ROM", "1bl": "1BL", "pluton-runtime": "Pluton runtime"}

func short(hex string, n int) string {
	if len(hex) > n {
		return hex[:n] + "…"
	}
	return hex
}

// Describe renders one event as a sentence.
func Describe(e *Event) string {
	s := e.Str
	switch e.Ev {
	case "power.on":
		return fmt.Sprintf("power on (seed %s, %s-byte flash image)", s("seed"), s("flash_bytes"))
	case "rom.start":
		return "Pluton ROM running; device ID " + s("device_id")
	case "1bl.start":
		return "1BL running"
	case "runtime.start":
		return "Pluton runtime running"
	case "locator.fallback":
		return "primary locator table unusable (" + s("reason") + "); using the backup"
	case "stage.verify":
		by := stageBy[s("by")]
		if by == "" {
			by = s("by")
		}
		where := ""
		if c := s("copy"); c != "" {
			where = " (" + c + " copy)"
		}
		if s("ok") == "true" {
			return fmt.Sprintf("%s verified %s%s: svn %s, sha256 %s, signer %s", by, s("stage"), where, s("svn"), short(s("measurement"), 16), short(s("signer"), 8))
		}
		return fmt.Sprintf("%s REJECTED %s%s: %s", by, s("stage"), where, s("reason"))
	case "stage.fallback":
		return "falling back to the backup copy of " + s("stage")
	case "dice.derive":
		return "derived DICE layer for " + s("stage") + ", identity " + short(s("layer_id"), 16)
	case "fuse.burn":
		return fmt.Sprintf("burnt anti-rollback fuse %s up to %s", s("counter"), s("value"))
	case "a7.release":
		return "releasing the A7 into the Security Monitor"
	case "secmon.start":
		return "Security Monitor " + s("version") + " running in the secure world"
	case "secmon.compartment":
		return fmt.Sprintf("compartment %-17s %s %s +%s bytes -> %s", s("name"), s("view"), s("base"), s("size"), s("owner"))
	case "kernel.release":
		return "starting the kernel"
	case "kernel.start":
		return "kernel " + s("version") + " started"
	case "rootfs.mount":
		return "mounted the root file system " + s("version")
	case "apps.found":
		return "application manager: " + s("count") + " app package(s) installed"
	case "apps.none":
		return "no app started: " + s("reason")
	case "app.manifest":
		return fmt.Sprintf("manifest of %q (%s) is valid: %s app, capabilities: %s", s("name"), s("cid"), s("type"), s("capabilities"))
	case "app.refused":
		msg := "REFUSED " + s("stage") + ": " + s("reason")
		if c := s("code"); c != "" {
			msg += " [error " + c + "]"
		}
		return msg
	case "peripheral.acquire":
		return fmt.Sprintf("%s %s mapped to %s for %s", strings.ToUpper(s("type")), s("index"), s("owner"), s("cid"))
	case "peripheral.release":
		return fmt.Sprintf("%s %s released by %s", strings.ToUpper(s("type")), s("index"), s("owner"))
	case "app.launch":
		return fmt.Sprintf("launching %q on the app core (%s bytes of WASM)", s("name"), s("wasm_bytes"))
	case "app.start":
		return "app " + s("cid") + " started"
	case "app.log":
		return "app: " + s("line")
	case "app.output":
		return "app " + s("stream") + ": " + s("line")
	case "gpio.set":
		level := "low"
		if s("value") == "1" {
			level = "high"
		}
		if led := s("led"); led != "" {
			state := "off"
			if s("lit") == "true" {
				state = "on"
			}
			return "GPIO " + s("gpio") + " <- " + level + " (" + led + " " + state + ")"
		}
		return "GPIO " + s("gpio") + " <- " + level
	case "gpio.drive":
		return "GPIO " + s("gpio") + " driven externally to " + s("level")
	case "syscall.error":
		return s("call") + " failed: " + s("errno")
	case "app.exit":
		if s("signal") != "0" {
			return fmt.Sprintf("app %s terminated by signal %s %s", s("cid"), s("signal"), s("detail"))
		}
		return fmt.Sprintf("app %s exited with code %s", s("cid"), s("code"))
	case "app.crash":
		return fmt.Sprintf("app %s crashed (signal %s): %s", s("cid"), s("signal"), s("detail"))
	case "app.load-failed":
		return fmt.Sprintf("cannot load app %s (%s): %s", s("cid"), s("step"), s("error"))
	case "boot.halt":
		return "BOOT HALTED at " + s("stage") + ": " + s("reason")
	case "signal.raise":
		return fmt.Sprintf("sending signal %s to app %s (%s)", s("signal"), s("cid"), s("reason"))
	case "signal.deliver":
		return fmt.Sprintf("delivering signal %s to app %s: %s", s("signal"), s("cid"), s("action"))
	case "signal.handler":
		return "running the app's handler for signal " + s("signal")
	case "app.terminated":
		return fmt.Sprintf("app %s terminated by signal %s", s("cid"), s("signal"))
	case "app.restart":
		return fmt.Sprintf("restarting app %s in %s ns (start %s)", s("cid"), s("in_ns"), s("starts"))
	case "storage.write":
		return fmt.Sprintf("mutable storage of %s: wrote %s bytes at %s (size %s)", s("cid"), s("len"), s("offset"), s("size"))
	case "storage.quota":
		return fmt.Sprintf("mutable storage of %s: %s bytes would exceed the %s-byte quota", s("cid"), s("size"), s("limit"))
	case "storage.delete":
		return "mutable storage of " + s("cid") + " deleted"
	case "power.reboot":
		return "rebooting"
	case "power.down":
		return "powering down for at most " + s("max_residency_s") + " s"
	case "power.reset":
		return "out of reset (" + s("reason") + "), boot " + s("boot")
	case "power.profile":
		return "power profile set to " + s("profile")
	case "pwm.set":
		if s("enabled") == "false" {
			return fmt.Sprintf("PWM %s channel %s disabled", s("controller"), s("ch"))
		}
		return fmt.Sprintf("PWM %s channel %s: period %s ns, duty %s ns", s("controller"), s("ch"), s("period_ns"), s("duty_ns"))
	case "uart.tx", "uart.rx":
		dir := "sent"
		if e.Ev == "uart.rx" {
			dir = "received"
		}
		data := s("text")
		if data == "" {
			data = "hex " + s("hex")
		} else {
			data = fmt.Sprintf("%q", data)
		}
		return fmt.Sprintf("UART ISU%s %s %s", s("isu"), dir, data)
	case "api.unimplemented":
		return s("api") + " is not emulated yet (ENOSYS)"
	case "rt.launch":
		return fmt.Sprintf("starting real-time app %q (%s) on %s", s("name"), s("cid"), s("core"))
	case "rt.firewall":
		return fmt.Sprintf("%s firewall: %s %s +%s bytes", s("core"), s("region"), s("base"), s("size"))
	case "rt.load":
		return fmt.Sprintf("loaded %s into %s (%s bytes of WASM)", s("cid"), s("core"), s("wasm_bytes"))
	case "rt.start":
		return "real-time app " + s("cid") + " started"
	case "rt.uart":
		return "IO" + s("core") + " UART: " + s("line")
	case "glitch.apply":
		verdict := "acted on it"
		if s("found_ok") != s("acted_ok") {
			verdict = "acted as if it " + map[string]string{"true": "passed", "false": "failed"}[s("acted_ok")]
		}
		return fmt.Sprintf("GLITCH (%s) on %s of %s: the check %s, the chip %s",
			s("effect"), s("point"), s("detail"), map[string]string{"true": "passed", "false": "failed"}[s("found_ok")], verdict)
	case "update.available":
		return fmt.Sprintf("update available: %s image(s) (OS release %s, deployment %s)", s("images"), s("os_release"), s("deployment"))
	case "update.staged":
		return fmt.Sprintf("staged %s %s (svn %s, %s bytes) at %s, verified by Pluton in flash", s("image"), s("cid"), s("svn"), s("bytes"), s("offset"))
	case "update.install":
		return fmt.Sprintf("installed layout generation %s (OS changed: %s)", s("generation"), s("os"))
	case "update.trial":
		if e.Dom == "pluton" {
			return "booting an update on trial: anti-rollback burns deferred"
		}
		return fmt.Sprintf("booting layout generation %s on trial (fallback: generation %s)", s("generation"), s("fallback"))
	case "update.confirm":
		return "update confirmed: layout generation " + s("generation") + " is final"
	case "update.revert":
		return fmt.Sprintf("REVERTING the update: %s failed (%s)", s("stage"), s("reason"))
	case "update.refused":
		return "update REFUSED: " + s("reason")
	case "update.failed":
		return "update failed: " + s("reason")
	case "fuse.defer":
		return fmt.Sprintf("deferred the anti-rollback fuse %s up to %s until the update is confirmed", s("counter"), s("value"))
	case "power.cut":
		if op := s("flash_op"); op != "" {
			return "POWER CUT during flash operation " + op
		}
		return "POWER CUT"
	case "errorreport.record":
		return fmt.Sprintf("error report #%s (%s, %s): %s", s("seq"), s("type"), s("class"), s("description"))
	case "errorreport.lost":
		return "error report LOST (" + s("reason") + "): " + s("description")
	case "errorreport.upload":
		return fmt.Sprintf("uploaded %s error-report events to the security service (%s new)", s("events"), s("accepted"))
	case "telemetry.drop":
		return fmt.Sprintf("telemetry partition full: erased the oldest block, %s records never uploaded", s("records"))
	case "clientkey.generate":
		return "generated a client-auth key pair inside Pluton (public key " + s("public") + "…)"
	case "clientkey.commit":
		return "committed the certified client-auth key (" + s("public") + "…)"
	case "key.sign":
		return "signed a TLS handshake for " + s("from") + " with the " + s("key") + " key"
	case "telemetry.mount":
		return fmt.Sprintf("telemetry partition: %s records kept, %s not yet uploaded", s("records"), s("pending"))
	case "telemetry.append":
		return fmt.Sprintf("stored record #%s (%s bytes) in the telemetry partition", s("seq"), s("bytes"))
	case "telemetry.ack":
		return "telemetry records up to #" + s("seq") + " marked uploaded"
	case "telemetry.clear":
		return "telemetry records up to #" + s("seq") + " deleted"
	case "attestation.sign":
		return fmt.Sprintf("signed an attestation token for %s (%s measurements, %s bytes)", s("from"), s("measurements"), s("token_bytes"))
	case "service.attested":
		return fmt.Sprintf("attested to the security service: tenant %s, certificates valid until %s", s("tenant"), s("not_after"))
	case "service.refused":
		return fmt.Sprintf("the security service REFUSED %s (%s): %s", s("call"), s("code"), s("reason"))
	case "service.error":
		return fmt.Sprintf("cannot %s with the security service: %s", s("call"), s("reason"))
	case "rt.fault":
		return fmt.Sprintf("BUS FAULT in %s: %s of %s: %s", s("cid"), s("access"), s("addr"), s("reason"))
	case "rt.watchdog":
		return "watchdog expired: resetting the core running " + s("cid")
	case "rt.stop":
		return fmt.Sprintf("real-time app %s stopped (%s): %s", s("cid"), s("reason"), s("detail"))
	case "rt.exit":
		return fmt.Sprintf("%s's app %s ended (%s); the rest of the device runs on", s("core"), s("cid"), s("reason"))
	case "rt.restart":
		return fmt.Sprintf("restarting real-time app %s in %s ns", s("cid"), s("in_ns"))
	case "intercore.setup":
		return fmt.Sprintf("intercore channel to core %s: outbound %s, inbound %s", s("core"), s("outbound"), s("inbound"))
	case "intercore.send":
		return fmt.Sprintf("intercore: %s bytes to %s", s("len"), s("to"))
	case "intercore.recv":
		return fmt.Sprintf("intercore: %s bytes from %s", s("len"), s("from"))
	case "rest.request":
		if code := s("code"); code != "" {
			return fmt.Sprintf("REST %s %s -> %s (error %s)", s("method"), s("path"), s("status"), code)
		}
		return fmt.Sprintf("REST %s %s -> %s", s("method"), s("path"), s("status"))
	case "rest.error":
		return fmt.Sprintf("REST %s failed: %s", s("path"), s("reason"))
	case "app.stopped":
		return fmt.Sprintf("app %s stopped; it stays stopped until started", s("cid"))
	case "power.stop":
		return "stopping: " + s("reason")
	case "power.off":
		return "power off"
	}
	var b strings.Builder
	b.WriteString(e.Ev)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " %s=%s", f.Key, formatValue(f.Val))
	}
	return b.String()
}
