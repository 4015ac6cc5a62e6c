// Package glitch names the security decisions a fault can glitch — the
// voltage or clock glitch that makes a chip take the wrong branch once —
// and carries the injector the domains consult at each of them. Domains
// import it (it holds no domain's code); fault plans drive it.
package glitch

// Point is one security decision.
type Point string

// The decisions that can be glitched.
const (
	PlutonSignature  Point = "pluton.signature"  // an image's signature verification
	PlutonRollback   Point = "pluton.rollback"   // an image's SVN against the anti-rollback fuse
	PlutonCapability Point = "pluton.capability" // a capability file's device-ID binding
	RTFirewall       Point = "rtcore.firewall"   // a real-time core's compartment (firewall) check of one access
	SecmonPeripheral Point = "secmon.peripheral" // the Security Monitor's check that a peripheral block is free for a compartment
)

// Points lists every Point, for plans and campaigns that sweep them.
var Points = []Point{PlutonSignature, PlutonRollback, PlutonCapability, RTFirewall, SecmonPeripheral}

// Effect is what a glitch does to one decision.
type Effect uint8

// Effects.
const (
	None   Effect = iota // the check runs as written
	Invert               // the check's outcome is inverted: a failure passes, a pass fails
	Skip                 // the check is skipped: it passes whatever it found
)

// String names the effect.
func (e Effect) String() string {
	switch e {
	case Invert:
		return "invert"
	case Skip:
		return "skip"
	}
	return "none"
}

// Injector decides, at each decision, whether a glitch hits it; detail says
// which instance (the stage, the syscall, the address). A nil Injector
// glitches nothing.
type Injector func(p Point, detail string) Effect

// At asks the injector about one decision.
func (i Injector) At(p Point, detail string) Effect {
	if i == nil {
		return None
	}
	return i(p, detail)
}

// Passes applies the glitch to a check's outcome: ok is what the check
// found; the result is what the glitched chip acts on.
func (e Effect) Passes(ok bool) bool {
	switch e {
	case Invert:
		return !ok
	case Skip:
		return true
	}
	return ok
}
