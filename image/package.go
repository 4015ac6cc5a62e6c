package image

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// SignatureSize is the size of the ECDSA P-256 signature (r||s) that ends every image package.
const SignatureSize = 64

// minMetadataLen is the smallest metadata block: magic, section count and trailing length.
const minMetadataLen = 12

// Package is a parsed image package: payload, metadata and signature.
type Package struct {
	Payload   []byte
	Metadata  Metadata
	Signature [SignatureSize]byte
	Signed    []byte // the bytes covered by the signature: payload followed by metadata
}

// ParsePackage parses an image package; it requires ID and SG sections and
// does not check the signature (see VerifySignature). The returned Package
// does not alias b.
func ParsePackage(b []byte) (*Package, error) {
	if len(b) < minMetadataLen+SignatureSize {
		return nil, fmt.Errorf("image package: %d bytes is shorter than the %d-byte minimum (metadata and signature)", len(b), minMetadataLen+SignatureSize)
	}
	b = bytes.Clone(b)
	sigAt := len(b) - SignatureSize
	mdLen := binary.LittleEndian.Uint32(b[sigAt-u32Len:])
	if mdLen < minMetadataLen || uint64(mdLen) > uint64(sigAt) {
		return nil, fmt.Errorf("image package: metadata length %d does not fit (%d bytes before the signature, minimum %d)", mdLen, sigAt, minMetadataLen)
	}
	mdAt := sigAt - int(mdLen)
	md, err := parseMetadata(b[mdAt:sigAt], mdAt)
	if err != nil {
		return nil, fmt.Errorf("image package: %w", err)
	}
	if md.Identity == nil {
		return nil, errors.New("image package: metadata has no identity (ID) section")
	}
	if md.Signing == nil {
		return nil, errors.New("image package: metadata has no signing (SG) section")
	}
	p := &Package{
		Payload:  b[:mdAt:mdAt],
		Metadata: md,
		Signed:   b[:sigAt:sigAt],
	}
	copy(p.Signature[:], b[sigAt:])
	return p, nil
}

// BuildPackage assembles and signs an image package. It sets md.Signing from
// key, writes the sections in the order ID, SG, DB, TP, ND, NP, RV, then the
// unknown ones, and signs deterministically (RFC 6979), so the same inputs
// always give the same bytes.
func BuildPackage(payload []byte, md Metadata, key *ecdsa.PrivateKey) ([]byte, error) {
	if key == nil {
		return nil, errors.New("image package: no signing key")
	}
	if err := checkP256(&key.PublicKey); err != nil {
		return nil, fmt.Errorf("image package: signing key: %w", err)
	}
	if md.Identity == nil {
		return nil, errors.New("image package: metadata has no identity (ID) section")
	}
	md.Signing = &SigningInfo{Thumbprint: Thumbprint(&key.PublicKey), SigningType: SigningTypeECDsa256}
	mdBytes, err := marshalMetadata(md)
	if err != nil {
		return nil, fmt.Errorf("image package: %w", err)
	}
	out := make([]byte, 0, len(payload)+len(mdBytes)+SignatureSize)
	out = append(out, payload...)
	out = append(out, mdBytes...)
	sig, err := signDigest(key, sha256.Sum256(out))
	if err != nil {
		return nil, fmt.Errorf("image package: %w", err)
	}
	return append(out, sig[:]...), nil
}

// Digest returns the SHA-256 digest of the signed bytes, the value the signature covers.
func (p *Package) Digest() [32]byte {
	return sha256.Sum256(p.Signed)
}
