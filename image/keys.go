package image

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// PEM block types written and read by this package.
const (
	pemPrivateKey = "PRIVATE KEY"
	pemPublicKey  = "PUBLIC KEY"
)

// GenerateKey returns a new ECDSA P-256 signing key drawn from crypto/rand.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("image: generate key: %w", err)
	}
	return k, nil
}

// EncodePrivateKeyPEM returns k as a PKCS #8 "PRIVATE KEY" PEM block, or nil if k cannot be encoded.
func EncodePrivateKeyPEM(k *ecdsa.PrivateKey) []byte {
	if k == nil || checkP256(&k.PublicKey) != nil {
		return nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der})
}

// EncodePublicKeyPEM returns k as a PKIX "PUBLIC KEY" PEM block, or nil if k cannot be encoded.
func EncodePublicKeyPEM(k *ecdsa.PublicKey) []byte {
	if checkP256(k) != nil {
		return nil
	}
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: der})
}

// ParsePrivateKeyPEM parses the first PEM block of b as a PKCS #8 P-256 private key.
func ParsePrivateKeyPEM(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("image: private key: no PEM block found")
	}
	if block.Type != pemPrivateKey {
		return nil, fmt.Errorf("image: private key: PEM block is %q, want %q", block.Type, pemPrivateKey)
	}
	return parsePKCS8(block.Bytes)
}

// ParsePublicKeyPEM parses the first PEM block of b as a PKIX P-256 public
// key; given a PKCS #8 private key block it returns the public half.
func ParsePublicKeyPEM(b []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("image: public key: no PEM block found")
	}
	switch block.Type {
	case pemPrivateKey:
		k, err := parsePKCS8(block.Bytes)
		if err != nil {
			return nil, err
		}
		return &k.PublicKey, nil
	case pemPublicKey:
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("image: public key: %w", err)
		}
		pub, ok := key.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("image: public key: got a %T, want an ECDSA P-256 key", key)
		}
		if err := checkP256(pub); err != nil {
			return nil, fmt.Errorf("image: public key: %w", err)
		}
		return pub, nil
	default:
		return nil, fmt.Errorf("image: public key: PEM block is %q, want %q or %q", block.Type, pemPublicKey, pemPrivateKey)
	}
}

func parsePKCS8(der []byte) (*ecdsa.PrivateKey, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("image: private key: %w", err)
	}
	k, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("image: private key: got a %T, want an ECDSA P-256 key", key)
	}
	if err := checkP256(&k.PublicKey); err != nil {
		return nil, fmt.Errorf("image: private key: %w", err)
	}
	return k, nil
}

// PublicKeyBytes returns the raw X||Y coordinates of a P-256 key, the form
// the keystore and fuses hold; it returns zeros for a nil or non-P-256 key.
func PublicKeyBytes(k *ecdsa.PublicKey) [64]byte {
	var out [64]byte
	if checkP256(k) != nil {
		return out
	}
	b, err := k.Bytes() // 0x04 || X || Y
	if err != nil || len(b) != 65 {
		return out
	}
	copy(out[:], b[1:])
	return out
}

// PublicKeyFromBytes decodes raw X||Y coordinates into a P-256 public key, checking the point is on the curve.
func PublicKeyFromBytes(b [64]byte) (*ecdsa.PublicKey, error) {
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append([]byte{4}, b[:]...))
	if err != nil {
		return nil, fmt.Errorf("image: public key bytes: %w", err)
	}
	return k, nil
}
