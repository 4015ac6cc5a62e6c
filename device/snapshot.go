package device

import (
	"github.com/sphere-emu/sphere-emu/pluton"
)

// Snapshot is what a device keeps through a power cycle: the flash blocks
// it wrote on top of its image, and its fuses. A fault campaign powers a
// faulted device's state on again, without the faults, to tell a detected
// fault from a bricked device.
type Snapshot struct {
	blocks map[uint32][]byte
	fuses  *pluton.Fuses
}

// Snapshot copies the device's flash writes and fuses as they are now.
func (d *Device) Snapshot() *Snapshot {
	return &Snapshot{blocks: d.flash.WrittenBlocks(), fuses: d.fuses.Clone()}
}
