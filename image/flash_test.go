package image

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"
)

func testLocator() *Locator {
	return &Locator{FlashSize: DefaultFlashSize, Partitions: []Partition{
		{Type: PartitionTypeLocatorTable, Offset: 0, Size: 0x1000, Length: 0x1000},
		{Type: PartitionTypeLocatorTableBackup, Offset: 0x1000, Size: 0x1000, Length: 0x1000},
		{Type: PartitionTypeFirmware, ImageType: ImageTypeTrustedKeystore, Offset: 0x2000, Size: 0x1000, Length: 500},
		{Type: PartitionTypeFirmware, ImageType: ImageTypeSecurityMonitor, Offset: 0x5000, Size: 0x3000, Length: 0x2001},
		{Type: PartitionTypeBackups, ImageType: ImageTypeSecurityMonitor, Offset: 0x3000, Size: 0x2000, Length: 0x2000},
		{Type: PartitionTypeUpdateStaging, Offset: DefaultFlashSize - 0x100000, Size: 0x100000},
	}}
}

func TestLocatorRoundTrip(t *testing.T) {
	l := testLocator()
	b, err := l.Marshal()
	require.NoError(t, err)
	require.Len(t, b, EraseBlockSize)
	require.Equal(t, []byte("SLT1"), b[:4])
	crcAt := 12 + 16*len(l.Partitions)
	require.Equal(t, crc32.ChecksumIEEE(b[:crcAt]), binary.LittleEndian.Uint32(b[crcAt:]))
	require.Equal(t, bytes.Repeat([]byte{0xFF}, EraseBlockSize-crcAt-4), b[crcAt+4:])

	got, err := ParseLocator(b)
	require.NoError(t, err)
	require.Equal(t, l, got)

	// Only the first 4 KiB are read; the rest of flash does not matter.
	got, err = ParseLocator(append(b, 1, 2, 3))
	require.NoError(t, err)
	require.Equal(t, l, got)
	// The table may also be given without its 0xFF tail.
	got, err = ParseLocator(b[:crcAt+4])
	require.NoError(t, err)
	require.Equal(t, l, got)

	empty, err := (&Locator{FlashSize: EraseBlockSize}).Marshal()
	require.NoError(t, err)
	el, err := ParseLocator(empty)
	require.NoError(t, err)
	require.Empty(t, el.Partitions)
}

func TestLocatorFind(t *testing.T) {
	l := testLocator()
	p, ok := l.Find(PartitionTypeBackups, ImageTypeSecurityMonitor)
	require.True(t, ok)
	require.Equal(t, uint32(0x3000), p.Offset)
	_, ok = l.Find(PartitionTypeBackups, ImageTypeOneBL)
	require.False(t, ok)
	require.Len(t, l.All(PartitionTypeFirmware), 2)
	require.Empty(t, l.All(PartitionTypeApplications))

	var nilLoc *Locator
	_, ok = nilLoc.Find(PartitionTypeFirmware, ImageTypeOneBL)
	require.False(t, ok)
	require.Nil(t, nilLoc.All(PartitionTypeFirmware))
	_, err := nilLoc.Marshal()
	require.Error(t, err)
}

func TestLocatorCRCFlips(t *testing.T) {
	b, err := testLocator().Marshal()
	require.NoError(t, err)
	crcEnd := 12 + 16*len(testLocator().Partitions) + 4
	for i := 0; i < crcEnd; i++ {
		for _, mask := range []byte{0x01, 0x80} {
			bad := bytes.Clone(b)
			bad[i] ^= mask
			_, err := ParseLocator(bad)
			require.Error(t, err, "flip 0x%02x at %d", mask, i)
		}
	}
	bad := bytes.Clone(b)
	bad[crcEnd-1] ^= 1
	_, err = ParseLocator(bad)
	require.ErrorContains(t, err, "CRC is")
}

