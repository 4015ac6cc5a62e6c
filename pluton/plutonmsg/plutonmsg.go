// Package plutonmsg defines the messages Pluton serves over its mailbox: the
// wire format only, so other domains can talk to Pluton without importing it.
package plutonmsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Request kinds. The numbers follow the Pluton runtime's command table where
// it is known (reference §4): 0x40 ReadRng, 0x41 GetSecurityState, 0x42
// (believed to be image verification). 0x60 and up are emulator-defined.
const (
	KindReadRng                   mailbox.Kind = 0x40
	KindGetSecurityState          mailbox.Kind = 0x41
	KindVerifyImage               mailbox.Kind = 0x42
	KindGenerateClientAuthKey     mailbox.Kind = 0x4A // () → 64-byte public key of a new client-auth key
	KindProcessAttestation        mailbox.Kind = 0x4C // AttestRequest → COSE_Sign1 token
	KindSignWithTenantAttestation mailbox.Kind = 0x4D // SignRequest → r‖s by the committed client-auth key
	KindCommitClientAuthKey       mailbox.Kind = 0x4E // 64-byte public key → (): the generated key becomes the client-auth key
	KindGetMeasurements           mailbox.Kind = 0x60
	KindSignWithGeneralKey        mailbox.Kind = 0x61 // SignRequest → r‖s by the general key
	KindCommitRollback            mailbox.Kind = 0x62 // () → (): burn the anti-rollback counters a trial deferred; Security Monitor only
	KindIsCapabilityEnabled       mailbox.Kind = 0x48 // u16 capability → u8 0/1
	KindGetEnabledCapabilities    mailbox.Kind = 0x49 // () → MarshalCapabilities
)

func init() {
	mailbox.RegisterKind(mailbox.Pluton, KindReadRng, "pluton.ReadRng")
	mailbox.RegisterKind(mailbox.Pluton, KindGetSecurityState, "pluton.GetSecurityState")
	mailbox.RegisterKind(mailbox.Pluton, KindVerifyImage, "pluton.VerifyImage")
	mailbox.RegisterKind(mailbox.Pluton, KindGetMeasurements, "pluton.GetMeasurements")
	mailbox.RegisterKind(mailbox.Pluton, KindProcessAttestation, "pluton.ProcessAttestation")
	mailbox.RegisterKind(mailbox.Pluton, KindGenerateClientAuthKey, "pluton.GenerateClientAuthKey")
	mailbox.RegisterKind(mailbox.Pluton, KindCommitClientAuthKey, "pluton.CommitClientAuthKey")
	mailbox.RegisterKind(mailbox.Pluton, KindSignWithTenantAttestation, "pluton.SignWithTenantAttestationKey")
	mailbox.RegisterKind(mailbox.Pluton, KindSignWithGeneralKey, "pluton.SignWithGeneralKey")
	mailbox.RegisterKind(mailbox.Pluton, KindCommitRollback, "pluton.CommitRollback")
	mailbox.RegisterKind(mailbox.Pluton, KindIsCapabilityEnabled, "pluton.IsCapabilityEnabled")
	mailbox.RegisterKind(mailbox.Pluton, KindGetEnabledCapabilities, "pluton.GetEnabledCapabilities")
}

// Purpose says what an image is verified for, which decides the keys that may
// have signed it and who may ask.
type Purpose uint8

// Verification purposes.
const (
	PurposeOS  Purpose = 1 // an OS image (kernel, rootfs): platform key, anti-rollback; Security Monitor only
	PurposeApp Purpose = 2 // an application package: an app-signing key from the keystore
	// PurposeStage checks an update image before it is installed: the same
	// signature and anti-rollback checks as for booting it (ImageType names
	// an OS image type, or 0 for an app), but nothing is measured and no
	// fuse is burnt. Security Monitor only.
	PurposeStage Purpose = 3
)

// Verify flags.
const (
	// FlagTrial: the layout being booted is an update on trial. From the
	// first such request until power-off, Pluton defers every anti-rollback
	// burn until the Security Monitor commits the update
	// (KindCommitRollback): a trial that fails can fall back to the older
	// images.
	FlagTrial uint8 = 1
)

// VerifyImage asks Pluton to verify and measure an image package.
// Encoding: u8 purpose, u16 expected image type (0 = any app), string stage, blob image, u8 flags.
type VerifyImage struct {
	Purpose   Purpose
	ImageType uint16
	Stage     string // the stage name for traces ("kernel", "rootfs"); apps get "app:<componentId>"
	Image     []byte
	Flags     uint8 // FlagTrial
}

