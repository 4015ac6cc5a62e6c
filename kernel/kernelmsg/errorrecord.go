package kernelmsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Error-report event types and classes (the columns of the real error
// report: reference §10.3).
const (
	EventPlanned   uint8 = 0 // OS and app updates
	EventUnplanned uint8 = 1 // errors
	ClassOS        uint8 = 0
	ClassApp       uint8 = 1
)

// ErrorRecord is one error-report event as the OS stores it in the
// telemetry partition: i64 wall-clock time (Unix ns), u8 event type, u8
// event class, string description (the real formats, e.g.
// "AppExit (exit_code=1; component_id=…; image_id=…)").
type ErrorRecord struct {
	TimeUnixNano int64
	Type         uint8
	Class        uint8
	Description  string
}

// MaxDescription bounds a record's description.
const MaxDescription = 512

// Marshal encodes r.
func (r *ErrorRecord) Marshal() []byte {
	var e mailbox.Encoder
	e.U64(uint64(r.TimeUnixNano))
	e.U8(r.Type)
	e.U8(r.Class)
	e.String(r.Description)
	return e.Bytes()
}

// UnmarshalErrorRecord decodes an ErrorRecord.
func UnmarshalErrorRecord(p []byte) (ErrorRecord, error) {
	d := mailbox.NewDecoder(p)
	r := ErrorRecord{TimeUnixNano: int64(d.U64()), Type: d.U8(), Class: d.U8(), Description: d.String()}
	if err := d.Finish(); err != nil {
		return r, fmt.Errorf("ErrorRecord: %w", err)
	}
	switch {
	case r.Type > EventUnplanned:
		return r, fmt.Errorf("ErrorRecord: unknown event type %d", r.Type)
	case r.Class > ClassApp:
		return r, fmt.Errorf("ErrorRecord: unknown event class %d", r.Class)
	case len(r.Description) > MaxDescription:
		return r, fmt.Errorf("ErrorRecord: description of %d bytes exceeds %d", len(r.Description), MaxDescription)
	}
	return r, nil
}

// TypeName is the event type as the error report prints it.
func (r *ErrorRecord) TypeName() string {
	if r.Type == EventPlanned {
		return "Planned"
	}
	return "Unplanned"
}

// ClassName is the event class as the error report prints it.
func (r *ErrorRecord) ClassName() string {
	if r.Class == ClassOS {
		return "OS"
	}
	return "Application"
}
