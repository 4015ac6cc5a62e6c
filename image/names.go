package image

import (
	"fmt"
	"strings"
	"unicode"
)

// PartitionNames returns a short, stable name for each partition of l, in
// locator order: "locator", "locator-backup", "keystore", "1bl",
// "1bl-backup", "pluton-runtime", "pluton-runtime-backup", "secmon",
// "secmon-backup", "kernel", "rootfs", "app0", "app1", …, and the kebab-case
// partition type for the rest (e.g. "update-staging").
func PartitionNames(l *Locator) []string {
	if l == nil {
		return nil
	}
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
				n = kebab(p.ImageType.String())
			}
			if p.Type == PartitionTypeBackups {
				n += "-backup"
			}
			names[i] = n
		default:
			names[i] = kebab(p.Type.String())
		}
	}
	return names
}

// FindPartition returns the first partition PartitionNames calls name.
func FindPartition(l *Locator, name string) (Partition, bool) {
	for i, n := range PartitionNames(l) {
		if n == name {
			return l.Partitions[i], true
		}
	}
	return Partition{}, false
}

// kebab turns a type name such as "UpdateStaging", "NormalWorldDTB" or
// "ImageType(11)" into "update-staging", "normal-world-dtb" or "image-type-11".
func kebab(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '(':
			b.WriteByte('-')
			continue
		case r == ')':
			continue
		case unicode.IsUpper(r) && i > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