// Marshal encodes v.
func (v *VerifyImage) Marshal() []byte {
	var e mailbox.Encoder
	e.U8(uint8(v.Purpose))
	e.U16(v.ImageType)
	e.String(v.Stage)
	e.Blob(v.Image)
	e.U8(v.Flags)
	return e.Bytes()
}

// UnmarshalVerifyImage decodes a VerifyImage request.
func UnmarshalVerifyImage(p []byte) (VerifyImage, error) {
	d := mailbox.NewDecoder(p)
	v := VerifyImage{Purpose: Purpose(d.U8()), ImageType: d.U16(), Stage: d.String(), Image: d.Blob(), Flags: d.U8()}
	if err := d.Finish(); err != nil {
		return v, fmt.Errorf("VerifyImage: %w", err)
	}
	if v.Purpose < PurposeOS || v.Purpose > PurposeStage {
		return v, fmt.Errorf("VerifyImage: unknown purpose %d", v.Purpose)
	}
	if v.Flags&^FlagTrial != 0 {
		return v, fmt.Errorf("VerifyImage: unknown flags %#x", v.Flags)
	}
	return v, nil
}

// Verdict codes: OK travels as one of two 32-bit words that differ in every
// bit, so no single corrupted bit (or byte) turns a failure into a pass;
// any other value is malformed. This is the fault-injection hardening
// MCUboot calls FIH.
const (
	VerdictPass uint32 = 0x3CA5965A
	VerdictFail uint32 = ^VerdictPass
)

// Verdict is Pluton's answer to VerifyImage.
// Encoding: u32 verdict code (VerdictPass or VerdictFail), string stage, string reason, 32 bytes measurement,
// u32 svn, u16 image type, 16 bytes component ID, 20 bytes signer thumbprint.
type Verdict struct {
	OK          bool
	Stage       string
	Reason      string
	Measurement [32]byte
	SVN         uint32
	ImageType   uint16
	ComponentID [16]byte
	Signer      [20]byte
}

// Marshal encodes v.
func (v *Verdict) Marshal() []byte {
	var e mailbox.Encoder
	if v.OK {
		e.U32(VerdictPass)
	} else {
		e.U32(VerdictFail)
	}
	e.String(v.Stage)
	e.String(v.Reason)
	e.Fixed(v.Measurement[:])
	e.U32(v.SVN)
	e.U16(v.ImageType)
	e.Fixed(v.ComponentID[:])
	e.Fixed(v.Signer[:])
	return e.Bytes()
}

// UnmarshalVerdict decodes a Verdict.
func UnmarshalVerdict(p []byte) (Verdict, error) {
	d := mailbox.NewDecoder(p)
	var v Verdict
	code := d.U32()
	v.OK = code == VerdictPass
	if code != VerdictPass && code != VerdictFail && d.Err() == nil {
		return v, fmt.Errorf("Verdict: code %#08x is neither pass nor fail", code)
	}
	v.Stage = d.String()
	v.Reason = d.String()
	copy(v.Measurement[:], d.Fixed(32))
	v.SVN = d.U32()
	v.ImageType = d.U16()
	copy(v.ComponentID[:], d.Fixed(16))
	copy(v.Signer[:], d.Fixed(20))
	if err := d.Finish(); err != nil {
		return v, fmt.Errorf("Verdict: %w", err)
	}
	return v, nil
}

// SecurityState answers GetSecurityState: u32 state, 64-byte general public
// key, 64-byte identity (attestation) public key, as in the real
// get_security_state result.
type SecurityState struct {
	State       uint32
	GeneralKey  [64]byte
	IdentityKey [64]byte
}

// Security states (reference §4).
const (
	StateTest   uint32 = 0
	StateBlank  uint32 = 1
	StateSecure uint32 = 2
)

// Marshal encodes s.
func (s *SecurityState) Marshal() []byte {
	var e mailbox.Encoder
	e.U32(s.State)
	e.Fixed(s.GeneralKey[:])
	e.Fixed(s.IdentityKey[:])
	return e.Bytes()
}

// UnmarshalSecurityState decodes a SecurityState.
func UnmarshalSecurityState(p []byte) (SecurityState, error) {
	d := mailbox.NewDecoder(p)
	var s SecurityState
	s.State = d.U32()
	copy(s.GeneralKey[:], d.Fixed(64))
	copy(s.IdentityKey[:], d.Fixed(64))
	return s, d.Finish()
}

