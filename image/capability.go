package image

import (
	"crypto/ecdsa"
	"encoding/binary"
	"errors"
	"fmt"
)

// Device capabilities (reference §4, the SDK's enum). The security service
// issues only AppDevelopment and FieldServicing to customers.
const (
	CapabilityAllowTestKeySignedSoftware uint16 = 1
	CapabilityAppDevelopment             uint16 = 11
	CapabilityFieldServicing             uint16 = 13
)

// CapabilityNames names the capabilities as azsphere prints them.
var CapabilityNames = map[uint16]string{
	1: "AllowTestKeySignedSoftware", 2: "EnablePlutonDebugging", 3: "EnableA7Debugging", 4: "EnableN9Debugging",
	5: "EnableA7GdbDebugging", 6: "EnableIoM41Debugging", 7: "EnableIoM42Debugging", 8: "EnableA7Console",
	9: "EnableSltLoader", 10: "EnableSystemSoftwareDevelopment", 11: "EnableAppDevelopment", 12: "EnableRfTestMode",
	13: "EnableFieldServicing",
}

// Capability file payload (reference §4): u32 magic 0x5CFD5CFD, u32 version
// 1, u32 offset of the capability list (76), the 64-byte device ID, then up
// to 64 u16 capabilities ending with 0. The package around it is a
// FirmwareConfig image named "fw_config", signed by a platform key.
const (
	CapabilityMagic   = 0x5CFD5CFD
	capabilityListOff = 12 + 64
	// MaxCapabilities bounds a capability file's list.
	MaxCapabilities = 64
)

// CapabilityFile is what a capability file grants, and to which device.
type CapabilityFile struct {
	DeviceID     [64]byte
	Capabilities []uint16
}

// MarshalCapabilityPayload encodes c as a capability file's payload.
func MarshalCapabilityPayload(c CapabilityFile) ([]byte, error) {
	if len(c.Capabilities) > MaxCapabilities-1 {
		return nil, fmt.Errorf("image capability: %d capabilities exceed %d", len(c.Capabilities), MaxCapabilities-1)
	}
	out := binary.LittleEndian.AppendUint32(nil, CapabilityMagic)
	out = binary.LittleEndian.AppendUint32(out, 1)
	out = binary.LittleEndian.AppendUint32(out, capabilityListOff)
	out = append(out, c.DeviceID[:]...)
	for _, v := range c.Capabilities {
		if v == 0 {
			return nil, errors.New("image capability: capability 0 is the list's terminator")
		}
		out = binary.LittleEndian.AppendUint16(out, v)
	}
	return binary.LittleEndian.AppendUint16(out, 0), nil
}

// ParseCapabilityPayload decodes a capability file's payload.
func ParseCapabilityPayload(b []byte) (CapabilityFile, error) {
	var c CapabilityFile
	if len(b) < capabilityListOff+2 {
		return c, fmt.Errorf("image capability: %d bytes is too short", len(b))
	}
	if m := binary.LittleEndian.Uint32(b); m != CapabilityMagic {
		return c, fmt.Errorf("image capability: magic %#08x, want %#08x", m, CapabilityMagic)
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v != 1 {
		return c, fmt.Errorf("image capability: version %d, want 1", v)
	}
	if off := binary.LittleEndian.Uint32(b[8:]); off != capabilityListOff {
		return c, fmt.Errorf("image capability: list offset %d, want %d", off, capabilityListOff)
	}
	copy(c.DeviceID[:], b[12:])
	for i := capabilityListOff; ; i += 2 {
		if i+2 > len(b) {
			return c, errors.New("image capability: the list has no terminator")
		}
		v := binary.LittleEndian.Uint16(b[i:])
		if v == 0 {
			if i+2 != len(b) {
				return c, errors.New("image capability: bytes after the list's terminator")
			}
			return c, nil
		}
		if len(c.Capabilities) == MaxCapabilities-1 {
			return c, fmt.Errorf("image capability: more than %d capabilities", MaxCapabilities-1)
		}
		c.Capabilities = append(c.Capabilities, v)
	}
}

// CapabilityComponentID is the component ID of capability files
// (emulator-defined).
var CapabilityComponentID = mustGUID("5b1f0a7c-3d2e-4f60-9a8b-7c6d5e4f3a21")

// BuildCapabilityFile builds and signs a capability file for a device.
func BuildCapabilityFile(c CapabilityFile, key *ecdsa.PrivateKey, buildDate uint64) ([]byte, error) {
	payload, err := MarshalCapabilityPayload(c)
	if err != nil {
		return nil, err
	}
	var svn uint32
	md := Metadata{
		Identity: &Identity{Type: ImageTypeFirmwareConfig, ComponentID: CapabilityComponentID, ImageID: DeriveImageID(CapabilityComponentID, payload, svn, buildDate)},
		Debug:    &Debug{BuildDate: buildDate, Name: "fw_config"},
	}
	return BuildPackage(payload, md, key)
}
