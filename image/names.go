package image

import (
	"fmt"
	"strings"
)

// PartitionNames returns a short, stable name for each partition of l, in
// locator order: "locator", "locator-backup", "keystore", "1bl",
// "1bl-backup", "pluton-runtime", "pluton-runtime-backup", "secmon",
// "secmon-backup", "kernel", "rootfs", "app0", "app1", …, and the lower-case
// partition type for the rest (e.g. "updatestaging").
func PartitionNames(l *Locator) []string {
	names := make([]string, len(l.Partitions))
	apps := 0
	for i, p := range l.Partitions {
		switch p.Type {
		case PartitionTypeLocatorTable:
			names[i] = "locator"
		case PartitionTypeLocatorTableBackup:
			names[i] = "locator-backup"
		case PartitionTypeBootloaderOne:
			names[i] = "1bl"
		case PartitionTypeBootloaderOneBackup:
			names[i] = "1bl-backup"
		case PartitionTypeApplications:
			names[i] = fmt.Sprintf("app%d", apps)
			apps++
		case PartitionTypeFirmware, PartitionTypeBackups:
			n := StageName(p.ImageType)
			if n == "" {
				n = strings.ToLower(p.ImageType.String())
			}
			if p.Type == PartitionTypeBackups {
				n += "-backup"
			}
			names[i] = n
		default:
			names[i] = strings.ToLower(p.Type.String())
		}
	}
	return names
}

// FindPartition returns the partition PartitionNames calls name.
func FindPartition(l *Locator, name string) (Partition, bool) {
	for i, n := range PartitionNames(l) {
		if n == name {
			return l.Partitions[i], true
		}
	}
	return Partition{}, false
}
