package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sphere-emu/sphere-emu/image"
)

func newCorruptCmd() *cobra.Command {
	var partName, out string
	var offset int64
	var xor uint8
	c := &cobra.Command{
		Use:   "corrupt IMAGE --partition NAME -o OUT",
		Short: "Flip bits in one partition of a flash image (to try secure boot's defences)",
		Long: `Write a copy of a flash image with one byte of a partition XORed with --xor
(default 0x01: one bit flipped). --offset is relative to the partition start
(default: the middle of its used bytes). Partition names:
  locator, locator-backup, keystore, 1bl, 1bl-backup, pluton-runtime,
  pluton-runtime-backup, secmon, secmon-backup, kernel, rootfs, app0, app1, …
Then boot the copy and watch which stage refuses it, or which backup saves it.`,
		Args: argsRange(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if partName == "" || out == "" {
				return usageErrorf("--partition and -o are required")
			}
			if xor == 0 {
				return usageErrorf("--xor 0 would change nothing")
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			loc, err := readLocator(b)
			if err != nil {
				return err
			}
			p, ok := image.FindPartition(loc, partName)
			if !ok {
				return usageErrorf("no partition %q; this image has: %s", partName, strings.Join(image.PartitionNames(loc), ", "))
			}
			if p.Length == 0 {
				return fmt.Errorf("partition %s is empty (erased flash is not part of the image file)", partName)
			}
			if offset < 0 {
				offset = int64(p.Length / 2)
			}
			if offset >= int64(p.Length) {
				return usageErrorf("--offset %d is outside the %d used bytes of %s", offset, p.Length, partName)
			}
			at := int64(p.Offset) + offset
			if at >= int64(len(b)) {
				return fmt.Errorf("offset %#x is past the end of the image file", at)
			}
			c := append([]byte(nil), b...)
			c[at] ^= xor
			if err := os.WriteFile(out, c, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s+%#x (flash offset %#x): %#02x -> %#02x\n", out, partName, offset, at, b[at], c[at])
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&partName, "partition", "", "partition to corrupt")
	f.Int64Var(&offset, "offset", -1, "byte offset inside the partition (default: middle)")
	f.Uint8Var(&xor, "xor", 1, "value XORed into the byte")
	f.StringVarP(&out, "output", "o", "", "output flash image")
	return c
}

// readLocator parses the primary locator table of a flash image file, or
// its backup.
func readLocator(b []byte) (*image.Locator, error) {
	var first error
	for _, off := range []int{image.LocatorOffset, image.LocatorBackupOffset} {
		if len(b) < off+image.EraseBlockSize {
			continue
		}
		l, err := image.ParseLocator(b[off : off+image.EraseBlockSize])
		if err == nil {
			return l, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("file of %d bytes is too short for a locator table", len(b))
	}
	return nil, fmt.Errorf("not a flash image: %w", first)
}
