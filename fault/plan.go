// Package fault injects faults into an emulated device from a plan: a list
// of faults, each a trigger (a virtual time, or the Nth occurrence of a
// trace event matching a filter, optionally with a probability drawn from
// the run's seed) and an action (a power cut, a flash bit flip or failing
// flash region, a mailbox message dropped, duplicated, delayed, truncated or
// bit-flipped in flight, a stuck ADC channel, the network going down).
//
// A plan is the same as Go values, as JSON and as YAML; docs/faults.md is
// the schema. Every injected fault emits a fault.inject trace event, so the
// same image, seed and plan give a byte-identical trace.
package fault

import (
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Plan is a list of faults.
type Plan struct {
	Faults []Fault `json:"faults,omitempty"`
}

// Fault is one trigger and one action.
type Fault struct {
	// Name is an optional label, repeated in the fault.inject event.
	Name    string  `json:"name,omitempty"`
	Trigger Trigger `json:"trigger"`
	Action  Action  `json:"action"`
}

// Trigger says when a fault fires. Exactly one of At and On is set. A fault
// fires at most once.
type Trigger struct {
	// At fires at this virtual time (0 = at power-on, before any domain runs).
	At *Duration `json:"at,omitempty"`
	// On fires at the Nth occurrence of a matching event.
	On *EventFilter `json:"on,omitempty"`
	// Probability, if not 0, makes each candidate occurrence (the At time,
	// or each matching event from the Nth on) fire with this probability,
	// drawn from the run's seed; the first success fires the fault.
	Probability float64 `json:"probability,omitempty"`
}

// EventFilter matches trace events.
type EventFilter struct {
	// Event is the event name, e.g. "stage.verify" or "mbox.send"; the
	// pseudo-event "flash.op" is every flash program or erase (fields
	// "erase", "offset", "length"), observed from the part itself.
	Event string `json:"event"`
	// Dom, if set, is the emitting domain ("pluton", "kernel", "hw", ...).
	Dom string `json:"dom,omitempty"`
	// Fields must all equal the event's fields as text.
	Fields map[string]string `json:"fields,omitempty"`
	// Nth is the occurrence that fires (1 = the first; 0 means 1).
	Nth int `json:"nth,omitempty"`
}

// Action is what a fault does; exactly one field is set.
type Action struct {
	Power      *PowerAction      `json:"power,omitempty"`
	Flash      *FlashAction      `json:"flash,omitempty"`
	Message    *MessageAction    `json:"message,omitempty"`
	Peripheral *PeripheralAction `json:"peripheral,omitempty"`
	Glitch     *GlitchAction     `json:"glitch,omitempty"`
	Compromise *CompromiseAction `json:"compromise,omitempty"`
	App        *AppAction        `json:"app,omitempty"`
	Network    *NetworkAction    `json:"network,omitempty"`
	RAM        *RAMFlip          `json:"ram,omitempty"`
}

// RAMFlip changes one bit of RAM at a physical address: a real-time core's
// TCM (its app's memory, 0x00100000…) or SYSRAM (0x22000000…) — Core says
// which core's — or the A7 SYSRAM holding the intercore buffers
// (0x80380000…, either core's, Core not needed). The other domains keep
// their state as Go values, not bytes (docs/faults.md).
type RAMFlip struct {
	Core string `json:"core,omitempty"` // rtcore0 or rtcore1
	Addr Hex32  `json:"addr"`
	Bit  *int   `json:"bit,omitempty"` // 0–7; nil: drawn from the seed
	Mode string `json:"mode,omitempty"`
	// Permanent (modes set0 and set1; SYSRAM only) makes the cell stuck:
	// it keeps the value through every later write.
	Permanent bool `json:"permanent,omitempty"`
}

// NetworkAction attacks the device's link to its security service; exactly
// one field is set. (The network going down is a peripheral action.)
type NetworkAction struct {
	// MITM "on" puts a man in the middle who answers with a certificate no
	// trusted CA signed; "off" takes him away.
	MITM string `json:"mitm,omitempty"`
	// ClockJump moves the device's wall clock (until the OS restarts).
	ClockJump *Duration `json:"clock_jump,omitempty"`
	// Replay "on" plays back, on every new connection to the service, what
	// the service sent on the last genuine one; "off" stops.
	Replay string `json:"replay,omitempty"`
}

// AppAction strikes a guest app — the high-level app, or the real-time app
// on a core (Core), whose component ID contains CID if set — at its next
// host call: "trap" (it traps: an AppCrash), "hang" (it spins without
// yielding until a watchdog ends it), "exhaust" (its memory grows to the
// limit, so its allocations fail) or "flip" (a bit of its linear memory
// inverts).
type AppAction struct {
	Op  string `json:"op"`
	CID string `json:"cid,omitempty"`
	// Core is whose app: "appcore" (the default: the high-level app),
	// "rtcore0" or "rtcore1" (the real-time app on that core).
	Core string `json:"core,omitempty"`
	// Offset and Bit (op flip): the byte of the app's linear memory and the
	// bit to invert (nil picks one from the run's seed).
	Offset uint32 `json:"offset,omitempty"`
	Bit    *int   `json:"bit,omitempty"`
	// Mode (op flip) is toggle (the default), set0 or set1; Permanent
	// (set0 or set1) makes the bit stuck: it is forced again at every host
	// call of the app from then on.
	Mode      string `json:"mode,omitempty"`
	Permanent bool   `json:"permanent,omitempty"`
}

// CompromiseAction makes a domain hostile: it plays a named script (the
// Script* constants: read Pluton's secrets, map another compartment, start
// an unsigned real-time app, sideload without the capability, forge
// intercore traffic) and then Requests, one move per virtual millisecond,
// on its own mailbox links (the links, not the message, name the sender, so
// it cannot pose as another domain); the security-invariant checker watches
// what comes back.
type CompromiseAction struct {
	Domain   string           `json:"domain"` // kernel, appcore, rtcore0, rtcore1, secmon
	Script   string           `json:"script,omitempty"`
	Requests []HostileRequest `json:"requests,omitempty"`
}

// HostileRequest is one request of a compromised domain.
type HostileRequest struct {
	To      string `json:"to"`
	Kind    string `json:"kind"`              // a kind name ("pluton.ReadRng") or a number ("0x40")
	Payload string `json:"payload,omitempty"` // hex
}

func (c *CompromiseAction) validate(path string) error {
	if _, ok := parseAddr(c.Domain); !ok || c.Domain == "pluton" || c.Domain == "device" {
		return pathErr(path+".domain", "%q is not a domain that can be compromised (kernel, appcore, rtcore0, rtcore1, secmon)", c.Domain)
	}
	if c.Script != "" && !validScript(c.Script) {
		return pathErr(path+".script", "%q is not a script (%s)", c.Script, scriptNames())
	}
	if c.Script == ScriptForgeIntercore && c.Domain != "rtcore0" && c.Domain != "rtcore1" {
		return pathErr(path+".script", "forge-intercore is played by a real-time core (rtcore0, rtcore1), not %s", c.Domain)
	}
	if c.Script == "" && len(c.Requests) == 0 {
		return pathErr(path, "want a script or requests")
	}
	if len(c.Requests) > 1000 {
		return pathErr(path+".requests", "%d requests exceed 1000", len(c.Requests))
	}
	for i, r := range c.Requests {
		rp := fmt.Sprintf("%s.requests[%d]", path, i)
		if _, ok := parseAddr(r.To); !ok {
			return pathErr(rp+".to", "%q is not a domain (%s)", r.To, strings.Join(addrNames(), ", "))
		}
		if _, err := parseKind(r.To, r.Kind); err != nil {
			return pathErr(rp+".kind", "%v", err)
		}
		if _, err := hex.DecodeString(r.Payload); err != nil || len(r.Payload) > 2*mailbox.MaxPayload {
			return pathErr(rp+".payload", "not hex (or too long)")
		}
	}
	return nil
}

// parseKind reads a kind name registered for server, or a number.
func parseKind(server, name string) (mailbox.Kind, error) {
	if a, k, ok := mailbox.KindByName(name); ok {
		if a.String() != server {
			return 0, fmt.Errorf("%q is served by %s, not %s", name, a, server)
		}
		return k, nil
	}
	v, err := strconv.ParseUint(name, 0, 16)
	if err != nil {
		return 0, fmt.Errorf("%q is neither a kind name nor a number", name)
	}
	return mailbox.Kind(v), nil
}

// GlitchAction makes the next security decision at Point (whose detail
// contains Detail, if set) take the wrong branch, Count times (default 1):
// a voltage or clock glitch on that check (package glitch names the
// points: pluton.signature, pluton.rollback, pluton.capability,
// rtcore.firewall, secmon.peripheral).
type GlitchAction struct {
	Point  string `json:"point"`
	Effect string `json:"effect"` // "invert" (a failure passes, a pass fails) or "skip" (it passes)
	Detail string `json:"detail,omitempty"`
	// After lets this many matching decisions pass unglitched first (a
	// campaign glitches the Nth occurrence of a decision this way).
	After int `json:"after,omitempty"`
	Count int `json:"count,omitempty"`
}

func (g *GlitchAction) validate(path string) error {
	known := false
	for _, p := range glitch.Points {
		known = known || string(p) == g.Point
	}
	if !known {
		return pathErr(path+".point", "%q is not a glitch point (%s)", g.Point, glitchPointList())
	}
	if g.Effect != "invert" && g.Effect != "skip" {
		return pathErr(path+".effect", "%q is not invert or skip", g.Effect)
	}
	if g.After < 0 || g.After > 1_000_000 {
		return pathErr(path+".after", "%d is out of range (0..1000000)", g.After)
	}
	if g.Count < 0 || g.Count > 1000 {
		return pathErr(path+".count", "%d is out of range (0..1000)", g.Count)
	}
	if len(g.Detail) > 256 {
		return pathErr(path+".detail", "%d bytes is too long (256)", len(g.Detail))
	}
	return nil
}

func glitchPointList() string {
	var s []string
	for _, p := range glitch.Points {
		s = append(s, string(p))
	}
	return strings.Join(s, ", ")
}

// PowerAction cuts the power.
type PowerAction struct {
	// FlashOp, if not 0, cuts during the FlashOp-th flash operation from
	// when the fault fires (1 = the next): that operation is torn half-way,
	// as device.CutPowerAtFlashOp does. 0 cuts now.
	FlashOp uint64 `json:"flash_op,omitempty"`
	// OffFor, if set, powers the device on again this long after the cut;
	// unset, it stays off.
	OffFor *Duration `json:"off_for,omitempty"`
}

// FlashAction damages the flash part; exactly one field is set.
type FlashAction struct {
	Flip *BitFlip    `json:"flip,omitempty"`
	Fail *FailRegion `json:"fail,omitempty"`
}

// Bit flip modes.
const (
	ModeToggle = "toggle" // the bit inverts (the default)
	ModeSet0   = "set0"   // the bit reads 0
	ModeSet1   = "set1"   // the bit reads 1
)

// BitFlip changes one bit of flash.
type BitFlip struct {
	// Partition names a partition as image.PartitionNames does ("kernel",
	// "app0", "secmon-backup", ...), found in the locator table the flash
	// holds when the fault fires; Offset is then relative to its start and
	// must lie inside it. Without Partition, Offset is absolute.
	Partition string `json:"partition,omitempty"`
	Offset    uint32 `json:"offset"`
	// Bit is the bit number 0–7; nil picks one from the run's seed.
	Bit  *int   `json:"bit,omitempty"`
	Mode string `json:"mode,omitempty"`
	// Permanent (modes set0 and set1) makes the cell stuck: it keeps the
	// value through every later program and erase. Otherwise the bit
	// changes once, and a later erase or program may change it back.
	Permanent bool `json:"permanent,omitempty"`
}

// Operations a failing region refuses.
const (
	OpsBoth    = "both"
	OpsProgram = "program"
	OpsErase   = "erase"
)

// FailRegion makes program and/or erase operations on a region fail (a
// worn or locked region) from when the fault fires.
type FailRegion struct {
	// Partition and Offset as in BitFlip.
	Partition string `json:"partition,omitempty"`
	Offset    uint32 `json:"offset,omitempty"`
	// Length is the region's size; 0 means to the end of the partition
	// (with Partition) or of the part.
	Length uint32 `json:"length,omitempty"`
	// Ops is "both" (the default), "program" or "erase".
	Ops string `json:"ops,omitempty"`
}

// Message operations.
const (
	MsgDrop      = "drop"
	MsgDuplicate = "duplicate"
	MsgDelay     = "delay"
	MsgTruncate  = "truncate"
	MsgFlip      = "flip"
	// MsgReorder holds the message until the next one on the same link
	// has been delivered (or Delay, default 100 ms, has passed), so the
	// two arrive swapped.
	MsgReorder = "reorder"
)

// MessageAction tampers with the next mailbox message(s) in flight that
// match From, To and Kind (each optional) after the fault fires.
type MessageAction struct {
	From string `json:"from,omitempty"` // sender domain, e.g. "kernel"
	To   string `json:"to,omitempty"`   // receiver domain
	Kind string `json:"kind,omitempty"` // kind name as in mbox.send, e.g. "secmon.WriteFlash"
	// Op is drop, duplicate, delay, truncate, flip or reorder.
	Op string `json:"op"`
	// Delay (op delay) is how much later the message arrives; for op
	// reorder, the longest it waits for a message to swap with.
	Delay *Duration `json:"delay,omitempty"`
	// Length (op truncate) is how many bytes of the message, header
	// included, arrive; nil keeps half.
	Length *int `json:"length,omitempty"`
	// Offset and Bit (op flip) choose the bit of the message, header
	// included (offset modulo the message's length); nil picks from the
	// run's seed.
	Offset *int `json:"offset,omitempty"`
	Bit    *int `json:"bit,omitempty"`
	// Mode (op flip) is toggle (the default), set0 or set1.
	Mode string `json:"mode,omitempty"`
	// Count is how many matching messages are hit (0 means 1).
	Count int `json:"count,omitempty"`
}

// Network states.
const (
	NetDown = "down"
	NetUp   = "up"
)

// PeripheralAction changes the board; exactly one field is set.
type PeripheralAction struct {
	// ADC sticks a channel at a voltage (until something sets it again).
	ADC *ADCStuck `json:"adc,omitempty"`
	// Network takes the network around the device "down" or "up".
	Network string `json:"network,omitempty"`
	// UARTGarbage delivers seeded random bytes to an ISU's UART receiver.
	UARTGarbage *UARTGarbage `json:"uart_garbage,omitempty"`
	// Bounce makes a button bounce: its pin toggles Count times, Every apart.
	Bounce *Bounce `json:"bounce,omitempty"`
	// I2CNack makes the next Count transfers to an I2C address go unacknowledged.
	I2CNack *I2CNack `json:"i2c_nack,omitempty"`
	// ADCNoise adds Gaussian noise to what an ADC channel reads.
	ADCNoise *ADCNoise `json:"adc_noise,omitempty"`
	// Accel sets what the LSM6DS3 accelerometer feels (stuck at a value).
	Accel *Accel `json:"accel,omitempty"`
	// AccelNoise adds Gaussian noise to the accelerometer's outputs.
	AccelNoise *AccelNoise `json:"accel_noise,omitempty"`
	// Register flips a bit of a peripheral register as a real-time core
	// reads it.
	Register *RegisterFlip `json:"register,omitempty"`
}

// Accel is the acceleration the accelerometer reads from then on, in g.
type Accel struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
}

