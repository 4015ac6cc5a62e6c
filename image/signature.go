package image

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// ErrThumbprintMismatch means a package's SG thumbprint does not name the key it was checked against.
var ErrThumbprintMismatch = errors.New("image: signer thumbprint does not match the key")

// ErrBadSignature means a package's ECDSA signature does not verify.
var ErrBadSignature = errors.New("image: bad signature")

// ErrUnsupportedSigningType means a package's SG section names a signing type other than ECDsa256.
var ErrUnsupportedSigningType = errors.New("image: unsupported signing type")

// Thumbprint returns the SHA-1 digest of the PKIX (DER) encoding of pub.
//
// The real platform's thumbprint is that of the signing certificate; the
// emulator has no certificates and uses the key instead. Thumbprint returns
// the zero value for a nil or non-P-256 key.
func Thumbprint(pub *ecdsa.PublicKey) [20]byte {
	if checkP256(pub) != nil {
		return [20]byte{}
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return [20]byte{}
	}
	return sha1.Sum(der)
}

// VerifySignature checks that pub is the key the package names as its
// signer and that the signature over p.Signed verifies with it. It returns
// an error wrapping ErrThumbprintMismatch, ErrBadSignature or
// ErrUnsupportedSigningType on failure.
func (p *Package) VerifySignature(pub *ecdsa.PublicKey) error {
	return p.VerifySignatureMemo(pub, nil)
}

// VerifySignatureMemo is VerifySignature with the ECDSA arithmetic's
// outcome looked up in, and added to, memo (nil: none); see SignatureMemo.
func (p *Package) VerifySignatureMemo(pub *ecdsa.PublicKey, memo *SignatureMemo) error {
	if p == nil {
		return errors.New("image: verify: nil package")
	}
	xy, err := p256XY(pub)
	if err != nil {
		return fmt.Errorf("image: verify: %w", err)
	}
	sg := p.Metadata.Signing
	if sg == nil {
		return errors.New("image: verify: package has no signing (SG) section")
	}
	if sg.SigningType != SigningTypeECDsa256 {
		return fmt.Errorf("%w %d (want %d, ECDsa256)", ErrUnsupportedSigningType, sg.SigningType, SigningTypeECDsa256)
	}
	if tp := memo.thumbprint(pub, xy); tp != sg.Thumbprint {
		return fmt.Errorf("%w: package names %X, key is %X", ErrThumbprintMismatch, sg.Thumbprint, tp)
	}
	if !memo.verify(pub, xy, p.Digest(), p.Signature) {
		return ErrBadSignature
	}
	return nil
}

// checkP256 reports whether pub is a usable P-256 public key.
func checkP256(pub *ecdsa.PublicKey) error {
	_, err := p256XY(pub)
	return err
}

// p256XY checks pub as checkP256 does and returns its X‖Y encoding.
func p256XY(pub *ecdsa.PublicKey) ([64]byte, error) {
	var xy [64]byte
	if pub == nil {
		return xy, errors.New("no public key")
	}
	if pub.Curve != elliptic.P256() {
		return xy, errors.New("public key is not on curve P-256")
	}
	b, err := pub.Bytes() // 0x04 ‖ X ‖ Y
	if err != nil {
		return xy, fmt.Errorf("invalid P-256 public key: %w", err)
	}
	copy(xy[:], b[1:])
	return xy, nil
}

// signDigest signs digest deterministically (RFC 6979) and returns the
// signature as fixed-size big-endian r||s.
func signDigest(key *ecdsa.PrivateKey, digest [32]byte) ([SignatureSize]byte, error) {
	var out [SignatureSize]byte
	der, err := key.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		return out, fmt.Errorf("sign: %w", err)
	}
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil {
		return out, fmt.Errorf("sign: decode ASN.1 signature: %w", err)
	}
	if len(rest) != 0 || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
		return out, errors.New("sign: malformed ASN.1 signature")
	}
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}
