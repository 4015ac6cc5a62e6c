package image

import "strconv"

// ImageType is the image type recorded in the identity section of an image
// package (reference §2).
type ImageType uint16

// Image types, with the numbers the real platform uses (reference §2).
const (
	ImageTypeInvalid                  ImageType = 0
	ImageTypeOneBL                    ImageType = 1
	ImageTypePlutonRuntime            ImageType = 2
	ImageTypeWifiFirmware             ImageType = 3
	ImageTypeSecurityMonitor          ImageType = 4
	ImageTypeNormalWorldLoader        ImageType = 5
	ImageTypeNormalWorldDTB           ImageType = 6
	ImageTypeNormalWorldKernel        ImageType = 7
	ImageTypeRootFs                   ImageType = 8
	ImageTypeServices                 ImageType = 9
	ImageTypeApplications             ImageType = 10
	ImageTypeFirmwareConfig           ImageType = 13
	ImageTypeBootManifest             ImageType = 16
	ImageTypeNormalWorldFileSystem    ImageType = 17
	ImageTypeTrustedKeystore          ImageType = 19
	ImageTypePolicy                   ImageType = 20
	ImageTypeCustomerBoardConfig      ImageType = 21
	ImageTypeUpdateCertStore          ImageType = 22
	ImageTypeBaseSystemUpdateManifest ImageType = 23
	ImageTypeFirmwareUpdateManifest   ImageType = 24
	ImageTypeCustomerUpdateManifest   ImageType = 25
	ImageTypeRecoveryManifest         ImageType = 26
	ImageTypeManifestSet              ImageType = 27
	ImageTypeOther                    ImageType = 28
)

var imageTypeNames = map[ImageType]string{
	ImageTypeInvalid:                  "Invalid",
	ImageTypeOneBL:                    "OneBL",
	ImageTypePlutonRuntime:            "PlutonRuntime",
	ImageTypeWifiFirmware:             "WifiFirmware",
	ImageTypeSecurityMonitor:          "SecurityMonitor",
	ImageTypeNormalWorldLoader:        "NormalWorldLoader",
	ImageTypeNormalWorldDTB:           "NormalWorldDTB",
	ImageTypeNormalWorldKernel:        "NormalWorldKernel",
	ImageTypeRootFs:                   "RootFs",
	ImageTypeServices:                 "Services",
	ImageTypeApplications:             "Applications",
	ImageTypeFirmwareConfig:           "FirmwareConfig",
	ImageTypeBootManifest:             "BootManifest",
	ImageTypeNormalWorldFileSystem:    "NormalWorldFileSystem",
	ImageTypeTrustedKeystore:          "TrustedKeystore",
	ImageTypePolicy:                   "Policy",
	ImageTypeCustomerBoardConfig:      "CustomerBoardConfig",
	ImageTypeUpdateCertStore:          "UpdateCertStore",
	ImageTypeBaseSystemUpdateManifest: "BaseSystemUpdateManifest",
	ImageTypeFirmwareUpdateManifest:   "FirmwareUpdateManifest",
	ImageTypeCustomerUpdateManifest:   "CustomerUpdateManifest",
	ImageTypeRecoveryManifest:         "RecoveryManifest",
	ImageTypeManifestSet:              "ManifestSet",
	ImageTypeOther:                    "Other",
}

// String returns the real platform's name for t, or "ImageType(n)" if t is unknown.
func (t ImageType) String() string {
	if s, ok := imageTypeNames[t]; ok {
		return s
	}
	return "ImageType(" + strconv.Itoa(int(t)) + ")"
}

// PartitionType is the type of a flash partition named by the locator table.
//
// Types below 0x100 are the real platform's numbers (reference §2); types
// from 0x100 up are defined by the emulator for storage whose real
// partition type is not public.
type PartitionType uint16

// Partition types; the first block has the real platform's numbers
// (reference §2).
const (
	PartitionTypeInvalid             PartitionType = 0
	PartitionTypeFirmware            PartitionType = 1
	PartitionTypeBackups             PartitionType = 2
	PartitionTypeApplications        PartitionType = 4
	PartitionTypeLogStorage          PartitionType = 5
	PartitionTypeNwConfig            PartitionType = 6
	PartitionTypeBootloaderOne       PartitionType = 7
	PartitionTypeBootloaderOneBackup PartitionType = 8
	PartitionTypeLocatorTable        PartitionType = 9
	PartitionTypeLocatorTableBackup  PartitionType = 10
	PartitionTypeBlockHashes         PartitionType = 11
	PartitionTypeBlockHashesBackup   PartitionType = 12
	PartitionTypeBootManifest        PartitionType = 13
	PartitionTypeBootManifestBackup  PartitionType = 14
	PartitionTypeTelemetryStorage    PartitionType = 15
)

// Emulator-defined partition types, not used by the real platform.
const (
	// PartitionTypeUpdateStaging holds an image being staged by an update.
	PartitionTypeUpdateStaging PartitionType = 0x100
	// PartitionTypeMutableStorage holds the applications' mutable storage.
	PartitionTypeMutableStorage PartitionType = 0x101
)

var partitionTypeNames = map[PartitionType]string{
	PartitionTypeInvalid:             "Invalid",
	PartitionTypeFirmware:            "Firmware",
	PartitionTypeBackups:             "Backups",
	PartitionTypeApplications:        "Applications",
	PartitionTypeLogStorage:          "LogStorage",
	PartitionTypeNwConfig:            "NwConfig",
	PartitionTypeBootloaderOne:       "BootloaderOne",
	PartitionTypeBootloaderOneBackup: "BootloaderOneBackup",
	PartitionTypeLocatorTable:        "LocatorTable",
	PartitionTypeLocatorTableBackup:  "LocatorTableBackup",
	PartitionTypeBlockHashes:         "BlockHashes",
	PartitionTypeBlockHashesBackup:   "BlockHashesBackup",
	PartitionTypeBootManifest:        "BootManifest",
	PartitionTypeBootManifestBackup:  "BootManifestBackup",
	PartitionTypeTelemetryStorage:    "TelemetryStorage",
	PartitionTypeUpdateStaging:       "UpdateStaging",
	PartitionTypeMutableStorage:      "MutableStorage",
}

// String returns the name of t, or "PartitionType(n)" if t is unknown.
func (t PartitionType) String() string {
	if s, ok := partitionTypeNames[t]; ok {
		return s
	}
	return "PartitionType(" + strconv.Itoa(int(t)) + ")"
}