// AccelNoise is Gaussian noise of standard deviation G (in g, from the
// run's seed, fresh at each output sample) on each accelerometer axis.
type AccelNoise struct {
	G float64 `json:"g"`
}

// RegisterFlip is a bit flip in a peripheral register, seen by the
// real-time app on Core when it reads the 32-bit register at physical
// address Addr (in that core's memory map: its GPT, watchdog, mailbox,
// UART, or an I/O block its firewall maps): once (the next read), or at
// every read from then on if Permanent.
type RegisterFlip struct {
	Core      string `json:"core"` // rtcore0 or rtcore1
	Addr      Hex32  `json:"addr"`
	Bit       *int   `json:"bit,omitempty"` // 0–31; nil: drawn from the seed
	Mode      string `json:"mode,omitempty"`
	Permanent bool   `json:"permanent,omitempty"`
}

// Hex32 is a 32-bit number written in JSON and YAML as an integer or a
// string such as "0x21030000".
type Hex32 uint32

// MarshalJSON writes a as a hex string.
func (a Hex32) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf(`"%#08x"`, uint32(a))), nil }

// ADCNoise is Gaussian noise of standard deviation Volts (drawn from the
// run's seed at each sample) on top of whatever ADC Channel reads, until
// something sets the channel again.
type ADCNoise struct {
	Channel int     `json:"channel"`
	Volts   float64 `json:"volts"`
}

