package image

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuildFlash(t *testing.T) {
	o := testFlashOptions(t)
	platform, app := &o.PlatformKey.PublicKey, &testKey(t, "app").PublicKey
	b, err := BuildFlash(o)
	require.NoError(t, err)

	loc, err := ParseLocator(b[LocatorOffset:])
	require.NoError(t, err)
	backup, err := ParseLocator(b[LocatorBackupOffset:])
	require.NoError(t, err)
	require.Equal(t, loc, backup)
	require.Equal(t, b[:EraseBlockSize], b[LocatorBackupOffset:LocatorBackupOffset+EraseBlockSize])
	require.Equal(t, uint32(DefaultFlashSize), loc.FlashSize)

	want := []struct {
		pt PartitionType
		it ImageType
	}{
		{PartitionTypeLocatorTable, 0},
		{PartitionTypeLocatorTableBackup, 0},
		{PartitionTypeFirmware, ImageTypeTrustedKeystore},
		{PartitionTypeBootloaderOne, ImageTypeOneBL},
		{PartitionTypeBootloaderOneBackup, ImageTypeOneBL},
		{PartitionTypeFirmware, ImageTypePlutonRuntime},
		{PartitionTypeBackups, ImageTypePlutonRuntime},
		{PartitionTypeFirmware, ImageTypeSecurityMonitor},
		{PartitionTypeBackups, ImageTypeSecurityMonitor},
		{PartitionTypeFirmware, ImageTypeNormalWorldKernel},
		{PartitionTypeFirmware, ImageTypeRootFs},
		{PartitionTypeApplications, ImageTypeApplications},
		{PartitionTypeApplications, ImageTypeApplications},
		{PartitionTypeUpdateStaging, 0},
		{PartitionTypeMutableStorage, 0},
		{PartitionTypeLogStorage, 0},
		{PartitionTypeTelemetryStorage, 0},
	}
	require.Len(t, loc.Partitions, len(want))
	next := uint32(0)
	lastUsed := uint32(0)
	for i, w := range want {
		p := loc.Partitions[i]
		require.Equal(t, w.pt, p.Type, "partition %d", i)
		require.Equal(t, w.it, p.ImageType, "partition %d", i)
		require.Equal(t, next, p.Offset, "partitions are packed in order")
		next = p.Offset + p.Size
		if p.Length > 0 {
			require.Equal(t, (p.Length+EraseBlockSize-1)/EraseBlockSize*EraseBlockSize, p.Size, "partition %d", i)
			lastUsed = p.Offset + p.Length
			// Bytes between partitions are erased.
			gap := b[p.Offset+p.Length : min(p.Offset+p.Size, uint32(len(b)))]
			require.Equal(t, bytes.Repeat([]byte{0xFF}, len(gap)), gap)
		}
	}
	require.Len(t, b, int(lastUsed), "the file ends after the last used byte")
	for _, e := range []struct {
		pt   PartitionType
		size uint32
	}{
		{PartitionTypeUpdateStaging, 1 << 20}, {PartitionTypeMutableStorage, 256 << 10},
		{PartitionTypeLogStorage, 64 << 10}, {PartitionTypeTelemetryStorage, 64 << 10},
	} {
		parts := loc.All(e.pt)
		require.Len(t, parts, 1)
		require.Equal(t, e.size, parts[0].Size)
		require.Zero(t, parts[0].Length)
	}

	// Every package parses and verifies against the key that should sign it.
	var apps int
	for _, p := range loc.Partitions {
		if p.ImageType == 0 {
			continue
		}
		data, err := PartitionData(b, p)
		require.NoError(t, err)
		pkg, err := ParsePackage(data)
		require.NoError(t, err, "%v", p)
		id := pkg.Metadata.Identity
		require.Equal(t, p.ImageType, id.Type)
		if p.ImageType == ImageTypeApplications {
			require.NoError(t, pkg.VerifySignature(app))
			require.Equal(t, o.Apps[apps], data)
			apps++
			continue
		}
		require.NoError(t, pkg.VerifySignature(platform), "%v", p)
		require.Equal(t, StageComponentIDs[id.Type], id.ComponentID)
		require.Equal(t, DeriveImageID(id.ComponentID, pkg.Payload, o.SVN, o.BuildDate), id.ImageID)
		require.Equal(t, o.SVN, pkg.Metadata.SecurityVersion())
		require.Equal(t, o.BuildDate, pkg.Metadata.Debug.BuildDate)
		require.Equal(t, stageInfo[id.Type].debug, pkg.Metadata.Debug.Name)
		if id.Type == ImageTypeTrustedKeystore {
			ks, err := ParseKeystore(pkg.Payload)
			require.NoError(t, err)
			require.Len(t, ks, 2)
			require.True(t, platform.Equal(ks[0].PublicKey))
			require.Equal(t, UsagePlatform, ks[0].Usage)
			require.True(t, app.Equal(ks[1].PublicKey))
			require.Equal(t, UsageApplications, ks[1].Usage)
			continue
		}
		var sc StageConfig
		require.NoError(t, json.Unmarshal(pkg.Payload, &sc))
		require.Equal(t, StageName(id.Type), sc.Stage)
		require.Equal(t, "26.11", sc.Version)
	}
	require.Equal(t, 2, apps)

	// The 1BL backup is an identical copy.
	one, _ := loc.Find(PartitionTypeBootloaderOne, ImageTypeOneBL)
	oneB, _ := loc.Find(PartitionTypeBootloaderOneBackup, ImageTypeOneBL)
	d1, _ := PartitionData(b, one)
	d2, _ := PartitionData(b, oneB)
	require.Equal(t, d1, d2)

	// Deterministic.
	again, err := BuildFlash(o)
	require.NoError(t, err)
	require.Equal(t, b, again)
}

