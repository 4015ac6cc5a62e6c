// Package attest defines the attestation token a device's Pluton signs and
// the security service verifies: an EAT-style claim set (RFC 9711) carried
// in a COSE_Sign1 envelope (RFC 9052), signed ES256 by the device identity
// key. It holds the format only, so Pluton can produce tokens and the
// service can check them without importing each other.
//
// The real Pluton's attestation result is a binary struct (nonce, device ID
// public key, ≤ 20 measurements, r‖s signature: reference §4); sphere-emu
// carries the same content as an EAT so that standard COSE tooling reads it.
package attest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// Profile names this token format (the EAT eat_profile claim).
const Profile = "tag:sphere-emu.dev,2026:attestation-v1"

// NonceSize is the size of the service's challenge (Pluton's
// ProcessAttestation takes a 32-byte nonce).
const NonceSize = 32

// MaxMeasurements bounds the measurement list, as Pluton's does.
const MaxMeasurements = 20

// MaxTokenSize bounds an encoded token: anything longer is refused before
// it is parsed.
const MaxTokenSize = 8192

// Debug status values (EAT dbgstat, RFC 9711 §4.2.9).
const (
	DebugEnabled              = 0
	DebugDisabled             = 1
	DebugDisabledSinceBoot    = 2
	DebugDisabledPermanently  = 3
	DebugDisabledFullyAndPerm = 4
)

// Measurement is one entry of Pluton's measurement list: the image type that
// was verified and the SHA-256 of its package (image.Package.Digest).
type Measurement struct {
	Type   uint32 `cbor:"1,keyasint"`
	Digest []byte `cbor:"2,keyasint"`
}

// Claims is the claim set. Standard EAT claims use their registered keys;
// the Azure Sphere-specific ones use private keys below -65536.
type Claims struct {
	Nonce         []byte        `cbor:"10,keyasint"`     // eat_nonce: the service's challenge
	UEID          []byte        `cbor:"256,keyasint"`    // ueid: 0x01 ‖ SHA-256(device ID)
	DebugStatus   uint          `cbor:"263,keyasint"`    // dbgstat
	Profile       string        `cbor:"265,keyasint"`    // eat_profile
	SecurityState uint32        `cbor:"-70000,keyasint"` // Pluton security state (2 = SECURE)
	DeviceID      []byte        `cbor:"-70001,keyasint"` // 64-byte identity public key X‖Y
	Capabilities  []uint16      `cbor:"-70002,keyasint"` // enabled device capabilities
	OSVersion     string        `cbor:"-70003,keyasint"` // what the OS says it is; the service checks it against the measurements
	ClientKey     []byte        `cbor:"-70004,keyasint"` // 64-byte X‖Y of the client-auth key Pluton generated
	Measurements  []Measurement `cbor:"-70005,keyasint"` // what actually booted, in boot order
	UpdateKey     []byte        `cbor:"-70006,keyasint"` // 64-byte X‖Y of Pluton's general key, for the update certificate
}

// UEIDFor returns the UEID of a device ID: type byte 0x01 (random) followed
// by the SHA-256 of the 64-byte identity public key, 33 bytes in all (the
// longest a UEID may be).
func UEIDFor(deviceID []byte) []byte {
	h := sha256.Sum256(deviceID)
	return append([]byte{0x01}, h[:]...)
}

// Check reports the first structural problem of a claim set: sizes, profile
// and the UEID's binding to the device ID. It does not check the signature.
func (c *Claims) Check() error {
	switch {
	case len(c.Nonce) != NonceSize:
		return fmt.Errorf("attest: nonce is %d bytes, want %d", len(c.Nonce), NonceSize)
	case len(c.DeviceID) != 64:
		return fmt.Errorf("attest: device ID is %d bytes, want 64", len(c.DeviceID))
	case c.Profile != Profile:
		return fmt.Errorf("attest: profile %q is not %q", c.Profile, Profile)
	case !bytes.Equal(c.UEID, UEIDFor(c.DeviceID)):
		return errors.New("attest: UEID does not match the device ID")
	case c.ClientKey != nil && len(c.ClientKey) != 64:
		return fmt.Errorf("attest: client key is %d bytes, want 64", len(c.ClientKey))
	case c.UpdateKey != nil && len(c.UpdateKey) != 64:
		return fmt.Errorf("attest: update key is %d bytes, want 64", len(c.UpdateKey))
	case len(c.Measurements) > MaxMeasurements:
		return fmt.Errorf("attest: %d measurements exceed %d", len(c.Measurements), MaxMeasurements)
	case len(c.Capabilities) > 64:
		return fmt.Errorf("attest: %d capabilities exceed 64", len(c.Capabilities))
	case len(c.OSVersion) > 64:
		return fmt.Errorf("attest: OS version of %d bytes is too long", len(c.OSVersion))
	}
	for i, m := range c.Measurements {
		if len(m.Digest) != sha256.Size {
			return fmt.Errorf("attest: measurement %d digest is %d bytes, want 32", i, len(m.Digest))
		}
	}
	return nil
}