// I2CNack is a device on an ISU's I2C bus that does not acknowledge.
type I2CNack struct {
	ISU   int `json:"isu"`
	Addr  int `json:"addr"`
	Count int `json:"count"`
}

// UARTGarbage is noise on a UART line: Bytes random bytes (from the run's
// seed) arriving at ISU.
type UARTGarbage struct {
	ISU   int `json:"isu"`
	Bytes int `json:"bytes"`
}

// Bounce is a bouncing button: "A" or "B", toggling Count times, Every apart
// (default 1ms), ending released.
type Bounce struct {
	Button string    `json:"button"`
	Count  int       `json:"count"`
	Every  *Duration `json:"every,omitempty"`
}

// ADCStuck is an ADC channel stuck at a voltage.
type ADCStuck struct {
	Channel int     `json:"channel"`
	Volts   float64 `json:"volts"`
}

// Duration is a virtual duration or time in nanoseconds. In JSON and YAML
// it is an integer of nanoseconds or a string such as "1.5s" or "200ms".
type Duration int64

// D returns a pointer to a Duration, for plans written in Go.
func D(ns int64) *Duration { d := Duration(ns); return &d }

// Int returns a pointer to v, for plans written in Go.
func Int(v int) *int { return &v }

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

func (d Duration) String() string { return time.Duration(d).String() }

