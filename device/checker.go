package device

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/secmon"
)

// What the device lets the security-invariant checker (fault.Checker) see
// beyond the trace, the bus and the flash part, for test purposes only. No
// domain calls these, and nothing they return enters a message or a trace.

// SecretsForChecker returns copies of the secrets Pluton holds now (the
// fused unique device secret, its private keys and DICE CDIs), by name, so
// that the checker can search everything outside Pluton for them.
func (d *Device) SecretsForChecker() map[string][]byte { return d.pluton.SecretsForChecker() }

// SecretsVersionForChecker changes whenever SecretsForChecker may return
// a secret it did not return before: at every power-on and reset (a new
// Pluton), and when Pluton derives a layer or a key.
func (d *Device) SecretsVersionForChecker() uint64 {
	return uint64(d.starts)<<32 | d.pluton.SecretsVersionForChecker()
}

// RollbackCounterForChecker returns an anti-rollback fuse counter, named as
// fuse.burn names it: an image type ("NormalWorldKernel") or "app:<cid>".
func (d *Device) RollbackCounterForChecker(counter string) (uint32, bool) {
	if cid, ok := strings.CutPrefix(counter, "app:"); ok {
		return d.fuses.AppRollbackCounter(cid), true
	}
	for t := range image.ImageType(64) {
		if t.String() == counter {
			return d.fuses.RollbackCounter(uint16(t)), true
		}
	}
	return 0, false
}

// MutableStorageForChecker reads an app's mutable storage file from the
// flash part as the next boot would find it: the Security Monitor's store
// mounted read-only over the MutableStorage partition.
func (d *Device) MutableStorageForChecker(cid string) ([]byte, bool) {
	files, err := d.MutableStorage()
	if err != nil {
		return nil, false
	}
	id, err := image.ParseGUID(cid)
	if err != nil {
		return nil, false
	}
	b, found := files[id.String()]
	return b, found
}

// MutableStorage reads every app's mutable storage file from the flash
// part, by component ID (lower case), as the next boot would find them,
// without changing the part: the layout the Security Monitor would boot
// with names the MutableStorage partition, which secmon.ReadMutableStorage
// mounts read-only.
func (d *Device) MutableStorage() (map[string][]byte, error) {
	primary, err := d.flash.Read(image.LocatorOffset, image.EraseBlockSize)
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	backup, err := d.flash.Read(image.LocatorBackupOffset, image.EraseBlockSize)
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	l, err := image.ReadLayouts(primary, backup)
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	ps := l.Current.All(image.PartitionTypeMutableStorage)
	if len(ps) == 0 {
		return nil, errors.New("device: the flash layout has no MutableStorage partition")
	}
	return secmon.ReadMutableStorage(d.flash, ps[0])
}
