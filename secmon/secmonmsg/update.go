package secmonmsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Update requests (docs/updates.md), from the kernel only; emulator-defined
// numbers.
const (
	// KindUpdateStage: Stage → (): write one image into free flash and have Pluton verify it.
	KindUpdateStage mailbox.Kind = 0x58
	// KindUpdateInstall: () → Installed: switch to the layout with the staged images.
	KindUpdateInstall mailbox.Kind = 0x59
	// KindUpdateConfirm: () → (): the update on trial booted and attested; make it final.
	KindUpdateConfirm mailbox.Kind = 0x5A
	// KindUpdateRemove: string component ID → (): remove an installed app (a new layout without it, final at once).
	KindUpdateRemove mailbox.Kind = 0x5B
)

func init() {
	mailbox.RegisterKind(mailbox.Secmon, KindUpdateStage, "secmon.UpdateStage")
	mailbox.RegisterKind(mailbox.Secmon, KindUpdateInstall, "secmon.UpdateInstall")
	mailbox.RegisterKind(mailbox.Secmon, KindUpdateConfirm, "secmon.UpdateConfirm")
	mailbox.RegisterKind(mailbox.Secmon, KindUpdateRemove, "secmon.UpdateRemove")
}

// ErrUpdate is the error code of an update the Security Monitor refuses
// (untrusted image, no space, an update already on trial).
const ErrUpdate uint32 = 49<<20 | 8

// MaxStagedImage bounds one staged image (the UpdateStaging partition's size).
const MaxStagedImage = 1 << 20

// UpdateRole says which image a staged package replaces.
type UpdateRole uint8

// Update roles.
const (
	RoleApp    UpdateRole = 1 // an application package: replaces the installed one with its component ID, or is added
	RoleKernel UpdateRole = 2 // the normal-world kernel
	RoleRootFS UpdateRole = 3 // the root file system
	// RoleCapability is the device's capability file (appDevelopment,
	// fieldServicing): it replaces any installed one; Pluton reads it at
	// boot, so installing it reboots the device.
	RoleCapability UpdateRole = 4
)

// Stage carries one update image: u8 role, blob image.
type Stage struct {
	Role  UpdateRole
	Image []byte
}

// Marshal encodes s.
func (s *Stage) Marshal() []byte {
	var e mailbox.Encoder
	e.U8(uint8(s.Role))
	e.Blob(s.Image)
	return e.Bytes()
}

// UnmarshalStage decodes a Stage.
func UnmarshalStage(p []byte) (Stage, error) {
	d := mailbox.NewDecoder(p)
	s := Stage{Role: UpdateRole(d.U8()), Image: d.Blob()}
	if err := d.Finish(); err != nil {
		return s, wrap("Stage", err)
	}
	if s.Role < RoleApp || s.Role > RoleCapability {
		return s, fmt.Errorf("Stage: unknown role %d", s.Role)
	}
	return s, nil
}

// Installed answers KindUpdateInstall: u8 reboot (the OS changed: reboot
// into the new layout to try it), u32 generation of the new layout.
type Installed struct {
	Reboot     bool
	Generation uint32
}

// Marshal encodes i.
func (i *Installed) Marshal() []byte {
	var e mailbox.Encoder
	if i.Reboot {
		e.U8(1)
	} else {
		e.U8(0)
	}
	e.U32(i.Generation)
	return e.Bytes()
}

// UnmarshalInstalled decodes an Installed.
func UnmarshalInstalled(p []byte) (Installed, error) {
	d := mailbox.NewDecoder(p)
	r := d.U8()
	i := Installed{Reboot: r == 1, Generation: d.U32()}
	if err := d.Finish(); err != nil {
		return i, wrap("Installed", err)
	}
	if r > 1 {
		return i, fmt.Errorf("Installed: reboot flag %d is not 0 or 1", r)
	}
	return i, nil
}
