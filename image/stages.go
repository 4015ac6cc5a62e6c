package image

import (
	"crypto/sha256"
	"encoding/binary"
)

// StageComponentIDs are the fixed component IDs of the emulator's boot and
// OS images. They are emulator-defined; the real platform's values are not
// used. Callers must not modify the map.
var StageComponentIDs = map[ImageType]GUID{
	ImageTypeTrustedKeystore:   mustGUID("4671e197-a9d0-4153-a2be-6049b9e08043"),
	ImageTypeOneBL:             mustGUID("b6b61aae-ebd9-4a77-bc9c-26d90f462dcf"),
	ImageTypePlutonRuntime:     mustGUID("78a977a2-af49-4a27-8da2-0cfb761c1745"),
	ImageTypeSecurityMonitor:   mustGUID("531ee913-e08a-4112-a01e-577df2744f7d"),
	ImageTypeNormalWorldKernel: mustGUID("a9460326-873c-4b51-afd4-07cb47b1f5f5"),
	ImageTypeRootFs:            mustGUID("91e97c64-9fe1-4918-a6ba-a96d45a415b2"),
}

// stageInfo holds the names BuildFlash gives each boot and OS image.
var stageInfo = map[ImageType]struct {
	trace, debug, description string
}{
	ImageTypeTrustedKeystore:   {"keystore", "trusted-keystore", "keys trusted to sign images"},
	ImageTypeOneBL:             {"1bl", "1bl", "first-stage bootloader, run by the Pluton ROM"},
	ImageTypePlutonRuntime:     {"pluton-runtime", "pluton-runtime", "Pluton security subsystem runtime"},
	ImageTypeSecurityMonitor:   {"secmon", "security-monitor", "Security Monitor (A7 Secure World)"},
	ImageTypeNormalWorldKernel: {"kernel", "nw-kernel", "Normal World OS kernel"},
	ImageTypeRootFs:            {"rootfs", "nw-root-filesystem", "Normal World root file system and application runtime"},
}

// StageName returns the short name traces use for a boot or OS image type
// ("keystore", "1bl", "pluton-runtime", "secmon", "kernel", "rootfs"), or ""
// if t is not one.
func StageName(t ImageType) string {
	return stageInfo[t].trace
}

// StageConfig is the JSON payload of the emulator's boot-stage and OS
// images: their code is the emulator's Go code, and the payload only says
// which stage and version the image stands for.
type StageConfig struct {
	Stage       string `json:"stage"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// DeriveImageID returns a deterministic image ID: the first 16 bytes of
// SHA-256(component ID ‖ payload ‖ u32 LE svn ‖ u64 LE build date) with the
// RFC 4122 version-4 and variant bits set, so rebuilding the same inputs
// gives a byte-identical image.
func DeriveImageID(component GUID, payload []byte, svn uint32, buildDate uint64) GUID {
	h := sha256.New()
	h.Write(component[:])
	h.Write(payload)
	var tail [12]byte
	binary.LittleEndian.PutUint32(tail[0:], svn)
	binary.LittleEndian.PutUint64(tail[4:], buildDate)
	h.Write(tail[:])
	var g GUID
	copy(g[:], h.Sum(nil))
	// In wire order the version nibble is the high nibble of byte 7 (the
	// little-endian third group) and the variant is the top of byte 8.
	g[7] = g[7]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return g
}
