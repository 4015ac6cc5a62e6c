package image

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
)

// Sizes of the empty (storage) partitions BuildFlash allocates.
const (
	UpdateStagingSize    = 1 << 20
	MutableStorageSize   = 256 << 10
	LogStorageSize       = 64 << 10
	TelemetryStorageSize = 64 << 10
)

// BuildOptions describes the device flash image BuildFlash assembles.
type BuildOptions struct {
	PlatformKey *ecdsa.PrivateKey  // signs the keystore, 1BL, Pluton runtime, Security Monitor, kernel and rootfs
	AppKeys     []*ecdsa.PublicKey // trusted to sign app packages (keystore entries with UsageApplications)
	TestAppKeys []*ecdsa.PublicKey // SDK test keys: their packages run only with appDevelopment (UsageTestApplications)
	Apps        [][]byte           // signed app image packages, one Applications partition each
	SVN         uint32             // RV section of every boot and OS image
	OSVersion   string             // e.g. "26.11"; StageConfig.Version of every stage
	BuildDate   uint64             // Unix seconds for the DB sections
	FlashSize   uint32             // 0 means DefaultFlashSize
}

// flashItem is one partition BuildFlash writes, with its contents.
type flashItem struct {
	ptype PartitionType
	itype ImageType
	data  []byte // nil for an empty partition
	size  uint32 // allocation for an empty partition
}

// BuildFlash assembles a device flash image: both locator tables, the
// signed keystore and boot/OS images (1BL, Pluton runtime and Security
// Monitor with backups), the app packages and the empty storage partitions.
//
// The file ends after the last used byte of the last non-empty partition;
// every byte of flash past it, and between partitions, is erased (0xFF).
// The same options always give the same bytes.
func BuildFlash(o BuildOptions) ([]byte, error) {
	flashSize := o.FlashSize
	if flashSize == 0 {
		flashSize = DefaultFlashSize
	}
	if o.PlatformKey == nil {
		return nil, errors.New("image build: no platform key")
	}
	if err := checkP256(&o.PlatformKey.PublicKey); err != nil {
		return nil, fmt.Errorf("image build: platform key: %w", err)
	}
	ks, err := buildKeystoreEntries(&o.PlatformKey.PublicKey, o.AppKeys, o.TestAppKeys)
	if err != nil {
		return nil, fmt.Errorf("image build: %w", err)
	}

	images := make(map[ImageType][]byte)
	for _, t := range []ImageType{ImageTypeTrustedKeystore, ImageTypeOneBL, ImageTypePlutonRuntime,
		ImageTypeSecurityMonitor, ImageTypeNormalWorldKernel, ImageTypeRootFs} {
		var payload []byte
		if t == ImageTypeTrustedKeystore {
			payload = BuildKeystore(ks)
		} else {
			payload, err = json.Marshal(StageConfig{Stage: StageName(t), Version: o.OSVersion, Description: stageInfo[t].description})
			if err != nil {
				return nil, fmt.Errorf("image build: %s: %w", StageName(t), err)
			}
		}
		if images[t], err = buildStage(t, payload, o); err != nil {
			return nil, fmt.Errorf("image build: %s: %w", StageName(t), err)
		}
	}

	items := []flashItem{
		{ptype: PartitionTypeFirmware, itype: ImageTypeTrustedKeystore, data: images[ImageTypeTrustedKeystore]},
		{ptype: PartitionTypeBootloaderOne, itype: ImageTypeOneBL, data: images[ImageTypeOneBL]},
		{ptype: PartitionTypeBootloaderOneBackup, itype: ImageTypeOneBL, data: images[ImageTypeOneBL]},
		{ptype: PartitionTypeFirmware, itype: ImageTypePlutonRuntime, data: images[ImageTypePlutonRuntime]},
		{ptype: PartitionTypeBackups, itype: ImageTypePlutonRuntime, data: images[ImageTypePlutonRuntime]},
		{ptype: PartitionTypeFirmware, itype: ImageTypeSecurityMonitor, data: images[ImageTypeSecurityMonitor]},
		{ptype: PartitionTypeBackups, itype: ImageTypeSecurityMonitor, data: images[ImageTypeSecurityMonitor]},
		{ptype: PartitionTypeFirmware, itype: ImageTypeNormalWorldKernel, data: images[ImageTypeNormalWorldKernel]},
		{ptype: PartitionTypeFirmware, itype: ImageTypeRootFs, data: images[ImageTypeRootFs]},
	}
	for i, app := range o.Apps {
		p, err := ParsePackage(app)
		if err != nil {
			return nil, fmt.Errorf("image build: app %d: %w", i, err)
		}
		if t := p.Metadata.Identity.Type; t != ImageTypeApplications {
			return nil, fmt.Errorf("image build: app %d is a %v image, want %v", i, t, ImageTypeApplications)
		}
		items = append(items, flashItem{ptype: PartitionTypeApplications, itype: ImageTypeApplications, data: app})
	}
	items = append(items,
		flashItem{ptype: PartitionTypeUpdateStaging, size: UpdateStagingSize},
		flashItem{ptype: PartitionTypeMutableStorage, size: MutableStorageSize},
		flashItem{ptype: PartitionTypeLogStorage, size: LogStorageSize},
		flashItem{ptype: PartitionTypeTelemetryStorage, size: TelemetryStorageSize},
	)
	return layoutFlash(flashSize, items)
}

