package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// sec encodes one metadata section.
func sec(id uint16, data []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, id)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// rawPackage assembles payload, a metadata block declaring count sections
// made of body, and a zero signature, without any checks.
func rawPackage(payload []byte, count uint32, body ...[]byte) []byte {
	md := binary.LittleEndian.AppendUint32(nil, MetadataMagic)
	md = binary.LittleEndian.AppendUint32(md, count)
	for _, b := range body {
		md = append(md, b...)
	}
	md = binary.LittleEndian.AppendUint32(md, uint32(len(md)+4))
	out := append(bytes.Clone(payload), md...)
	return append(out, make([]byte, SignatureSize)...)
}

var (
	idSec = sec(SectionIdentity, make([]byte, identityLen))
	sgSec = sec(SectionSigning, make([]byte, signingLen))
)

func TestPackageRoundTrip(t *testing.T) {
	key := testKey(t, "app")
	payload := []byte("hello, sphere")
	b := testPackage(t, payload)

	p, err := ParsePackage(b)
	require.NoError(t, err)
	require.Equal(t, payload, p.Payload)
	want := fullMetadata()
	want.Signing = &SigningInfo{Thumbprint: Thumbprint(&key.PublicKey), SigningType: SigningTypeECDsa256}
	require.Equal(t, want, p.Metadata)
	require.Equal(t, b[:len(b)-SignatureSize], p.Signed)
	require.Equal(t, b[len(b)-SignatureSize:], p.Signature[:])
	require.Equal(t, sha256.Sum256(p.Signed), p.Digest())
	require.NoError(t, p.VerifySignature(&key.PublicKey))
	require.Equal(t, uint32(5), p.Metadata.SecurityVersion())
	require.Equal(t, []string{"ID", "SG", "DB", "TP", "ND", "NP", "RV", "CM", "0x0001"}, p.Metadata.SectionNames())

	// Deterministic: the same inputs give the same bytes.
	require.Equal(t, b, testPackage(t, payload))

	// The parsed package does not alias its input.
	b[0] ^= 0xFF
	require.Equal(t, payload, p.Payload)
}

func TestPackageMinimal(t *testing.T) {
	key := testKey(t, "platform")
	b, err := BuildPackage(nil, Metadata{Identity: &Identity{Type: ImageTypeOneBL}}, key)
	require.NoError(t, err)
	p, err := ParsePackage(b)
	require.NoError(t, err)
	require.Empty(t, p.Payload)
	require.Nil(t, p.Metadata.Depends)
	require.Nil(t, p.Metadata.Provides)
	require.Nil(t, p.Metadata.Unknown)
	require.Zero(t, p.Metadata.SecurityVersion())
	require.NoError(t, p.VerifySignature(&key.PublicKey))
	// ID (36) + SG (24) sections, 4-byte headers each, magic, count, length.
	require.Len(t, b, 4+36+4+24+12+SignatureSize)
}

func TestPackageSectionLayout(t *testing.T) {
	// Check the bytes of a package against the layout of reference §9.
	md := Metadata{
		Identity: &Identity{Type: ImageTypeApplications, ComponentID: GUID{1}, ImageID: GUID{2}},
		Debug:    &Debug{BuildDate: 0x0000_0001_0000_0002, Name: "ab"},
	}
	b, err := BuildPackage([]byte("PAY"), md, testKey(t, "app"))
	require.NoError(t, err)
	m := b[3 : len(b)-SignatureSize]
	require.Equal(t, []byte("4X4M"), m[0:4])
	require.Equal(t, uint32(3), binary.LittleEndian.Uint32(m[4:]))
	require.Equal(t, []byte("ID"), m[8:10])
	require.Equal(t, uint16(36), binary.LittleEndian.Uint16(m[10:]))
	require.Equal(t, uint16(10), binary.LittleEndian.Uint16(m[12:]))
	require.Equal(t, []byte{0, 0}, m[14:16])
	require.Equal(t, byte(1), m[16])
	require.Equal(t, byte(2), m[32])
	require.Equal(t, []byte("SG"), m[48:50])
	require.Equal(t, uint32(1), binary.LittleEndian.Uint32(m[52+20:]))
	require.Equal(t, []byte("DB"), m[76:78])
	require.Equal(t, []byte{2, 0, 0, 0, 1, 0, 0, 0, 'a', 'b', 0}, m[80:91])
	require.Equal(t, uint32(len(m)), binary.LittleEndian.Uint32(m[len(m)-4:]))
}

