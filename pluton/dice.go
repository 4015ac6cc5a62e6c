package pluton

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"math/big"
)

// kdf is HMAC-SHA256(key, label ‖ 0 ‖ data): the one derivation function
// Pluton uses for CDIs and keys.
func kdf(key []byte, label string, data ...[]byte) [32]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	m.Write([]byte{0})
	for _, d := range data {
		m.Write(d)
	}
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// deriveKey turns a secret into a P-256 key pair deterministically: the
// scalar is kdf(secret, label, counter) for the first counter giving a
// valid scalar.
func deriveKey(km *KeyMemo, secret []byte, label string) *ecdsa.PrivateKey {
	for ctr := uint32(0); ; ctr++ {
		var c [4]byte
		binary.LittleEndian.PutUint32(c[:], ctr)
		d := kdf(secret, label, c[:])
		if k, err := km.parse(d); err == nil {
			return k
		}
		if ctr > 64 {
			panic(fmt.Sprintf("pluton: no valid P-256 scalar for %q", label))
		}
	}
}

// publicXY returns the 64-byte X‖Y encoding of a public key.
func publicXY(k *ecdsa.PublicKey) [64]byte {
	var out [64]byte
	b, err := k.Bytes() // 0x04 ‖ X ‖ Y
	if err == nil && len(b) == 65 {
		copy(out[:], b[1:])
	}
	return out
}

// layer is one DICE layer: its compound device identifier and the identity
// key derived from it. A layer's CDI is derived from the previous layer's CDI
// and the measurement of the code it loaded, so it changes if any earlier
// stage changes.
type layer struct {
	stage string
	cdi   [32]byte
	key   *ecdsa.PrivateKey
}

// nextLayer derives the layer for stage from the current CDI and its measurement.
func nextLayer(km *KeyMemo, cdi [32]byte, stage string, measurement [32]byte) layer {
	next := kdf(cdi[:], "sphere-emu/dice/cdi", []byte(stage), measurement[:])
	return layer{stage: stage, cdi: next, key: deriveKey(km, next[:], "sphere-emu/dice/identity")}
}

// layerID is a public identifier of a layer's identity key: the first 20
// bytes of SHA-256 of its X‖Y encoding.
func layerID(k *ecdsa.PrivateKey) [20]byte {
	xy := publicXY(&k.PublicKey)
	h := sha256.Sum256(xy[:])
	var id [20]byte
	copy(id[:], h[:20])
	return id
}

// signRaw signs a digest with k deterministically (RFC 6979, as Go does when
// no random source is given) and returns the signature as r‖s.
func signRaw(k *ecdsa.PrivateKey, digest []byte) ([64]byte, error) {
	var out [64]byte
	der, err := k.Sign(nil, digest, crypto.SHA256)
	if err != nil {
		return out, err
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return out, err
	}
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}
