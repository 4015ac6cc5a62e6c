package image

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeyPEMRoundTrip(t *testing.T) {
	k := testKey(t, "platform")

	priv := EncodePrivateKeyPEM(k)
	require.Contains(t, string(priv), "-----BEGIN PRIVATE KEY-----")
	back, err := ParsePrivateKeyPEM(priv)
	require.NoError(t, err)
	require.True(t, k.Equal(back))

	pub := EncodePublicKeyPEM(&k.PublicKey)
	require.Contains(t, string(pub), "-----BEGIN PUBLIC KEY-----")
	backPub, err := ParsePublicKeyPEM(pub)
	require.NoError(t, err)
	require.True(t, k.PublicKey.Equal(backPub))

	// A private key block yields its public half.
	fromPriv, err := ParsePublicKeyPEM(priv)
	require.NoError(t, err)
	require.True(t, k.PublicKey.Equal(fromPriv))

	require.Nil(t, EncodePrivateKeyPEM(nil))
	require.Nil(t, EncodePublicKeyPEM(nil))
}

func TestParseKeyPEMErrors(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	der384, err := x509.MarshalPKCS8PrivateKey(p384)
	require.NoError(t, err)
	pub384, err := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	require.NoError(t, err)
	block := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }

	tests := []struct {
		name       string
		b          []byte
		privErr    string
		pubErr     string
		privIsGood bool
	}{
		{"empty", nil, "no PEM block", "no PEM block", false},
		{"garbage", []byte("not a key"), "no PEM block", "no PEM block", false},
		{"wrong block type", block("CERTIFICATE", []byte{1}), `PEM block is "CERTIFICATE"`, `PEM block is "CERTIFICATE"`, false},
		{"bad DER", block("PRIVATE KEY", []byte{1, 2, 3}), "private key:", "private key:", false},
		{"P-384 private", block("PRIVATE KEY", der384), "not on curve P-256", "not on curve P-256", false},
		{"P-384 public", block("PUBLIC KEY", pub384), `PEM block is "PUBLIC KEY"`, "not on curve P-256", false},
		{"bad public DER", block("PUBLIC KEY", []byte{0x30, 0}), `PEM block is "PUBLIC KEY"`, "public key:", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrivateKeyPEM(tt.b)
			require.ErrorContains(t, err, tt.privErr)
			_, err = ParsePublicKeyPEM(tt.b)
			require.ErrorContains(t, err, tt.pubErr)
		})
	}
}

func TestPublicKeyBytes(t *testing.T) {
	k := testKey(t, "app")
	raw := PublicKeyBytes(&k.PublicKey)
	back, err := PublicKeyFromBytes(raw)
	require.NoError(t, err)
	require.True(t, k.PublicKey.Equal(back))

	require.Equal(t, [64]byte{}, PublicKeyBytes(nil))
	require.Equal(t, [64]byte{}, PublicKeyBytes(&ecdsa.PublicKey{}))

	_, err = PublicKeyFromBytes([64]byte{})
	require.Error(t, err)
	raw[63] ^= 1 // off the curve
	_, err = PublicKeyFromBytes(raw)
	require.Error(t, err)
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey()
	require.NoError(t, err)
	b, err := GenerateKey()
	require.NoError(t, err)
	require.Equal(t, elliptic.P256(), a.Curve)
	require.False(t, a.Equal(b))
}