func TestBuildFlashOptions(t *testing.T) {
	o := testFlashOptions(t)
	o.Apps = nil
	o.FlashSize = 2 << 20
	// The platform key doubling as app key is merged into one keystore entry.
	o.AppKeys = []*ecdsa.PublicKey{&o.PlatformKey.PublicKey, &o.PlatformKey.PublicKey}
	b, err := BuildFlash(o)
	require.NoError(t, err)
	loc, err := ParseLocator(b)
	require.NoError(t, err)
	require.Equal(t, uint32(2<<20), loc.FlashSize)
	require.Empty(t, loc.All(PartitionTypeApplications))
	ksPart, ok := loc.Find(PartitionTypeFirmware, ImageTypeTrustedKeystore)
	require.True(t, ok)
	data, err := PartitionData(b, ksPart)
	require.NoError(t, err)
	pkg, err := ParsePackage(data)
	require.NoError(t, err)
	ks, err := ParseKeystore(pkg.Payload)
	require.NoError(t, err)
	require.Len(t, ks, 1)
	require.Equal(t, UsagePlatform|UsageApplications, ks[0].Usage)

	// A different SVN gives different image IDs.
	o.SVN++
	b2, err := BuildFlash(o)
	require.NoError(t, err)
	require.NotEqual(t, b, b2)
}

func TestBuildFlashErrors(t *testing.T) {
	notApp, err := BuildPackage([]byte("x"), Metadata{Identity: &Identity{Type: ImageTypeOneBL}}, testKey(t, "app"))
	require.NoError(t, err)
	tests := []struct {
		name   string
		modify func(*BuildOptions)
		want   string
	}{
		{"no platform key", func(o *BuildOptions) { o.PlatformKey = nil }, "no platform key"},
		{"nil app key", func(o *BuildOptions) { o.AppKeys = append(o.AppKeys, nil) }, "app key 1: no public key"},
		{"app not a package", func(o *BuildOptions) { o.Apps = append(o.Apps, []byte("junk")) }, "app 2: image package:"},
		{"app of wrong type", func(o *BuildOptions) { o.Apps = [][]byte{notApp} }, "app 0 is a OneBL image, want Applications"},
		{"flash too small", func(o *BuildOptions) { o.FlashSize = 64 << 10 }, "past the end of flash (0x10000)"},
		{"flash size unaligned", func(o *BuildOptions) { o.FlashSize = DefaultFlashSize + 1 }, "flash size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testFlashOptions(t)
			tt.modify(&o)
			_, err := BuildFlash(o)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "image build: ")
		})
	}
}

func TestStages(t *testing.T) {
	names := map[ImageType]string{
		ImageTypeTrustedKeystore: "keystore", ImageTypeOneBL: "1bl", ImageTypePlutonRuntime: "pluton-runtime",
		ImageTypeSecurityMonitor: "secmon", ImageTypeNormalWorldKernel: "kernel", ImageTypeRootFs: "rootfs",
	}
	seen := make(map[GUID]bool)
	for it, name := range names {
		require.Equal(t, name, StageName(it))
		cid, ok := StageComponentIDs[it]
		require.True(t, ok, name)
		require.False(t, seen[cid], "component IDs are distinct")
		seen[cid] = true
	}
	require.Len(t, StageComponentIDs, len(names))
	require.Equal(t, "", StageName(ImageTypeApplications))
}

func TestDeriveImageID(t *testing.T) {
	a := DeriveImageID(GUID{1}, []byte("p"), 1, 2)
	require.Equal(t, a, DeriveImageID(GUID{1}, []byte("p"), 1, 2))
	for _, b := range []GUID{
		DeriveImageID(GUID{2}, []byte("p"), 1, 2),
		DeriveImageID(GUID{1}, []byte("q"), 1, 2),
		DeriveImageID(GUID{1}, []byte("p"), 2, 2),
		DeriveImageID(GUID{1}, []byte("p"), 1, 3),
	} {
		require.NotEqual(t, a, b)
	}
	s := a.String()
	require.Equal(t, byte('4'), s[14], "version 4 in %s", s)
	require.Contains(t, "89ab", string(s[19]), "RFC 4122 variant in %s", s)
}