// Measurement is one entry of Pluton's measurement list: u32 type (the image
// type), SHA-256 digest.
type Measurement struct {
	Type   uint32
	Digest [32]byte
}

// MarshalMeasurements encodes a list: u32 count, then entries.
func MarshalMeasurements(ms []Measurement) []byte {
	var e mailbox.Encoder
	e.U32(uint32(len(ms)))
	for _, m := range ms {
		e.U32(m.Type)
		e.Fixed(m.Digest[:])
	}
	return e.Bytes()
}

// MaxMeasurements is the capacity of the measurement list.
const MaxMeasurements = 20

// UnmarshalMeasurements decodes a list of at most MaxMeasurements entries.
func UnmarshalMeasurements(p []byte) ([]Measurement, error) {
	d := mailbox.NewDecoder(p)
	n := d.U32()
	if n > MaxMeasurements {
		return nil, fmt.Errorf("measurement list of %d entries exceeds %d", n, MaxMeasurements)
	}
	ms := make([]Measurement, 0, n)
	for i := uint32(0); i < n && d.Err() == nil; i++ {
		var m Measurement
		m.Type = d.U32()
		copy(m.Digest[:], d.Fixed(32))
		ms = append(ms, m)
	}
	return ms, d.Finish()
}

// AttestRequest asks Pluton for an attestation token (ProcessAttestation):
// the service's 32-byte nonce, and the OS version the OS reports, which
// Pluton signs as a claim the service checks against the measurements.
// Encoding: 32 bytes nonce, string OS version. The answer is the token: a
// COSE_Sign1 EAT (package attest), signed by the device identity key.
type AttestRequest struct {
	Nonce     [32]byte
	OSVersion string
}

// MaxOSVersion bounds AttestRequest.OSVersion.
const MaxOSVersion = 64

// Marshal encodes r.
func (r *AttestRequest) Marshal() []byte {
	var e mailbox.Encoder
	e.Fixed(r.Nonce[:])
	e.String(r.OSVersion)
	return e.Bytes()
}

// UnmarshalAttestRequest decodes an AttestRequest.
func UnmarshalAttestRequest(p []byte) (AttestRequest, error) {
	d := mailbox.NewDecoder(p)
	var r AttestRequest
	copy(r.Nonce[:], d.Fixed(32))
	r.OSVersion = d.String()
	if err := d.Finish(); err != nil {
		return r, fmt.Errorf("AttestRequest: %w", err)
	}
	if len(r.OSVersion) > MaxOSVersion {
		return r, fmt.Errorf("AttestRequest: OS version of %d bytes exceeds %d", len(r.OSVersion), MaxOSVersion)
	}
	return r, nil
}

// SignRequest asks Pluton to sign a SHA-256 digest with one of its keys
// (SignWithTenantAttestationKey for the client-auth key, SignWithGeneralKey
// for the key of the update certificate): 32 bytes digest. The answer is
// 64 bytes r‖s.
type SignRequest struct {
	Digest [32]byte
}

// Marshal encodes r.
func (r *SignRequest) Marshal() []byte { return append([]byte(nil), r.Digest[:]...) }

// UnmarshalSignRequest decodes a SignRequest.
func UnmarshalSignRequest(p []byte) (SignRequest, error) {
	var r SignRequest
	if len(p) != 32 {
		return r, fmt.Errorf("SignRequest: want a 32-byte digest, got %d bytes", len(p))
	}
	copy(r.Digest[:], p)
	return r, nil
}

// MarshalCapabilities encodes an enabled-capability list: u32 count, then u16 each.
func MarshalCapabilities(caps []uint16) []byte {
	var e mailbox.Encoder
	e.U32(uint32(len(caps)))
	for _, c := range caps {
		e.U16(c)
	}
	return e.Bytes()
}

// UnmarshalCapabilities decodes an enabled-capability list (at most 64).
func UnmarshalCapabilities(p []byte) ([]uint16, error) {
	d := mailbox.NewDecoder(p)
	n := d.U32()
	if n > 64 {
		return nil, fmt.Errorf("Capabilities: %d entries exceed 64", n)
	}
	out := make([]uint16, 0, n)
	for i := uint32(0); i < n && d.Err() == nil; i++ {
		out = append(out, d.U16())
	}
	return out, d.Finish()
}
