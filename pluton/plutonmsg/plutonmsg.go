// Package plutonmsg defines the messages Pluton serves over its mailbox: the
// wire format only, so other domains can talk to Pluton without importing it.
package plutonmsg

import (
	"crypto/sha256"
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Request kinds. The numbers follow the Pluton runtime's command table where
// it is known (reference §4): 0x40 ReadRng, 0x41 GetSecurityState, 0x42
// (believed to be image verification). 0x60 and up are emulator-defined.
const (
	KindReadRng            mailbox.Kind = 0x40
	KindGetSecurityState   mailbox.Kind = 0x41
	KindVerifyImage        mailbox.Kind = 0x42
	KindProcessAttestation mailbox.Kind = 0x4C
	KindGetMeasurements    mailbox.Kind = 0x60
)

func init() {
	mailbox.RegisterKind(mailbox.Pluton, KindReadRng, "pluton.ReadRng")
	mailbox.RegisterKind(mailbox.Pluton, KindGetSecurityState, "pluton.GetSecurityState")
	mailbox.RegisterKind(mailbox.Pluton, KindVerifyImage, "pluton.VerifyImage")
	mailbox.RegisterKind(mailbox.Pluton, KindGetMeasurements, "pluton.GetMeasurements")
	mailbox.RegisterKind(mailbox.Pluton, KindProcessAttestation, "pluton.ProcessAttestation")
}

// Purpose says what an image is verified for, which decides the keys that may
// have signed it and who may ask.
type Purpose uint8

// Verification purposes.
const (
	PurposeOS  Purpose = 1 // an OS image (kernel, rootfs): platform key, anti-rollback; Security Monitor only
	PurposeApp Purpose = 2 // an application package: an app-signing key from the keystore
)

// VerifyImage asks Pluton to verify and measure an image package.
// Encoding: u8 purpose, u16 expected image type (0 = any app), string stage, blob image.
type VerifyImage struct {
	Purpose   Purpose
	ImageType uint16
	Stage     string // the stage name for traces ("kernel", "rootfs"); apps get "app:<componentId>"
	Image     []byte
}

// Marshal encodes v.
func (v *VerifyImage) Marshal() []byte {
	var e mailbox.Encoder
	e.U8(uint8(v.Purpose))
	e.U16(v.ImageType)
	e.String(v.Stage)
	e.Blob(v.Image)
	return e.Bytes()
}

// UnmarshalVerifyImage decodes a VerifyImage request.
func UnmarshalVerifyImage(p []byte) (VerifyImage, error) {
	d := mailbox.NewDecoder(p)
	v := VerifyImage{Purpose: Purpose(d.U8()), ImageType: d.U16(), Stage: d.String(), Image: d.Blob()}
	if err := d.Finish(); err != nil {
		return v, fmt.Errorf("VerifyImage: %w", err)
	}
	if v.Purpose != PurposeOS && v.Purpose != PurposeApp {
		return v, fmt.Errorf("VerifyImage: unknown purpose %d", v.Purpose)
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

// Attestation is Pluton's answer to ProcessAttestation (whose request is a
// 32-byte nonce): the device ID public key, the measurement list, and an
// ECDSA P-256 signature by the device identity key over AttestationDigest,
// as in the real attestation result (reference §4). Encoding: 64 bytes
// device ID, measurement list (as MarshalMeasurements), 64 bytes r‖s.
type Attestation struct {
	DeviceID     [64]byte
	Measurements []Measurement
	Signature    [64]byte
}

// Marshal encodes a.
func (a *Attestation) Marshal() []byte {
	var e mailbox.Encoder
	e.Fixed(a.DeviceID[:])
	e.Fixed(MarshalMeasurements(a.Measurements))
	e.Fixed(a.Signature[:])
	return e.Bytes()
}

// UnmarshalAttestation decodes an Attestation.
func UnmarshalAttestation(p []byte) (Attestation, error) {
	var a Attestation
	if len(p) < 64+4+64 {
		return a, fmt.Errorf("Attestation: %d bytes is too short", len(p))
	}
	copy(a.DeviceID[:], p[:64])
	ms, err := UnmarshalMeasurements(p[64 : len(p)-64])
	if err != nil {
		return a, fmt.Errorf("Attestation: %w", err)
	}
	a.Measurements = ms
	copy(a.Signature[:], p[len(p)-64:])
	return a, nil
}

// AttestationDigest is what the identity key signs: SHA-256 of
// "sphere-emu attestation v1" ‖ 0 ‖ nonce ‖ device ID ‖ encoded measurement list.
func AttestationDigest(nonce [32]byte, deviceID [64]byte, ms []Measurement) [32]byte {
	h := sha256.New()
	h.Write([]byte("sphere-emu attestation v1\x00"))
	h.Write(nonce[:])
	h.Write(deviceID[:])
	h.Write(MarshalMeasurements(ms))
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}