var encMode = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:   8,
		MaxArrayElements:  256,
		MaxMapPairs:       64,
		IndefLength:       cbor.IndefLengthForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// SignFunc signs a SHA-256 digest with the device identity key and returns
// r‖s: Pluton passes its own, so the key stays inside it.
type SignFunc func(digest [32]byte) ([64]byte, error)

// plutonSigner adapts a SignFunc to go-cose's Signer.
type plutonSigner struct{ sign SignFunc }

func (s plutonSigner) Algorithm() cose.Algorithm { return cose.AlgorithmES256 }

func (s plutonSigner) Sign(_ io.Reader, content []byte) ([]byte, error) {
	sig, err := s.sign(sha256.Sum256(content))
	if err != nil {
		return nil, err
	}
	return sig[:], nil
}

// Sign encodes the claims deterministically and wraps them in a tagged
// COSE_Sign1 signed by sign.
func Sign(c *Claims, sign SignFunc) ([]byte, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	payload, err := encMode.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("attest: encode claims: %w", err)
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(cose.AlgorithmES256)
	msg.Payload = payload
	if err := msg.Sign(nil, nil, plutonSigner{sign}); err != nil {
		return nil, fmt.Errorf("attest: sign: %w", err)
	}
	out, err := msg.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("attest: encode COSE_Sign1: %w", err)
	}
	return out, nil
}

// Parse decodes a token without checking its signature: the service reads
// the device ID from it to find the key to verify with.
func Parse(token []byte) (*Claims, *cose.Sign1Message, error) {
	if len(token) > MaxTokenSize {
		return nil, nil, fmt.Errorf("attest: token of %d bytes exceeds %d", len(token), MaxTokenSize)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(token); err != nil {
		return nil, nil, fmt.Errorf("attest: not a COSE_Sign1 message: %w", err)
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmES256 {
		return nil, nil, fmt.Errorf("attest: protected header does not name ES256")
	}
	if msg.Payload == nil {
		return nil, nil, errors.New("attest: token has a detached payload")
	}
	var c Claims
	if err := decMode.Unmarshal(msg.Payload, &c); err != nil {
		return nil, nil, fmt.Errorf("attest: claims: %w", err)
	}
	if err := c.Check(); err != nil {
		return nil, nil, err
	}
	return &c, &msg, nil
}

// PublicKey returns the P-256 public key whose X‖Y encoding is xy (a device
// ID or a client key).
func PublicKey(xy []byte) (*ecdsa.PublicKey, error) {
	if len(xy) != 64 {
		return nil, fmt.Errorf("attest: public key is %d bytes, want 64", len(xy))
	}
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append([]byte{0x04}, xy...))
	if err != nil {
		return nil, fmt.Errorf("attest: public key: %w", err)
	}
	return k, nil
}

// Verify parses a token and checks its signature against the device
// identity key named in the token itself. The caller still decides whether
// that device, nonce and those measurements are acceptable.
func Verify(token []byte) (*Claims, error) {
	c, msg, err := Parse(token)
	if err != nil {
		return nil, err
	}
	pub, err := PublicKey(c.DeviceID)
	if err != nil {
		return nil, err
	}
	v, err := cose.NewVerifier(cose.AlgorithmES256, pub)
	if err != nil {
		return nil, fmt.Errorf("attest: %w", err)
	}
	if err := msg.Verify(nil, v); err != nil {
		return nil, fmt.Errorf("attest: signature does not verify with the device's identity key: %w", err)
	}
	return c, nil
}
