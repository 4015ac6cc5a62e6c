package image

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeystoreRoundTrip(t *testing.T) {
	p, a := &testKey(t, "platform").PublicKey, &testKey(t, "app").PublicKey
	in := []KeystoreEntry{
		{PublicKey: p, Usage: UsagePlatform},
		{PublicKey: a, Thumbprint: Thumbprint(a), Usage: UsageApplications},
	}
	b := BuildKeystore(in)
	require.Len(t, b, 8+2*88)
	require.Equal(t, []byte("KST1"), b[:4])

	got, err := ParseKeystore(b)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.True(t, p.Equal(got[0].PublicKey))
	require.Equal(t, Thumbprint(p), got[0].Thumbprint)
	require.Equal(t, UsagePlatform, got[0].Usage)
	require.True(t, a.Equal(got[1].PublicKey))
	require.Equal(t, UsageApplications, got[1].Usage)
	require.Equal(t, b, BuildKeystore(got))

	empty, err := ParseKeystore(BuildKeystore(nil))
	require.NoError(t, err)
	require.Empty(t, empty)
}

func TestParseKeystoreErrors(t *testing.T) {
	p, a := &testKey(t, "platform").PublicKey, &testKey(t, "app").PublicKey
	good := BuildKeystore([]KeystoreEntry{{PublicKey: p, Usage: UsagePlatform}})
	mutate := func(at int, v byte) []byte { b := bytes.Clone(good); b[at] ^= v; return b }
	withUsage := func(u uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[8+84:], u)
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", []byte("KST"), "shorter than the 8-byte header"},
		{"magic", mutate(0, 1), "magic is"},
		{"count high", mutate(4, 2), "3 entries need 264 bytes, have 88"},
		{"huge count", append([]byte("KST1"), 0xFF, 0xFF, 0xFF, 0xFF), "4294967295 entries need"},
		{"truncated", good[:len(good)-1], "need 88 bytes, have 87"},
		{"key off curve", mutate(8+10, 1), "entry 0: image: public key bytes"},
		{"thumbprint mismatch", BuildKeystore([]KeystoreEntry{{PublicKey: p, Thumbprint: Thumbprint(a), Usage: UsagePlatform}}), "does not match its key"},
		{"nil key", BuildKeystore([]KeystoreEntry{{Usage: UsagePlatform}}), "entry 0"},
		{"zero usage", withUsage(0), "usage 0x0"},
		{"unknown usage", withUsage(8), "usage 0x8"},
		{"duplicate", BuildKeystore([]KeystoreEntry{{PublicKey: p, Usage: 1}, {PublicKey: a, Usage: 2}, {PublicKey: p, Usage: 2}}), "entry 2 repeats the key of entry 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKeystore(tt.b)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "image keystore: ")
		})
	}
}

func TestKeyUsage(t *testing.T) {
	require.Equal(t, "platform", UsagePlatform.String())
	require.Equal(t, "applications", UsageApplications.String())
	require.Equal(t, "platform+applications", (UsagePlatform | UsageApplications).String())
	require.Equal(t, "KeyUsage(0x0)", KeyUsage(0).String())
	require.Equal(t, "platform+KeyUsage(0x8)", KeyUsage(9).String())
	require.Equal(t, UsageApplications, RequiredUsage(ImageTypeApplications))
	require.Equal(t, UsagePlatform, RequiredUsage(ImageTypeOneBL))
	require.Equal(t, UsagePlatform, RequiredUsage(ImageTypeTrustedKeystore))
}

func TestCapabilityPayloadRoundTrip(t *testing.T) {
	var id [64]byte
	id[0], id[63] = 1, 2
	c := CapabilityFile{DeviceID: id, Capabilities: []uint16{CapabilityAppDevelopment, CapabilityFieldServicing}}
	b, err := MarshalCapabilityPayload(c)
	require.NoError(t, err)
	got, err := ParseCapabilityPayload(b)
	require.NoError(t, err)
	require.Equal(t, c, got)
	for name, bad := range map[string][]byte{
		"short":         b[:20],
		"no terminator": b[:len(b)-2],
		"trailing":      append(append([]byte(nil), b...), 0, 0),
		"bad magic":     append([]byte{0}, b[1:]...),
	} {
		_, err := ParseCapabilityPayload(bad)
		require.Error(t, err, name)
	}
}