// buildKeystoreEntries lists the platform key and the app keys, merging the
// usages of a key given more than once.
func buildKeystoreEntries(platform *ecdsa.PublicKey, appKeys, testKeys []*ecdsa.PublicKey) ([]KeystoreEntry, error) {
	entries := []KeystoreEntry{{PublicKey: platform, Thumbprint: Thumbprint(platform), Usage: UsagePlatform}}
	add := func(what string, keys []*ecdsa.PublicKey, usage KeyUsage) error {
		for i, k := range keys {
			if err := checkP256(k); err != nil {
				return fmt.Errorf("%s %d: %w", what, i, err)
			}
			tp := Thumbprint(k)
			merged := false
			for j := range entries {
				if entries[j].Thumbprint == tp {
					entries[j].Usage |= usage
					merged = true
				}
			}
			if !merged {
				entries = append(entries, KeystoreEntry{PublicKey: k, Thumbprint: tp, Usage: usage})
			}
		}
		return nil
	}
	if err := add("app key", appKeys, UsageApplications); err != nil {
		return nil, err
	}
	if err := add("test app key", testKeys, UsageTestApplications); err != nil {
		return nil, err
	}
	return entries, nil
}

// buildStage builds the signed package of one boot or OS image.
func buildStage(t ImageType, payload []byte, o BuildOptions) ([]byte, error) {
	cid := StageComponentIDs[t]
	svn := o.SVN
	md := Metadata{
		Identity: &Identity{Type: t, ComponentID: cid, ImageID: DeriveImageID(cid, payload, svn, o.BuildDate)},
		Debug:    &Debug{BuildDate: o.BuildDate, Name: stageInfo[t].debug},
		SVN:      &svn,
	}
	switch t {
	case ImageTypeSecurityMonitor:
		md.Provides = []ABI{{Version: 1, Identity: ABISecureWorldRuntime}}
	case ImageTypeNormalWorldKernel:
		md.Provides = []ABI{{Version: 1, Identity: ABIOSRuntime}}
	case ImageTypeRootFs:
		md.Provides = []ABI{{Version: ApplicationRuntimeVersion, Identity: ABIApplicationRuntime}}
	}
	return BuildPackage(payload, md, o.PlatformKey)
}

// layoutFlash places the locator tables and items one after another, each
// aligned to an erase block, and returns the flash image file.
func layoutFlash(flashSize uint32, items []flashItem) ([]byte, error) {
	loc := &Locator{FlashSize: flashSize, Partitions: []Partition{
		{Type: PartitionTypeLocatorTable, Offset: LocatorOffset, Size: EraseBlockSize, Length: EraseBlockSize},
		{Type: PartitionTypeLocatorTableBackup, Offset: LocatorBackupOffset, Size: EraseBlockSize, Length: EraseBlockSize},
	}}
	next := uint64(LocatorBackupOffset + EraseBlockSize)
	fileEnd := next
	for _, it := range items {
		size, length := uint64(it.size), uint64(len(it.data))
		if it.data != nil {
			size = roundUp(length)
		}
		p := Partition{Type: it.ptype, ImageType: it.itype, Offset: uint32(next), Size: uint32(size), Length: uint32(length)}
		if next+size > uint64(flashSize) {
			return nil, fmt.Errorf("image build: partition %v needs 0x%x bytes, past the end of flash (0x%x)", p, size, flashSize)
		}
		loc.Partitions = append(loc.Partitions, p)
		if length > 0 {
			fileEnd = next + length
		}
		next += size
	}
	table, err := loc.Marshal()
	if err != nil {
		return nil, fmt.Errorf("image build: %w", err)
	}
	out := bytes.Repeat([]byte{0xFF}, int(fileEnd))
	copy(out[LocatorOffset:], table)
	copy(out[LocatorBackupOffset:], table)
	for i, it := range items {
		if len(it.data) > 0 {
			copy(out[loc.Partitions[i+2].Offset:], it.data)
		}
	}
	return out, nil
}

// roundUp rounds n up to a multiple of EraseBlockSize.
func roundUp(n uint64) uint64 {
	return (n + EraseBlockSize - 1) / EraseBlockSize * EraseBlockSize
}
