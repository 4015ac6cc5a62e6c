// Package devicemsg defines the notifications domains send to the device
// controller (the power and reset logic that assembles the device): a halted
// boot, and an app that ended.
package devicemsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Notification kinds served by the device endpoint.
const (
	KindHalt      mailbox.Kind = 0x01 // a boot stage refused to go on
	KindAppExit   mailbox.Kind = 0x02 // the high-level app ended
	KindReboot    mailbox.Kind = 0x03 // PowerManagement_ForceSystemReboot: reboot, keeping state
	KindPowerDown mailbox.Kind = 0x04 // PowerManagement_ForceSystemPowerDown
)

// PowerDown asks for a power-down of at most MaxResidencySeconds (then the
// device wakes and boots): u32.
type PowerDown struct{ MaxResidencySeconds uint32 }

// Marshal encodes p.
func (p *PowerDown) Marshal() []byte {
	var e mailbox.Encoder
	e.U32(p.MaxResidencySeconds)
	return e.Bytes()
}

// UnmarshalPowerDown decodes a PowerDown.
func UnmarshalPowerDown(b []byte) (PowerDown, error) {
	d := mailbox.NewDecoder(b)
	p := PowerDown{MaxResidencySeconds: d.U32()}
	if err := d.Finish(); err != nil {
		return p, fmt.Errorf("PowerDown: %w", err)
	}
	return p, nil
}

func init() {
	mailbox.RegisterKind(mailbox.Device, KindHalt, "device.Halt")
	mailbox.RegisterKind(mailbox.Device, KindAppExit, "device.AppExit")
	mailbox.RegisterKind(mailbox.Device, KindReboot, "device.Reboot")
	mailbox.RegisterKind(mailbox.Device, KindPowerDown, "device.PowerDown")
}

// Halt reports that the device stopped booting: string stage, string reason.
type Halt struct {
	Stage, Reason string
}

// Marshal encodes h.
func (h *Halt) Marshal() []byte {
	var e mailbox.Encoder
	e.String(h.Stage)
	e.String(h.Reason)
	return e.Bytes()
}

// UnmarshalHalt decodes a Halt.
func UnmarshalHalt(p []byte) (Halt, error) {
	d := mailbox.NewDecoder(p)
	h := Halt{Stage: d.String(), Reason: d.String()}
	if err := d.Finish(); err != nil {
		return h, fmt.Errorf("Halt: %w", err)
	}
	return h, nil
}

// AppExit reports how the high-level app ended: string component ID, i32
// exit code, i32 signal (0 for a normal exit).
type AppExit struct {
	ComponentID string
	Code        int32
	Signal      int32
}

// Marshal encodes a.
func (a *AppExit) Marshal() []byte {
	var e mailbox.Encoder
	e.String(a.ComponentID)
	e.I32(a.Code)
	e.I32(a.Signal)
	return e.Bytes()
}

// UnmarshalAppExit decodes an AppExit.
func UnmarshalAppExit(p []byte) (AppExit, error) {
	d := mailbox.NewDecoder(p)
	a := AppExit{ComponentID: d.String(), Code: d.I32(), Signal: d.I32()}
	if err := d.Finish(); err != nil {
		return a, fmt.Errorf("AppExit: %w", err)
	}
	return a, nil
}
