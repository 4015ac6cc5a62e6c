package device

import (
	"fmt"
	"time"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/secmon"
)

// ErrorRecord is one error-report event kept in the device's telemetry
// partition.
type ErrorRecord struct {
	Seq         uint64
	Time        time.Time // the device's wall clock when it was recorded
	EventType   string    // "Planned" or "Unplanned"
	EventClass  string    // "OS" or "Application"
	Description string
	Uploaded    bool // the service acknowledged it
}

// ErrorRecords reads the error-report events in the telemetry partition,
// oldest first, as a debugger reading flash would: the running device is
// not disturbed. A record that does not decode is returned as an error.
func (d *Device) ErrorRecords() ([]ErrorRecord, error) {
	loc, err := d.locator()
	if err != nil {
		return nil, err
	}
	ps := loc.All(image.PartitionTypeTelemetryStorage)
	if len(ps) == 0 {
		return nil, fmt.Errorf("device: the flash image has no TelemetryStorage partition")
	}
	c, err := secmon.ReadTelemetry(d.flash, ps[0])
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	out := make([]ErrorRecord, 0, len(c.Stored))
	firstPending := len(c.Stored) - int(c.Pending)
	for i, r := range c.Stored {
		e, err := kernelmsg.UnmarshalErrorRecord(r.Payload)
		if err != nil {
			return out, fmt.Errorf("device: telemetry record %d: %w", r.Seq, err)
		}
		out = append(out, ErrorRecord{Seq: r.Seq, Time: time.Unix(0, e.TimeUnixNano).UTC(), EventType: e.TypeName(),
			EventClass: e.ClassName(), Description: e.Description, Uploaded: i < firstPending})
	}
	return out, nil
}

// locator reads the flash's partition table (primary, else backup).
func (d *Device) locator() (*image.Locator, error) {
	var first error
	for _, off := range []uint32{image.LocatorOffset, image.LocatorBackupOffset} {
		b, err := d.flash.Read(off, image.EraseBlockSize)
		if err == nil {
			loc, perr := image.ParseLocator(b)
			if perr == nil {
				return loc, nil
			}
			err = perr
		}
		if first == nil {
			first = err
		}
	}
	return nil, fmt.Errorf("device: no valid locator table: %w", first)
}

// WallTime is the device's notion of UTC at the current virtual time (the
// fixed epoch plus virtual time, before any clock_settime by an app): an
// in-process security service runs on it, so certificates and nonces
// expire in virtual time.
func (d *Device) WallTime() time.Time {
	return time.Unix(0, kernelmsg.EpochUnixNano+d.sim.Now()).UTC()
}
