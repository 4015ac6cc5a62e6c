package pluton

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"sync"
)

// KeyMemo remembers the P-256 key pairs Pluton derives from its secrets,
// by the derived scalar, so that devices of one process (a campaign's runs
// of one device) do not recompute the same public point: a key pair is a
// pure function of its scalar, and the scalar itself — the KDF of the
// device's secrets and measurements — is still derived by every device,
// every time. The memo lives inside this package: nothing outside Pluton
// can read a key from it. A nil *KeyMemo remembers nothing. It is safe for
// concurrent use; the keys it hands out are never modified.
type KeyMemo struct {
	mu sync.Mutex
	m  map[[32]byte]*ecdsa.PrivateKey
}

// maxKeyMemo bounds the memo; past it, it starts over.
const maxKeyMemo = 1024

// NewKeyMemo returns an empty memo.
func NewKeyMemo() *KeyMemo { return &KeyMemo{m: map[[32]byte]*ecdsa.PrivateKey{}} }

// parse returns the key pair of scalar d, or an error for an invalid scalar.
func (km *KeyMemo) parse(d [32]byte) (*ecdsa.PrivateKey, error) {
	if km == nil {
		return ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	}
	km.mu.Lock()
	k, ok := km.m[d]
	km.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		return nil, err
	}
	km.mu.Lock()
	if len(km.m) >= maxKeyMemo {
		clear(km.m)
	}
	km.m[d] = k
	km.mu.Unlock()
	return k, nil
}
