package attest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"
)

func testKey(t testing.TB, seed byte) *ecdsa.PrivateKey {
	t.Helper()
	d := sha256.Sum256([]byte{seed})
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	require.NoError(t, err)
	return k
}

func xy(t testing.TB, k *ecdsa.PublicKey) []byte {
	t.Helper()
	b, err := k.Bytes()
	require.NoError(t, err)
	return b[1:]
}

func signer(k *ecdsa.PrivateKey) SignFunc {
	return func(d [32]byte) ([64]byte, error) {
		var out [64]byte
		r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			return out, err
		}
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	}
}

func validClaims(t testing.TB, k *ecdsa.PrivateKey) *Claims {
	id := xy(t, &k.PublicKey)
	return &Claims{
		Nonce: bytes.Repeat([]byte{7}, NonceSize), UEID: UEIDFor(id), DebugStatus: DebugDisabledPermanently,
		Profile: Profile, SecurityState: 2, DeviceID: id, Capabilities: []uint16{}, OSVersion: "26.11",
		ClientKey: xy(t, &testKey(t, 9).PublicKey), UpdateKey: xy(t, &testKey(t, 10).PublicKey),
		Measurements: []Measurement{{Type: 4, Digest: bytes.Repeat([]byte{1}, 32)}, {Type: 10, Digest: bytes.Repeat([]byte{2}, 32)}},
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := testKey(t, 1)
	c := validClaims(t, k)
	tok, err := Sign(c, signer(k))
	require.NoError(t, err)
	got, err := Verify(tok)
	require.NoError(t, err)
	require.Equal(t, c, got)
	require.Equal(t, byte(0xD2), tok[0], "a tagged COSE_Sign1 (tag 18)")
}

func TestVerifyRefuses(t *testing.T) {
	k := testKey(t, 1)
	tok, err := Sign(validClaims(t, k), signer(k))
	require.NoError(t, err)

	// Signed by another key but claiming this device's ID.
	other := testKey(t, 2)
	forged, err := Sign(validClaims(t, k), signer(other))
	require.NoError(t, err)

	flipped := bytes.Clone(tok)
	flipped[len(flipped)-10] ^= 1 // inside the signature

	cases := map[string][]byte{
		"another key":    forged,
		"flipped bit":    flipped,
		"truncated":      tok[:len(tok)-1],
		"empty":          nil,
		"not COSE":       []byte("hello"),
		"oversized":      make([]byte, MaxTokenSize+1),
		"trailing bytes": append(bytes.Clone(tok), 0),
	}
	for name, b := range cases {
		_, err := Verify(b)
		require.Error(t, err, name)
	}
}

func TestClaimsCheck(t *testing.T) {
	k := testKey(t, 1)
	cases := map[string]func(c *Claims){
		"short nonce":      func(c *Claims) { c.Nonce = c.Nonce[:8] },
		"short device ID":  func(c *Claims) { c.DeviceID = c.DeviceID[:10] },
		"wrong profile":    func(c *Claims) { c.Profile = "psa" },
		"UEID of another":  func(c *Claims) { c.UEID = UEIDFor(make([]byte, 64)) },
		"short client key": func(c *Claims) { c.ClientKey = c.ClientKey[:3] },
		"short update key": func(c *Claims) { c.UpdateKey = c.UpdateKey[:3] },
		"short digest":     func(c *Claims) { c.Measurements[0].Digest = c.Measurements[0].Digest[:31] },
		"21 measurements":  func(c *Claims) { c.Measurements = make([]Measurement, 21) },
		"long OS version":  func(c *Claims) { c.OSVersion = string(make([]byte, 65)) },
		"65 capabilities":  func(c *Claims) { c.Capabilities = make([]uint16, 65) },
	}
	for name, mod := range cases {
		c := validClaims(t, k)
		mod(c)
		_, err := Sign(c, signer(k))
		require.Error(t, err, name)
	}
}

func TestPublicKeyRefusesPointsOffTheCurve(t *testing.T) {
	_, err := PublicKey(make([]byte, 64))
	require.Error(t, err)
	bad := xy(t, &testKey(t, 1).PublicKey)
	y := new(big.Int).SetBytes(bad[32:])
	y.Add(y, big.NewInt(1)).FillBytes(bad[32:])
	_, err = PublicKey(bad)
	require.Error(t, err)
}

// FuzzVerify feeds arbitrary bytes to the service's token parser: it must
// never panic, and whatever it accepts must verify again identically.
func FuzzVerify(f *testing.F) {
	k := testKey(f, 1)
	tok, err := Sign(validClaims(f, k), signer(k))
	require.NoError(f, err)
	f.Add(tok)
	f.Add([]byte{0xD2, 0x84, 0x40, 0xA0, 0x40, 0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Verify(b)
		if err != nil {
			return
		}
		again, err := Verify(b)
		require.NoError(t, err)
		require.Equal(t, c, again)
		require.NoError(t, c.Check())
	})
}
