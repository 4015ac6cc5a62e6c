package image

import (
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"
	"strings"
)

// KeystoreMagic is the first four bytes of a keystore payload, "KST1".
const KeystoreMagic = "KST1"

// keystoreEntryLen is the encoded size of one entry: X||Y, thumbprint, usage.
const keystoreEntryLen = 64 + 20 + 4

// KeyUsage says which images a keystore key may sign.
type KeyUsage uint32

// Key usages; a key may carry both.
const (
	// UsagePlatform allows signing boot and OS images and the keystore itself.
	UsagePlatform KeyUsage = 1
	// UsageApplications allows signing application image packages.
	UsageApplications KeyUsage = 2
	// UsageTestApplications marks an SDK test key: the application packages
	// it signs run only on a device holding the appDevelopment capability
	// (reference §9: "Image not trusted by device" otherwise).
	UsageTestApplications KeyUsage = 4

	usageAll = UsagePlatform | UsageApplications | UsageTestApplications
)

// String returns the usage names joined by "+", e.g. "platform+applications".
func (u KeyUsage) String() string {
	var parts []string
	if u&UsagePlatform != 0 {
		parts = append(parts, "platform")
	}
	if u&UsageApplications != 0 {
		parts = append(parts, "applications")
	}
	if u&UsageTestApplications != 0 {
		parts = append(parts, "test-applications")
	}
	if rest := u &^ usageAll; rest != 0 || u == 0 {
		parts = append(parts, fmt.Sprintf("KeyUsage(0x%x)", uint32(rest)))
	}
	return strings.Join(parts, "+")
}

// RequiredUsage returns the key usage a signer needs to sign images of type t.
func RequiredUsage(t ImageType) KeyUsage {
	if t == ImageTypeApplications {
		return UsageApplications
	}
	return UsagePlatform
}

// KeystoreEntry is one trusted public key of the keystore.
type KeystoreEntry struct {
	PublicKey  *ecdsa.PublicKey
	Thumbprint [20]byte
	Usage      KeyUsage
}

// BuildKeystore encodes entries as the payload of a TrustedKeystore image.
//
// A zero Thumbprint is filled in from the key; any other value is written
// as given. The real keystore's entries are also a 64-byte key and a 20-byte
// thumbprint; the magic, count and usage flags are emulator-defined.
func BuildKeystore(entries []KeystoreEntry) []byte {
	out := make([]byte, 0, 8+len(entries)*keystoreEntryLen)
	out = append(out, KeystoreMagic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(entries)))
	for _, e := range entries {
		key := PublicKeyBytes(e.PublicKey)
		tp := e.Thumbprint
		if tp == ([20]byte{}) {
			tp = Thumbprint(e.PublicKey)
		}
		out = append(out, key[:]...)
		out = append(out, tp[:]...)
		out = binary.LittleEndian.AppendUint32(out, uint32(e.Usage))
	}
	return out
}

// ParseKeystore parses a keystore payload, checking that every key is a
// valid P-256 point, that each thumbprint matches its key, that usages are
// known and non-zero, and that no key appears twice.
func ParseKeystore(b []byte) ([]KeystoreEntry, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("image keystore: %d bytes is shorter than the 8-byte header", len(b))
	}
	if string(b[:4]) != KeystoreMagic {
		return nil, fmt.Errorf("image keystore: magic is %q, want %q", b[:4], KeystoreMagic)
	}
	count := binary.LittleEndian.Uint32(b[4:])
	body := b[8:]
	if uint64(len(body)) != uint64(count)*keystoreEntryLen {
		return nil, fmt.Errorf("image keystore: %d entries need %d bytes, have %d", count, uint64(count)*keystoreEntryLen, len(body))
	}
	entries := make([]KeystoreEntry, count)
	seen := make(map[[20]byte]int, count)
	for i := range entries {
		e := body[i*keystoreEntryLen:]
		var raw [64]byte
		copy(raw[:], e)
		pub, err := PublicKeyFromBytes(raw)
		if err != nil {
			return nil, fmt.Errorf("image keystore: entry %d: %w", i, err)
		}
		var tp [20]byte
		copy(tp[:], e[64:84])
		if want := Thumbprint(pub); tp != want {
			return nil, fmt.Errorf("image keystore: entry %d: thumbprint %X does not match its key (%X)", i, tp, want)
		}
		if j, dup := seen[tp]; dup {
			return nil, fmt.Errorf("image keystore: entry %d repeats the key of entry %d", i, j)
		}
		seen[tp] = i
		usage := KeyUsage(binary.LittleEndian.Uint32(e[84:]))
		if usage == 0 || usage&^usageAll != 0 {
			return nil, fmt.Errorf("image keystore: entry %d: usage 0x%x is not a non-empty set of known usages", i, uint32(usage))
		}
		entries[i] = KeystoreEntry{PublicKey: pub, Thumbprint: tp, Usage: usage}
	}
	return entries, nil
}