func TestParsePackageErrors(t *testing.T) {
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "shorter than the 76-byte minimum"},
		{"metadata length too small", append(make([]byte, 72), 0, 0, 0, 0), "metadata length 0 does not fit"},
		{"metadata length too large", append(append(make([]byte, 12), u32(1000)...), make([]byte, 64)...), "metadata length 1000 does not fit"},
		{"bad magic", func() []byte { b := rawPackage(nil, 2, idSec, sgSec); b[0] = 'X'; return b }(), "metadata magic is"},
		{"missing ID", rawPackage(nil, 1, sgSec), "no identity (ID) section"},
		{"missing SG", rawPackage(nil, 1, idSec), "no signing (SG) section"},
		{"duplicate section", rawPackage(nil, 3, idSec, sgSec, idSec), `section "ID" at offset 76 is a duplicate`},
		{"duplicate unknown", rawPackage(nil, 4, idSec, sgSec, sec(7, nil), sec(7, nil)), "is a duplicate"},
		{"count too high", rawPackage(nil, 3, idSec, sgSec), "declares 3 sections but ends after 2"},
		{"count too low", rawPackage(nil, 1, idSec, sgSec), "28 bytes after its 1 declared sections"},
		{"section overruns", rawPackage(nil, 2, idSec, sgSec[:20]), `section "SG" at offset 48 overruns metadata (len 24, 16 left)`},
		{"short ID", rawPackage(nil, 2, sec(SectionIdentity, make([]byte, 35)), sgSec), `"ID" at offset 8: length is 35, want 36`},
		{"long SG", rawPackage(nil, 2, idSec, sec(SectionSigning, make([]byte, 25))), "length is 25, want 24"},
		{"reserved set", rawPackage(nil, 2, sec(SectionIdentity, append([]byte{10, 0, 1, 0}, make([]byte, 32)...)), sgSec), "reserved field is 0x0001"},
		{"DB name unterminated", rawPackage(nil, 3, idSec, sgSec, sec(SectionDebug, bytes.Repeat([]byte{'a'}, 40))), "not NUL-terminated"},
		{"DB short", rawPackage(nil, 3, idSec, sgSec, sec(SectionDebug, make([]byte, 8))), "length is 8, want 40"},
		{"TP short", rawPackage(nil, 3, idSec, sgSec, sec(SectionTemporary, []byte{1})), "length is 1, want 4"},
		{"RV long", rawPackage(nil, 3, idSec, sgSec, sec(SectionRevocation, make([]byte, 8))), "length is 8, want 4"},
		{"ND no count", rawPackage(nil, 3, idSec, sgSec, sec(SectionABIDepends, []byte{1})), "shorter than the 4-byte count"},
		{"ND count mismatch", rawPackage(nil, 3, idSec, sgSec, sec(SectionABIDepends, append(u32(2), make([]byte, 8)...))), "length is 12, want 20 for 2 entries"},
		{"NP huge count", rawPackage(nil, 3, idSec, sgSec, sec(SectionABIProvides, u32(0xFFFFFFFF))), "want 34359738364 for 4294967295 entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePackage(tt.b)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "image package: ")
		})
	}
}

func TestPackageByteFlips(t *testing.T) {
	key := testKey(t, "app")
	payload := bytes.Repeat([]byte("payload-"), 16)
	b := testPackage(t, payload)
	mdAt := len(payload)
	sigAt := len(b) - SignatureSize
	positions := []struct {
		name string
		at   int
	}{
		{"payload start", 0},
		{"payload middle", len(payload) / 2},
		{"payload end", mdAt - 1},
		{"metadata magic", mdAt},
		{"section count", mdAt + 4},
		{"ID id", mdAt + 8},
		{"ID length", mdAt + 10},
		{"image type", mdAt + 12},
		{"component id", mdAt + 16},
		{"image id", mdAt + 40},
		{"thumbprint", mdAt + 8 + 40 + 4},
		{"signing type", mdAt + 8 + 40 + 4 + 20},
		{"debug name", mdAt + 8 + 40 + 28 + 12},
		{"metadata length", sigAt - 4},
		{"metadata length high byte", sigAt - 1},
		{"signature r", sigAt},
		{"signature r end", sigAt + 31},
		{"signature s", sigAt + 32},
		{"signature end", len(b) - 1},
	}
	for _, pos := range positions {
		for _, mask := range []byte{0x01, 0x80, 0xFF} {
			t.Run(fmt.Sprintf("%s/%02x", pos.name, mask), func(t *testing.T) {
				bad := bytes.Clone(b)
				bad[pos.at] ^= mask
				p, err := ParsePackage(bad)
				if err != nil {
					return
				}
				require.Error(t, p.VerifySignature(&key.PublicKey))
			})
		}
	}
	// And exhaustively, every byte with one bit.
	for i := range b {
		bad := bytes.Clone(b)
		bad[i] ^= 0x04
		if p, err := ParsePackage(bad); err == nil {
			require.Error(t, p.VerifySignature(&key.PublicKey), "flip at %d", i)
		}
	}
}

