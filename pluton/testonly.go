package pluton

import (
	"encoding/hex"
	"slices"

	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
)

// This file holds what Pluton offers tests and nothing else: a read-only
// view of its secrets for the security-invariant checker (package fault),
// and switches that deliberately break Pluton so that tests can show the
// checker catches each break. Firmware code never calls these; a device
// built without tests touching them behaves exactly as before.

// Leak modes of TestOnlyLeak.
const (
	// LeakInVerdict puts the hex of the identity private key into the
	// Reason of every passing verdict Pluton sends (a reply over the bus).
	LeakInVerdict = "verdict"
	// LeakInTrace puts the hex of the unique device secret into every
	// dice.derive trace event (field "debug").
	LeakInTrace = "trace"
)

// TestOnlyLeak, when not empty, is a deliberately broken Pluton for the
// invariant checker's tests (fault/invariant_test.go): LeakInVerdict or
// LeakInTrace. Never set it outside a test.
var TestOnlyLeak string

// TestOnlyAttestOmitsKernel, when set, is a deliberately broken Pluton for
// the invariant checker's tests: the attestation token it signs leaves out
// the NormalWorldKernel measurement, so the token no longer says what ran.
// Never set it outside a test.
var TestOnlyAttestOmitsKernel bool

// SecretsForChecker returns copies of every secret Pluton holds now, by
// name: the unique device secret, the identity, general and client-auth
// private keys (the scalars), and each DICE layer's CDI and private key.
// It exists only so that the security-invariant checker (fault.Checker)
// can search the bus, the trace, flash and storage for them; no firmware
// code calls it and nothing it returns goes into a message or a trace.
func (p *Pluton) SecretsForChecker() map[string][]byte {
	return p.secretsForChecker()
}

// SecretsVersionForChecker changes whenever SecretsForChecker may return
// a secret it did not return before, so that the checker need not ask
// again otherwise.
func (p *Pluton) SecretsVersionForChecker() uint64 { return p.secretsVersion }

func (p *Pluton) secretsForChecker() map[string][]byte {
	out := map[string][]byte{"uds": slices.Clone(p.fuses.uds[:])}
	if p.identity != nil {
		out["identity key"] = p.identity.D.FillBytes(make([]byte, 32))
	}
	if p.general != nil {
		out["general key"] = p.general.D.FillBytes(make([]byte, 32))
	}
	if p.client != nil {
		out["client-auth key"] = p.client.D.FillBytes(make([]byte, 32))
	}
	if p.pendingClient != nil {
		out["client-auth key (pending)"] = p.pendingClient.D.FillBytes(make([]byte, 32))
	}
	for _, l := range p.layers {
		out["cdi "+l.stage] = slices.Clone(l.cdi[:])
		out["layer key "+l.stage] = l.key.D.FillBytes(make([]byte, 32))
	}
	return out
}

// testOnlyVerdictLeak applies TestOnlyLeak to a passing verdict.
func (p *Pluton) testOnlyVerdictLeak(v *plutonmsg.Verdict) {
	if TestOnlyLeak == LeakInVerdict && v.OK {
		v.Reason = hex.EncodeToString(p.identity.D.FillBytes(make([]byte, 32)))
	}
}

// testOnlyTraceLeak returns the fields TestOnlyLeak adds to dice.derive.
func (p *Pluton) testOnlyTraceLeak() string {
	if TestOnlyLeak == LeakInTrace {
		return hex.EncodeToString(p.fuses.uds[:])
	}
	return ""
}

// testOnlyAttested applies TestOnlyAttestOmitsKernel to the measurement
// list of a token.
func testOnlyAttested(ms []plutonmsg.Measurement, kernelType uint32) []plutonmsg.Measurement {
	if !TestOnlyAttestOmitsKernel {
		return ms
	}
	var out []plutonmsg.Measurement
	for _, m := range ms {
		if m.Type != kernelType {
			out = append(out, m)
		}
	}
	return out
}
