package image

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPartitionNames(t *testing.T) {
	b, err := BuildFlash(testFlashOptions(t))
	require.NoError(t, err)
	loc, err := ParseLocator(b)
	require.NoError(t, err)
	require.Equal(t, []string{
		"locator", "locator-backup", "keystore", "1bl", "1bl-backup",
		"pluton-runtime", "pluton-runtime-backup", "secmon", "secmon-backup",
		"kernel", "rootfs", "app0", "app1",
		"update-staging", "mutable-storage", "log-storage", "telemetry-storage",
	}, PartitionNames(loc))

	p, ok := FindPartition(loc, "secmon-backup")
	require.True(t, ok)
	require.Equal(t, PartitionTypeBackups, p.Type)
	require.Equal(t, ImageTypeSecurityMonitor, p.ImageType)
	p, ok = FindPartition(loc, "app1")
	require.True(t, ok)
	require.Equal(t, loc.All(PartitionTypeApplications)[1], p)
	_, ok = FindPartition(loc, "nope")
	require.False(t, ok)

	require.Nil(t, PartitionNames(nil))
	_, ok = FindPartition(nil, "locator")
	require.False(t, ok)
}

func TestPartitionNamesOther(t *testing.T) {
	loc := &Locator{Partitions: []Partition{
		{Type: PartitionTypeFirmware, ImageType: ImageTypeWifiFirmware},
		{Type: PartitionTypeBackups, ImageType: ImageTypeNormalWorldDTB},
		{Type: PartitionTypeNwConfig},
		{Type: PartitionTypeFirmware, ImageType: 99},
		{Type: 3},
	}}
	require.Equal(t, []string{"wifi-firmware", "normal-world-dtb-backup", "nw-config", "image-type-99", "partition-type-3"}, PartitionNames(loc))
}
