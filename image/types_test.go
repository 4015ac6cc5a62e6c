package image

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestImageTypeString(t *testing.T) {
	tests := []struct {
		t    ImageType
		want string
	}{
		{ImageTypeOneBL, "OneBL"},
		{ImageTypeSecurityMonitor, "SecurityMonitor"},
		{ImageTypeApplications, "Applications"},
		{ImageTypeTrustedKeystore, "TrustedKeystore"},
		{ImageTypeUpdateCertStore, "UpdateCertStore"},
		{ImageTypeOther, "Other"},
		{11, "ImageType(11)"},
		{0xFFFF, "ImageType(65535)"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.t.String())
	}
}

func TestImageTypeNumbers(t *testing.T) {
	// The real numbers of reference §2.
	want := map[ImageType]uint16{
		ImageTypeOneBL: 1, ImageTypePlutonRuntime: 2, ImageTypeWifiFirmware: 3, ImageTypeSecurityMonitor: 4,
		ImageTypeNormalWorldLoader: 5, ImageTypeNormalWorldDTB: 6, ImageTypeNormalWorldKernel: 7, ImageTypeRootFs: 8,
		ImageTypeServices: 9, ImageTypeApplications: 10, ImageTypeFirmwareConfig: 13, ImageTypeBootManifest: 16,
		ImageTypeNormalWorldFileSystem: 17, ImageTypeTrustedKeystore: 19, ImageTypePolicy: 20,
		ImageTypeCustomerBoardConfig: 21, ImageTypeUpdateCertStore: 22, ImageTypeBaseSystemUpdateManifest: 23,
		ImageTypeFirmwareUpdateManifest: 24, ImageTypeCustomerUpdateManifest: 25, ImageTypeRecoveryManifest: 26,
		ImageTypeManifestSet: 27, ImageTypeOther: 28,
	}
	for it, n := range want {
		require.Equal(t, n, uint16(it), it.String())
	}
}

func TestPartitionTypeString(t *testing.T) {
	tests := []struct {
		t    PartitionType
		want string
		num  uint16
	}{
		{PartitionTypeFirmware, "Firmware", 1},
		{PartitionTypeBackups, "Backups", 2},
		{PartitionTypeApplications, "Applications", 4},
		{PartitionTypeLogStorage, "LogStorage", 5},
		{PartitionTypeNwConfig, "NwConfig", 6},
		{PartitionTypeBootloaderOne, "BootloaderOne", 7},
		{PartitionTypeBootloaderOneBackup, "BootloaderOneBackup", 8},
		{PartitionTypeLocatorTable, "LocatorTable", 9},
		{PartitionTypeLocatorTableBackup, "LocatorTableBackup", 10},
		{PartitionTypeBlockHashes, "BlockHashes", 11},
		{PartitionTypeBlockHashesBackup, "BlockHashesBackup", 12},
		{PartitionTypeBootManifest, "BootManifest", 13},
		{PartitionTypeBootManifestBackup, "BootManifestBackup", 14},
		{PartitionTypeTelemetryStorage, "TelemetryStorage", 15},
		{PartitionTypeUpdateStaging, "UpdateStaging", 0x100},
		{PartitionTypeMutableStorage, "MutableStorage", 0x101},
		{3, "PartitionType(3)", 3},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.t.String())
		require.Equal(t, tt.num, uint16(tt.t), tt.want)
	}
}

func TestGUID(t *testing.T) {
	g, err := ParseGUID("00112233-4455-6677-8899-AABBCCDDEEFF")
	require.NoError(t, err)
	// Windows wire order: u32 and two u16 little-endian, then 8 bytes as written.
	require.Equal(t, GUID{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, g)
	require.Equal(t, "00112233-4455-6677-8899-aabbccddeeff", g.String())
	require.False(t, g.IsZero())
	require.True(t, GUID{}.IsZero())
	require.Equal(t, "00000000-0000-0000-0000-000000000000", GUID{}.String())
}

func TestParseGUIDErrors(t *testing.T) {
	for _, s := range []string{
		"",
		"00112233-4455-6677-8899-aabbccddeef",   // short
		"00112233-4455-6677-8899-aabbccddeeff0", // long
		"00112233+4455-6677-8899-aabbccddeeff",  // separator
		"0011223-34455-6677-8899-aabbccddeeff",  // separator in the wrong place
		"0011223g-4455-6677-8899-aabbccddeeff",  // not hex
		"{0112233-4455-6677-8899-aabbccddeef}",
		"00112233-4455-6677-8899-aabbccddee\xff\xff",
	} {
		_, err := ParseGUID(s)
		require.Error(t, err, "%q", s)
	}
}

func TestGUIDRoundTrip(t *testing.T) {
	for _, g := range StageComponentIDs {
		back, err := ParseGUID(g.String())
		require.NoError(t, err)
		require.Equal(t, g, back)
	}
}
