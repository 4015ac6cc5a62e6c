package secmonmsg

import (
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Telemetry requests: the OS keeps its error-report records in the
// TelemetryStorage partition, which only the Security Monitor may write
// (emulator-defined numbers, named after the real partition).
const (
	// KindTelemetryAppend: blob record → u64 seq, u32 records dropped to make room.
	KindTelemetryAppend mailbox.Kind = 0x50
	// KindTelemetryRead: u8 which (TelemetryPending or TelemetryStored), u32 max → TelemetryRecords.
	KindTelemetryRead mailbox.Kind = 0x51
	// KindTelemetryAck: u64 seq → (): records up to seq were uploaded.
	KindTelemetryAck mailbox.Kind = 0x52
	// KindTelemetryClear: u64 seq → (): records up to seq are deleted (REST DELETE /telemetry).
	KindTelemetryClear mailbox.Kind = 0x53
)

func init() {
	mailbox.RegisterKind(mailbox.Secmon, KindTelemetryAppend, "secmon.TelemetryAppend")
	mailbox.RegisterKind(mailbox.Secmon, KindTelemetryRead, "secmon.TelemetryRead")
	mailbox.RegisterKind(mailbox.Secmon, KindTelemetryAck, "secmon.TelemetryAck")
	mailbox.RegisterKind(mailbox.Secmon, KindTelemetryClear, "secmon.TelemetryClear")
}

// ErrTelemetry is the error code of a telemetry request the store cannot
// serve (no partition, flash failure).
const ErrTelemetry uint32 = 49<<20 | 7

// Which records a TelemetryRead returns.
const (
	TelemetryPending uint8 = 1 // not yet uploaded
	TelemetryStored  uint8 = 2 // everything not deleted
)

// TelemetryRead asks for stored records.
type TelemetryRead struct {
	Which uint8
	Max   uint32
}

// Marshal encodes r.
func (r *TelemetryRead) Marshal() []byte {
	var e mailbox.Encoder
	e.U8(r.Which)
	e.U32(r.Max)
	return e.Bytes()
}

// UnmarshalTelemetryRead decodes a TelemetryRead.
func UnmarshalTelemetryRead(p []byte) (TelemetryRead, error) {
	d := mailbox.NewDecoder(p)
	r := TelemetryRead{Which: d.U8(), Max: d.U32()}
	if err := d.Finish(); err != nil {
		return r, wrap("TelemetryRead", err)
	}
	if r.Which != TelemetryPending && r.Which != TelemetryStored {
		return r, fmt.Errorf("TelemetryRead: unknown selector %d", r.Which)
	}
	return r, nil
}

// TelemetryRecord is one stored record.
type TelemetryRecord struct {
	Seq     uint64
	Payload []byte
}

// MarshalTelemetryRecords encodes a list: u32 count, then {u64 seq, blob payload}.
func MarshalTelemetryRecords(rs []TelemetryRecord) []byte {
	var e mailbox.Encoder
	e.U32(uint32(len(rs)))
	for _, r := range rs {
		e.U64(r.Seq)
		e.Blob(r.Payload)
	}
	return e.Bytes()
}

// MaxTelemetryRecords bounds one TelemetryRead answer.
const MaxTelemetryRecords = 4096

// UnmarshalTelemetryRecords decodes a list.
func UnmarshalTelemetryRecords(p []byte) ([]TelemetryRecord, error) {
	d := mailbox.NewDecoder(p)
	n := d.U32()
	if n > MaxTelemetryRecords {
		return nil, fmt.Errorf("TelemetryRecords: %d records exceed %d", n, MaxTelemetryRecords)
	}
	out := make([]TelemetryRecord, 0, min(n, 64))
	for i := uint32(0); i < n && d.Err() == nil; i++ {
		out = append(out, TelemetryRecord{Seq: d.U64(), Payload: d.Blob()})
	}
	return out, wrap("TelemetryRecords", d.Finish())
}

// TelemetryAppended answers KindTelemetryAppend.
type TelemetryAppended struct {
	Seq     uint64
	Dropped uint32
}

// Marshal encodes a.
func (a *TelemetryAppended) Marshal() []byte {
	var e mailbox.Encoder
	e.U64(a.Seq)
	e.U32(a.Dropped)
	return e.Bytes()
}

// UnmarshalTelemetryAppended decodes a TelemetryAppended.
func UnmarshalTelemetryAppended(p []byte) (TelemetryAppended, error) {
	d := mailbox.NewDecoder(p)
	a := TelemetryAppended{Seq: d.U64(), Dropped: d.U32()}
	return a, wrap("TelemetryAppended", d.Finish())
}

// EncodeU64 encodes a single u64 (telemetry sequence numbers).
func EncodeU64(v uint64) []byte {
	var e mailbox.Encoder
	e.U64(v)
	return e.Bytes()
}

// DecodeU64 decodes a single u64.
func DecodeU64(p []byte) (uint64, error) {
	d := mailbox.NewDecoder(p)
	v := d.U64()
	return v, wrap("u64", d.Finish())
}
