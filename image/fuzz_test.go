package image

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// rawSectionNames lists the names of the sections of a metadata block in the order they are stored.
func rawSectionNames(m []byte) []string {
	var names []string
	count := binary.LittleEndian.Uint32(m[4:])
	off := 8
	for i := uint32(0); i < count; i++ {
		id, n := binary.LittleEndian.Uint16(m[off:]), int(binary.LittleEndian.Uint16(m[off+2:]))
		names = append(names, SectionName(id))
		off += 4 + n
	}
	return names
}

func FuzzParsePackage(f *testing.F) {
	f.Add(testPackage(f, []byte("payload")))
	f.Add(testApp(f, "blink"))
	f.Add(rawPackage(nil, 2, idSec, sgSec))
	f.Add(rawPackage([]byte("x"), 3, sgSec, idSec, sec(0x1234, []byte{1})))
	f.Add([]byte{})
	key := &testKey(f, "app").PublicKey
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePackage(b)
		if err != nil {
			return
		}
		require.NotNil(t, p.Metadata.Identity)
		require.NotNil(t, p.Metadata.Signing)
		require.Equal(t, b[:len(b)-SignatureSize], p.Signed)
		require.Equal(t, b[len(b)-SignatureSize:], p.Signature[:])
		require.Equal(t, p.Payload, p.Signed[:len(p.Payload)])
		_ = p.VerifySignature(key)

		// Re-serialising the metadata gives a package that parses the same,
		// and is byte-identical when the sections were in canonical order.
		md, err := marshalMetadata(p.Metadata)
		require.NoError(t, err)
		re := append(append(bytes.Clone(p.Payload), md...), p.Signature[:]...)
		p2, err := ParsePackage(re)
		require.NoError(t, err)
		require.Equal(t, p.Metadata, p2.Metadata)
		require.Equal(t, p.Payload, p2.Payload)
		if orig := p.Signed[len(p.Payload):]; equalStrings(rawSectionNames(orig), p.Metadata.SectionNames()) {
			require.Equal(t, orig, md)
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzParseFS(f *testing.F) {
	seed, err := BuildFS([]File{
		{Path: "app_manifest.json", Mode: 0o644, Data: []byte("{}")},
		{Path: "bin/app", Mode: 0o755, Data: []byte("code")},
	})
	require.NoError(f, err)
	f.Add(seed)
	f.Add([]byte("SFS1\x00\x00\x00\x00"))
	f.Add([]byte("SFS1\x01\x00\x00\x00\x01\x00a\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fsys, err := ParseFS(b)
		if err != nil {
			return
		}
		files := fsys.Files()
		for _, file := range files {
			got, ok := fsys.Lookup(file.Path)
			require.True(t, ok)
			require.Equal(t, file, got)
		}
		// The encoding is canonical: building the parsed files gives the input back.
		re, err := BuildFS(files)
		require.NoError(t, err)
		require.Equal(t, b, re)
	})
}

func FuzzParseKeystore(f *testing.F) {
	f.Add(BuildKeystore([]KeystoreEntry{
		{PublicKey: &testKey(f, "platform").PublicKey, Usage: UsagePlatform},
		{PublicKey: &testKey(f, "app").PublicKey, Usage: UsageApplications},
	}))
	f.Add(BuildKeystore(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := ParseKeystore(b)
		if err != nil {
			return
		}
		for _, e := range entries {
			require.Equal(t, Thumbprint(e.PublicKey), e.Thumbprint)
		}
		require.Equal(t, b, BuildKeystore(entries))
	})
}

func FuzzParseLocator(f *testing.F) {
	seed, err := testLocator().Marshal()
	require.NoError(f, err)
	f.Add(seed)
	f.Add(seed[:12+16*len(testLocator().Partitions)+4])
	f.Add(sealLocator(1, &Locator{FlashSize: 0x10000, Partitions: []Partition{{Type: 1, Offset: 0x1000, Size: 0x1000, Length: 3}}}))
	f.Add(sealLocator(2, &Locator{FlashSize: 0x10000, Generation: 3, Partitions: []Partition{{Type: 1, Offset: 0x1000, Size: 0x1000, Length: 3}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLocator(b)
		if err != nil {
			return
		}
		m, err := l.Marshal()
		require.NoError(t, err)
		require.Len(t, m, EraseBlockSize)
		header := locatorHeaderLen
		if l.Generation != 0 {
			header += 4
		}
		end := header + locatorEntryLen*len(l.Partitions) + locatorCRCLen
		require.Equal(t, b[:end], m[:end])
		l2, err := ParseLocator(m)
		require.NoError(t, err)
		require.Equal(t, l, l2)
	})
}

func FuzzInspect(f *testing.F) {
	app := testApp(f, "blink")
	flash, err := layoutFlash(1<<20, []flashItem{
		{ptype: PartitionTypeFirmware, itype: ImageTypeOneBL, data: testPackage(f, []byte("1bl"))},
		{ptype: PartitionTypeApplications, itype: ImageTypeApplications, data: app},
		{ptype: PartitionTypeLogStorage, size: EraseBlockSize},
	})
	require.NoError(f, err)
	f.Add(flash)
	f.Add(app)
	f.Add([]byte("SLT1"))
	trusted := []KeystoreEntry{{PublicKey: &testKey(f, "app").PublicKey, Thumbprint: Thumbprint(&testKey(f, "app").PublicKey), Usage: UsageApplications}}
	f.Fuzz(func(t *testing.T, b []byte) {
		inspectOK(t, b, trusted)
		// Also inspect a copy whose primary locator CRC is fixed up, so the
		// fuzzer can reach the partitions behind the checksum.
		if len(b) >= locatorHeaderLen+locatorCRCLen && string(b[:4]) == LocatorMagic {
			crcAt := locatorHeaderLen + locatorEntryLen*int(binary.LittleEndian.Uint16(b[6:]))
			if crcAt+locatorCRCLen <= min(len(b), EraseBlockSize) {
				sealed := bytes.Clone(b)
				binary.LittleEndian.PutUint32(sealed[crcAt:], crc32.ChecksumIEEE(sealed[:crcAt]))
				inspectOK(t, sealed, trusted)
			}
		}
	})
}

// inspectOK checks that Inspect copes with b: only a flash image may fail,
// and a report can always be written.
func inspectOK(t *testing.T, b []byte, trusted []KeystoreEntry) {
	r, err := Inspect(b, trusted)
	if err != nil {
		require.True(t, isFlashImage(b), "only flash images may fail to inspect: %v", err)
		return
	}
	require.NoError(t, r.WriteText(io.Discard))
	_, err = json.Marshal(r)
	require.NoError(t, err)
}

// FuzzParseCapabilityPayload: whatever parses encodes back to the same bytes.
func FuzzParseCapabilityPayload(f *testing.F) {
	seed, err := MarshalCapabilityPayload(CapabilityFile{Capabilities: []uint16{CapabilityAppDevelopment}})
	require.NoError(f, err)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCapabilityPayload(b)
		if err != nil {
			return
		}
		again, err := MarshalCapabilityPayload(c)
		require.NoError(t, err)
		require.Equal(t, b, again)
	})
}

// FuzzFindField: on any bytes FindField does not panic, and a field it
// finds lies inside the package.
func FuzzFindField(f *testing.F) {
	f.Add(testApp(f, "blink"))
	f.Add(rawPackage([]byte("x"), 3, sgSec, idSec, sec(SectionRevocation, []byte{1})))
	f.Add(rawPackage(nil, 2, idSec, sgSec, sec(SectionRevocation, []byte{1, 2, 3, 4})))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, name := range PackageFieldNames {
			fd, err := FindField(b, name)
			if err != nil {
				continue
			}
			require.LessOrEqual(t, uint64(fd.Offset)+uint64(fd.Length), uint64(len(b)), name)
		}
	})
}