// Validate checks a plan, wherever it came from; errors name the path of
// the bad value, e.g. "faults[2].action.flash.flip.bit: 9 is not 0–7".
func (p *Plan) Validate() error {
	if p == nil {
		return nil
	}
	for i := range p.Faults {
		if err := p.Faults[i].validate(fmt.Sprintf("faults[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func pathErr(path, format string, args ...any) error {
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

func (f *Fault) validate(path string) error {
	t := &f.Trigger
	tp := path + ".trigger"
	switch {
	case t.At == nil && t.On == nil:
		return pathErr(tp, "want one of at or on")
	case t.At != nil && t.On != nil:
		return pathErr(tp, "want one of at or on, not both")
	}
	if t.At != nil && *t.At < 0 {
		return pathErr(tp+".at", "%d is negative", int64(*t.At))
	}
	if !(t.Probability >= 0 && t.Probability <= 1) {
		return pathErr(tp+".probability", "%v is not in 0..1", t.Probability)
	}
	if o := t.On; o != nil {
		if o.Event == "" {
			return pathErr(tp+".on.event", "missing")
		}
		if o.Nth < 0 {
			return pathErr(tp+".on.nth", "%d is negative", o.Nth)
		}
	}
	a := &f.Action
	ap := path + ".action"
	n := 0
	for _, set := range []bool{a.Power != nil, a.Flash != nil, a.Message != nil, a.Peripheral != nil, a.Glitch != nil, a.Compromise != nil, a.App != nil, a.Network != nil, a.RAM != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return pathErr(ap, "want exactly one of power, flash, message, peripheral, glitch, compromise, app, network, ram (got %d)", n)
	}
	switch {
	case a.RAM != nil:
		r := a.RAM
		switch r.Core {
		case "", "rtcore0", "rtcore1":
		default:
			return pathErr(ap+".ram.core", "%q is not rtcore0 or rtcore1", r.Core)
		}
		if err := checkBit(ap+".ram.bit", r.Bit); err != nil {
			return err
		}
		if err := checkMode(ap+".ram", r.Mode, r.Permanent); err != nil {
			return err
		}
	case a.Power != nil:
		if a.Power.OffFor != nil && *a.Power.OffFor < 0 {
			return pathErr(ap+".power.off_for", "%d is negative", int64(*a.Power.OffFor))
		}
	case a.Flash != nil:
		return a.Flash.validate(ap + ".flash")
	case a.Message != nil:
		return a.Message.validate(ap + ".message")
	case a.Peripheral != nil:
		return a.Peripheral.validate(ap + ".peripheral")
	case a.Glitch != nil:
		return a.Glitch.validate(ap + ".glitch")
	case a.Compromise != nil:
		return a.Compromise.validate(ap + ".compromise")
	case a.App != nil:
		switch a.App.Op {
		case "trap", "hang", "exhaust", "flip":
		default:
			return pathErr(ap+".app.op", "%q is not trap, hang, exhaust or flip", a.App.Op)
		}
		if a.App.Op != "flip" && (a.App.Offset != 0 || a.App.Bit != nil || a.App.Mode != "" || a.App.Permanent) {
			return pathErr(ap+".app", "offset, bit, mode and permanent are for op flip only")
		}
		if err := checkMode(ap+".app", a.App.Mode, a.App.Permanent); err != nil {
			return err
		}
		if a.App.Bit != nil && (*a.App.Bit < 0 || *a.App.Bit > 7) {
			return pathErr(ap+".app.bit", "%d is not 0–7", *a.App.Bit)
		}
		switch a.App.Core {
		case "", "appcore", "rtcore0", "rtcore1":
		default:
			return pathErr(ap+".app.core", "%q is not appcore, rtcore0 or rtcore1", a.App.Core)
		}
		if len(a.App.CID) > 64 {
			return pathErr(ap+".app.cid", "too long")
		}
	case a.Network != nil:
		nw := a.Network
		n := 0
		for _, set := range []bool{nw.MITM != "", nw.ClockJump != nil, nw.Replay != ""} {
			if set {
				n++
			}
		}
		switch {
		case n != 1:
			return pathErr(ap+".network", "want exactly one of mitm, clock_jump or replay")
		case nw.MITM != "" && nw.MITM != "on" && nw.MITM != "off":
			return pathErr(ap+".network.mitm", "%q is not on or off", nw.MITM)
		case nw.Replay != "" && nw.Replay != "on" && nw.Replay != "off":
			return pathErr(ap+".network.replay", "%q is not on or off", nw.Replay)
		}
	}
	return nil
}

// checkMode checks a bit flip's mode at path (path.mode), and that a
// permanent one (a stuck cell) forces a value.
func checkMode(path, mode string, permanent bool) error {
	switch mode {
	case "", ModeToggle, ModeSet0, ModeSet1:
	default:
		return pathErr(path+".mode", "%q is not toggle, set0 or set1", mode)
	}
	if permanent && mode != ModeSet0 && mode != ModeSet1 {
		return pathErr(path+".permanent", "a stuck cell needs mode set0 or set1")
	}
	return nil
}

func checkBit(path string, b *int) error {
	if b != nil && (*b < 0 || *b > 7) {
		return pathErr(path, "%d is not 0–7", *b)
	}
	return nil
}

func (fa *FlashAction) validate(path string) error {
	switch {
	case (fa.Flip == nil) == (fa.Fail == nil):
		return pathErr(path, "want exactly one of flip or fail")
	case fa.Flip != nil:
		if err := checkBit(path+".flip.bit", fa.Flip.Bit); err != nil {
			return err
		}
		if err := checkMode(path+".flip", fa.Flip.Mode, fa.Flip.Permanent); err != nil {
			return err
		}
	default:
		switch fa.Fail.Ops {
		case "", OpsBoth, OpsProgram, OpsErase:
		default:
			return pathErr(path+".fail.ops", "%q is not both, program or erase", fa.Fail.Ops)
		}
		if uint64(fa.Fail.Offset)+uint64(fa.Fail.Length) > math.MaxUint32 {
			return pathErr(path+".fail.length", "region %#x+%#x passes 4 GiB", fa.Fail.Offset, fa.Fail.Length)
		}
	}
	return nil
}

func checkAddr(path, name string) error {
	if name == "" {
		return nil
	}
	if _, ok := parseAddr(name); !ok {
		return pathErr(path, "%q is not a domain (%s)", name, strings.Join(addrNames(), ", "))
	}
	return nil
}

// parseAddr returns the mailbox address of a domain name.
func parseAddr(name string) (mailbox.Addr, bool) {
	for a := mailbox.Addr(1); a.Valid(); a++ {
		if a.String() == name {
			return a, true
		}
	}
	return 0, false
}

func addrNames() []string {
	var out []string
	for a := mailbox.Addr(1); a.Valid(); a++ {
		out = append(out, a.String())
	}
	sort.Strings(out)
	return out
}

func (m *MessageAction) validate(path string) error {
	if err := checkAddr(path+".from", m.From); err != nil {
		return err
	}
	if err := checkAddr(path+".to", m.To); err != nil {
		return err
	}
	if m.Count < 0 {
		return pathErr(path+".count", "%d is negative", m.Count)
	}
	extra := func(name string, set bool) error {
		if set {
			return pathErr(path+"."+name, "not used by op %s", m.Op)
		}
		return nil
	}
	var err error
	switch m.Op {
	case MsgDrop, MsgDuplicate:
		err = errors1(extra("delay", m.Delay != nil), extra("length", m.Length != nil), extra("offset", m.Offset != nil), extra("bit", m.Bit != nil), extra("mode", m.Mode != ""))
	case MsgDelay:
		if m.Delay == nil {
			return pathErr(path+".delay", "missing (op delay)")
		}
		if *m.Delay < 0 {
			return pathErr(path+".delay", "%d is negative", int64(*m.Delay))
		}
		err = errors1(extra("length", m.Length != nil), extra("offset", m.Offset != nil), extra("bit", m.Bit != nil), extra("mode", m.Mode != ""))
	case MsgTruncate:
		if m.Length != nil && *m.Length < 0 {
			return pathErr(path+".length", "%d is negative", *m.Length)
		}
		err = errors1(extra("delay", m.Delay != nil), extra("offset", m.Offset != nil), extra("bit", m.Bit != nil), extra("mode", m.Mode != ""))
	case MsgFlip:
		if m.Offset != nil && *m.Offset < 0 {
			return pathErr(path+".offset", "%d is negative", *m.Offset)
		}
		if err := checkBit(path+".bit", m.Bit); err != nil {
			return err
		}
		if err := checkMode(path, m.Mode, false); err != nil {
			return err
		}
		err = errors1(extra("delay", m.Delay != nil), extra("length", m.Length != nil))
	case MsgReorder:
		if m.Delay != nil && *m.Delay <= 0 {
			return pathErr(path+".delay", "%d is not positive", int64(*m.Delay))
		}
		err = errors1(extra("length", m.Length != nil), extra("offset", m.Offset != nil), extra("bit", m.Bit != nil), extra("mode", m.Mode != ""))
	case "":
		return pathErr(path+".op", "missing (drop, duplicate, delay, truncate, flip or reorder)")
	default:
		return pathErr(path+".op", "%q is not drop, duplicate, delay, truncate, flip or reorder", m.Op)
	}
	return err
}

// errors1 returns the first non-nil error.
func errors1(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (pa *PeripheralAction) validate(path string) error {
	n := 0
	for _, set := range []bool{pa.ADC != nil, pa.Network != "", pa.UARTGarbage != nil, pa.Bounce != nil, pa.I2CNack != nil, pa.ADCNoise != nil, pa.Register != nil, pa.Accel != nil, pa.AccelNoise != nil} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return pathErr(path, "want exactly one of adc, adc_noise, accel, accel_noise, network, uart_garbage, bounce, i2c_nack, register")
	case pa.Accel != nil:
		for i, v := range []float64{pa.Accel.X, pa.Accel.Y, pa.Accel.Z} {
			if math.IsNaN(v) || v < -16 || v > 16 {
				return pathErr(path+".accel."+[]string{"x", "y", "z"}[i], "%v is out of range (-16..16 g)", v)
			}
		}
		return nil
	case pa.AccelNoise != nil:
		if g := pa.AccelNoise.G; math.IsNaN(g) || g <= 0 || g > 16 {
			return pathErr(path+".accel_noise.g", "%v is out of range (more than 0, at most 16)", g)
		}
		return nil
	case pa.Register != nil:
		r := pa.Register
		if r.Core != "rtcore0" && r.Core != "rtcore1" {
			return pathErr(path+".register.core", "%q is not rtcore0 or rtcore1 (the high-level core reaches peripherals through the kernel, not registers)", r.Core)
		}
		if r.Addr%4 != 0 {
			return pathErr(path+".register.addr", "%#x is not a 32-bit register address", uint32(r.Addr))
		}
		if r.Bit != nil && (*r.Bit < 0 || *r.Bit > 31) {
			return pathErr(path+".register.bit", "%d is not 0–31", *r.Bit)
		}
		return checkMode(path+".register", r.Mode, false)
	case pa.ADCNoise != nil:
		if pa.ADCNoise.Channel < 0 || pa.ADCNoise.Channel > 7 {
			return pathErr(path+".adc_noise.channel", "%d is not 0–7", pa.ADCNoise.Channel)
		}
		if v := pa.ADCNoise.Volts; math.IsNaN(v) || v <= 0 || v > 10 {
			return pathErr(path+".adc_noise.volts", "%v is out of range (more than 0, at most 10)", v)
		}
		return nil
	case pa.I2CNack != nil:
		n := pa.I2CNack
		if n.ISU < 0 || n.ISU > 4 {
			return pathErr(path+".i2c_nack.isu", "%d is not 0–4", n.ISU)
		}
		if n.Addr < 0 || n.Addr > 0x7F {
			return pathErr(path+".i2c_nack.addr", "%d is not a 7-bit address", n.Addr)
		}
		if n.Count < 1 || n.Count > 1_000_000 {
			return pathErr(path+".i2c_nack.count", "%d is out of range (1..1000000)", n.Count)
		}
		return nil
	case pa.UARTGarbage != nil:
		if pa.UARTGarbage.ISU < 0 || pa.UARTGarbage.ISU > 4 {
			return pathErr(path+".uart_garbage.isu", "%d is not 0–4", pa.UARTGarbage.ISU)
		}
		if pa.UARTGarbage.Bytes < 1 || pa.UARTGarbage.Bytes > 4096 {
			return pathErr(path+".uart_garbage.bytes", "%d is out of range (1..4096)", pa.UARTGarbage.Bytes)
		}
		return nil
	case pa.Bounce != nil:
		if pa.Bounce.Button != "A" && pa.Bounce.Button != "B" {
			return pathErr(path+".bounce.button", "%q is not A or B", pa.Bounce.Button)
		}
		if pa.Bounce.Count < 1 || pa.Bounce.Count > 1000 {
			return pathErr(path+".bounce.count", "%d is out of range (1..1000)", pa.Bounce.Count)
		}
		if pa.Bounce.Every != nil && (*pa.Bounce.Every <= 0 || *pa.Bounce.Every > Duration(time.Second)) {
			return pathErr(path+".bounce.every", "want more than 0 and at most 1s")
		}
		return nil
	case pa.ADC != nil:
		if pa.ADC.Channel < 0 || pa.ADC.Channel > 7 {
			return pathErr(path+".adc.channel", "%d is not 0–7", pa.ADC.Channel)
		}
		if math.IsNaN(pa.ADC.Volts) || math.IsInf(pa.ADC.Volts, 0) || pa.ADC.Volts < -100 || pa.ADC.Volts > 100 {
			return pathErr(path+".adc.volts", "%v is out of range (-100..100)", pa.ADC.Volts)
		}
	default:
		if pa.Network != NetDown && pa.Network != NetUp {
			return pathErr(path+".network", "%q is not down or up", pa.Network)
		}
	}
	return nil
}

// describe returns a short text of a trigger, for fault.inject.
func (t *Trigger) describe() string {
	var s string
	if t.At != nil {
		s = "at " + t.At.String()
	} else {
		o := t.On
		nth := max(o.Nth, 1)
		s = fmt.Sprintf("on %s %s", ordinal(nth), o.Event)
		if o.Dom != "" {
			s += " by " + o.Dom
		}
		keys := make([]string, 0, len(o.Fields))
		for k := range o.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s += fmt.Sprintf(" %s=%s", k, o.Fields[k])
		}
	}
	if t.Probability != 0 {
		s += fmt.Sprintf(" with probability %v", t.Probability)
	}
	return s
}

func ordinal(n int) string {
	suf := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suf = "st"
	case n%10 == 2:
		suf = "nd"
	case n%10 == 3:
		suf = "rd"
	}
	return fmt.Sprintf("%d%s", n, suf)
}