func TestVerifySignatureErrors(t *testing.T) {
	app, other := testKey(t, "app"), testKey(t, "other")
	p, err := ParsePackage(testPackage(t, []byte("x")))
	require.NoError(t, err)

	require.ErrorIs(t, p.VerifySignature(&other.PublicKey), ErrThumbprintMismatch)

	bad := *p
	bad.Signature[10] ^= 1
	require.ErrorIs(t, bad.VerifySignature(&app.PublicKey), ErrBadSignature)

	bad = *p
	bad.Signature = [SignatureSize]byte{}
	require.ErrorIs(t, bad.VerifySignature(&app.PublicKey), ErrBadSignature)

	bad = *p
	sg := *p.Metadata.Signing
	sg.SigningType = 2
	bad.Metadata.Signing = &sg
	require.ErrorIs(t, bad.VerifySignature(&app.PublicKey), ErrUnsupportedSigningType)

	bad = *p
	bad.Metadata.Signing = nil
	require.Error(t, bad.VerifySignature(&app.PublicKey))

	require.Error(t, p.VerifySignature(nil))
	var nilPkg *Package
	require.Error(t, nilPkg.VerifySignature(&app.PublicKey))
}

func TestBuildPackageErrors(t *testing.T) {
	key := testKey(t, "app")
	id := &Identity{Type: ImageTypeApplications}
	tests := []struct {
		name string
		md   Metadata
		key  bool
		want string
	}{
		{"no key", Metadata{Identity: id}, false, "no signing key"},
		{"no identity", Metadata{}, true, "no identity"},
		{"long name", Metadata{Identity: id, Debug: &Debug{Name: string(bytes.Repeat([]byte{'n'}, 32))}}, true, "is 32 bytes, the limit is 31"},
		{"NUL in name", Metadata{Identity: id, Debug: &Debug{Name: "a\x00b"}}, true, "NUL"},
		{"known id as unknown", Metadata{Identity: id, Unknown: []RawSection{{ID: SectionRevocation}}}, true, `known section "RV"`},
		{"duplicate unknown", Metadata{Identity: id, Unknown: []RawSection{{ID: 1}, {ID: 1}}}, true, "duplicate"},
		{"huge unknown", Metadata{Identity: id, Unknown: []RawSection{{ID: 1, Data: make([]byte, 0x10000)}}}, true, "65536 bytes"},
		{"too many ABIs", Metadata{Identity: id, Depends: make([]ABI, 8192)}, true, "8192 ABI entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := key
			if !tt.key {
				k = nil
			}
			_, err := BuildPackage(nil, tt.md, k)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestThumbprint(t *testing.T) {
	a, b := testKey(t, "app"), testKey(t, "other")
	require.NotEqual(t, Thumbprint(&a.PublicKey), Thumbprint(&b.PublicKey))
	require.Equal(t, Thumbprint(&a.PublicKey), Thumbprint(&a.PublicKey))
	require.Equal(t, [20]byte{}, Thumbprint(nil))
}

func TestParsePackageDebugPadding(t *testing.T) {
	db := append(make([]byte, 8), 'a', 0, 'b')
	db = append(db, make([]byte, debugLen-len(db))...)
	_, err := ParsePackage(rawPackage(nil, 3, idSec, sgSec, sec(SectionDebug, db)))
	require.ErrorContains(t, err, `name "a" is followed by non-zero padding`)
}