// sealLocator encodes l without validating it, with a correct CRC.
func sealLocator(version uint16, l *Locator) []byte {
	out := append([]byte(LocatorMagic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint16(out[4:], version)
	binary.LittleEndian.PutUint16(out[6:], uint16(len(l.Partitions)))
	out = binary.LittleEndian.AppendUint32(out, l.FlashSize)
	if version == LocatorVersionGeneration {
		out = binary.LittleEndian.AppendUint32(out, l.Generation)
	}
	for _, p := range l.Partitions {
		out = binary.LittleEndian.AppendUint16(out, uint16(p.Type))
		out = binary.LittleEndian.AppendUint16(out, uint16(p.ImageType))
		out = binary.LittleEndian.AppendUint32(out, p.Offset)
		out = binary.LittleEndian.AppendUint32(out, p.Size)
		out = binary.LittleEndian.AppendUint32(out, p.Length)
	}
	return binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(out))
}

func TestParseLocatorErrors(t *testing.T) {
	one := func(p Partition) *Locator {
		return &Locator{FlashSize: 0x10000, Partitions: []Partition{p}}
	}
	fw := PartitionTypeFirmware
	tests := []struct {
		name    string
		version uint16
		l       *Locator
		want    string
	}{
		{"version", 3, one(Partition{Type: fw, Offset: 0, Size: 0x1000}), "version is 3, want 1 or 2"},
		{"flash size zero", 1, &Locator{}, "flash size 0x0"},
		{"flash size unaligned", 1, &Locator{FlashSize: 0x1001}, "flash size 0x1001"},
		{"offset unaligned", 1, one(Partition{Type: fw, Offset: 0x10, Size: 0x1000}), "offset 0x10 or size 0x1000 is not a multiple"},
		{"size unaligned", 1, one(Partition{Type: fw, Offset: 0, Size: 0x1800}), "is not a multiple of 0x1000"},
		{"size zero", 1, one(Partition{Type: fw}), "has size 0"},
		{"past flash", 1, one(Partition{Type: fw, Offset: 0xF000, Size: 0x2000}), "ends at 0x11000, past the end of flash (0x10000)"},
		{"wraps", 1, one(Partition{Type: fw, Offset: 0xFFFFF000, Size: 0x2000}), "past the end of flash"},
		{"length over size", 1, one(Partition{Type: fw, Size: 0x1000, Length: 0x1001}), "uses 4097 bytes but allocates 4096"},
		{"overlap", 1, &Locator{FlashSize: 0x10000, Partitions: []Partition{
			{Type: fw, Offset: 0x4000, Size: 0x2000},
			{Type: fw, Offset: 0x1000, Size: 0x4000},
		}}, "partition 0 (Firmware/- @0x4000) overlaps partition 1 (Firmware/- @0x1000)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLocator(sealLocator(tt.version, tt.l))
			require.ErrorContains(t, err, tt.want)
			if tt.version == LocatorVersion {
				_, err = tt.l.Marshal()
				require.ErrorContains(t, err, tt.want, "Marshal must check like ParseLocator")
			}
		})
	}

	_, err := ParseLocator([]byte("SLT1"))
	require.ErrorContains(t, err, "shorter than the 16-byte minimum")
	_, err = ParseLocator(bytes.Repeat([]byte{0xFF}, EraseBlockSize))
	require.ErrorContains(t, err, "magic is")
	many := sealLocator(1, &Locator{FlashSize: 0x1000, Partitions: make([]Partition, 300)})
	_, err = ParseLocator(many)
	require.ErrorContains(t, err, "300 partitions, the limit is 255")
	trunc := sealLocator(1, one(Partition{Type: fw, Size: 0x1000}))
	_, err = ParseLocator(trunc[:len(trunc)-1])
	require.ErrorContains(t, err, "1 partitions overrun the 31 bytes given")
	_, err = (&Locator{FlashSize: 0x1000, Partitions: make([]Partition, 256)}).Marshal()
	require.ErrorContains(t, err, "256 partitions")
}

func TestPartitionData(t *testing.T) {
	flash := []byte("0123456789")
	d, err := PartitionData(flash, Partition{Offset: 2, Length: 3})
	require.NoError(t, err)
	require.Equal(t, []byte("234"), d)
	_, err = PartitionData(flash, Partition{Offset: 8, Length: 3})
	require.ErrorContains(t, err, "past the end of the image file")
	_, err = PartitionData(flash, Partition{Offset: 0xFFFFFFFF, Length: 0xFFFFFFFF})
	require.Error(t, err)
}

func TestLocatorGenerationsAndLayouts(t *testing.T) {
	fw := PartitionTypeFirmware
	factory := &Locator{FlashSize: 0x100000, Partitions: []Partition{{Type: fw, ImageType: ImageTypeRootFs, Offset: 0x2000, Size: 0x1000, Length: 10}}}
	v1, err := factory.Marshal()
	require.NoError(t, err)
	require.EqualValues(t, LocatorVersion, binary.LittleEndian.Uint16(v1[4:]), "a factory table stays version 1")

	update := &Locator{FlashSize: 0x100000, Generation: 7, Partitions: []Partition{{Type: fw, ImageType: ImageTypeRootFs, Offset: 0x8000, Size: 0x1000, Length: 12}}}
	v2, err := update.Marshal()
	require.NoError(t, err)
	got, err := ParseLocator(v2)
	require.NoError(t, err)
	require.Equal(t, update, got)

	damaged := append([]byte(nil), v2...)
	damaged[20] ^= 1
	cases := []struct {
		name             string
		primary, backup  []byte
		current          *Locator
		copy             int
		trial, fallback  bool
		damaged, failure string
	}{
		{"factory, both copies", v1, v1, factory, 0, false, false, "", ""},
		{"update on trial in the backup", v1, v2, update, 1, true, true, "", ""},
		{"update on trial in the primary", v2, v1, update, 0, true, true, "", ""},
		{"confirmed update", v2, v2, update, 0, false, false, "", ""},
		{"torn update write", v1, damaged, factory, 0, false, false, "backup: ", ""},
		{"both damaged", damaged, damaged, nil, 0, false, false, "", "no valid locator table"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ReadLayouts(tc.primary, tc.backup)
			if tc.failure != "" {
				require.ErrorContains(t, err, tc.failure)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.current, l.Current)
			require.Equal(t, tc.copy, l.CurrentCopy)
			require.Equal(t, tc.trial, l.Trial)
			require.Equal(t, tc.fallback, l.Fallback != nil)
			if tc.damaged != "" {
				require.Contains(t, l.Damaged, tc.damaged)
			}
		})
	}
	zero := sealLocator(LocatorVersionGeneration, factory)
	_, err = ParseLocator(zero)
	require.Error(t, err, "a version-2 table must carry a generation")
}
