package image

import (
	"crypto/ecdsa"
	"math/big"
	"sync"
)

// SignatureMemo remembers the outcome of ECDSA P-256 signature
// verifications (and the thumbprints of the keys, a pure function of each), so that devices of one process (the runs of a fault
// campaign, which boot the same image thousands of times) do not redo the
// same curve arithmetic. The outcome of a verification is a pure function
// of (public key, digest, signature), and the memo is keyed by all three,
// exactly: a package with one bit changed — in its signed bytes (hence its
// digest), its signature or its signer's key — is a different key, a miss,
// and is verified afresh. Everything around the arithmetic (the signer's
// thumbprint, the signing type, the digest of the bytes read, the device's
// decision and its trace) is still done by every device, every time.
//
// A nil *SignatureMemo remembers nothing. It is safe for concurrent use.
type SignatureMemo struct {
	mu sync.Mutex
	m  map[sigKey]bool
	tp map[[64]byte][20]byte // Thumbprint by X‖Y
}

type sigKey struct {
	pub    [64]byte // X‖Y
	digest [32]byte
	sig    [SignatureSize]byte
}

// maxSignatureMemo bounds the memo; past it, it starts over.
const maxSignatureMemo = 4096

// NewSignatureMemo returns an empty memo.
func NewSignatureMemo() *SignatureMemo {
	return &SignatureMemo{m: map[sigKey]bool{}, tp: map[[64]byte][20]byte{}}
}

// thumbprint returns Thumbprint(pub); xy is pub's X‖Y (pub is valid).
func (m *SignatureMemo) thumbprint(pub *ecdsa.PublicKey, xy [64]byte) [20]byte {
	if m == nil {
		return Thumbprint(pub)
	}
	return remember(&m.mu, m.tp, xy, func() [20]byte { return Thumbprint(pub) })
}

// verify reports whether sig (r‖s) is pub's signature of digest; xy is
// pub's X‖Y (pub is valid).
func (m *SignatureMemo) verify(pub *ecdsa.PublicKey, xy [64]byte, digest [32]byte, sig [SignatureSize]byte) bool {
	check := func() bool {
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, digest[:], r, s)
	}
	if m == nil {
		return check()
	}
	return remember(&m.mu, m.m, sigKey{pub: xy, digest: digest, sig: sig}, check)
}

// remember returns m[k], computing and storing it on a miss; past
// maxSignatureMemo entries the map starts over.
func remember[K comparable, V any](mu *sync.Mutex, m map[K]V, k K, compute func() V) V {
	mu.Lock()
	v, hit := m[k]
	mu.Unlock()
	if hit {
		return v
	}
	v = compute()
	mu.Lock()
	if len(m) >= maxSignatureMemo {
		clear(m)
	}
	m[k] = v
	mu.Unlock()
	return v
}
