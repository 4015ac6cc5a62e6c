package secmon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The telemetry store keeps the OS's error-report records in the
// TelemetryStorage partition (reference §10.3), as a ring of erase blocks:
// records are appended to the head block; when it is full the next block is
// erased (dropping the oldest records) and becomes the head. Each record is
// checksummed, so a record torn by a power cut is skipped on the next mount
// and never read back half-written. The real on-flash format is not public;
// this one is emulator-defined (docs/error-reports.md).
//
// Record layout (little-endian):
//
//	u16 magic 0x5254 ("TR") | u16 payload length | u8 kind | u64 seq | payload | u32 CRC-32 of all before
const (
	telMagic      = 0x5254
	telHeader     = 2 + 2 + 1 + 8
	telTrailer    = 4
	telKindRecord = 1 // an OS record (opaque to the Security Monitor)
	telKindAck    = 2 // payload u64: records up to this seq were uploaded
	telKindClear  = 3 // payload u64: records up to this seq were deleted
	// TelemetryMaxRecord bounds one record's payload.
	TelemetryMaxRecord = 1024
)

// flashDevice is what the store needs of the flash part.
type flashDevice interface {
	Read(off, n uint32) ([]byte, error)
	Program(off uint32, data []byte) error
	Erase(off uint32) error
}

// telemetryStore is a mounted telemetry partition.
type telemetryStore struct {
	flash      flashDevice
	base, size uint32
	block      uint32 // erase-block size
	head       uint32 // offset (from base) of the next write
	nextSeq    uint64
	acked      uint64 // records ≤ acked were uploaded
	cleared    uint64 // records ≤ cleared were deleted
	records    map[uint64][]byte
	where      map[uint64]uint32 // seq → block index holding it
}

// telemetryRecord is one stored record.
type telemetryRecord struct {
	Seq     uint64
	Payload []byte
}

// mountTelemetry scans the partition. firstSeq numbers the first record of
// a blank partition, so that record numbers differ between devices and
// between wipes.
func mountTelemetry(f flashDevice, base, size, block uint32, firstSeq uint64) (*telemetryStore, error) {
	if size < 2*block || size%block != 0 || base%block != 0 {
		return nil, fmt.Errorf("telemetry: partition of %d bytes at %#x is not at least two whole %d-byte blocks", size, base, block)
	}
	t := &telemetryStore{flash: f, base: base, size: size, block: block, records: map[uint64][]byte{}, where: map[uint64]uint32{}}
	var (
		maxSeq           uint64
		found            bool
		headBlk, headOff uint32
	)
	for blk := uint32(0); blk < size/block; blk++ {
		b, err := f.Read(base+blk*block, block)
		if err != nil {
			return nil, fmt.Errorf("telemetry: %w", err)
		}
		off := uint32(0)
		for off+telHeader+telTrailer <= block {
			kind, seq, payload, n, ok := parseTelemetryRecord(b[off:])
			if !ok {
				break // erased space, or a record torn by a power cut: the block ends here
			}
			switch kind {
			case telKindRecord:
				t.records[seq] = payload
				t.where[seq] = blk
			case telKindAck:
				t.acked = max(t.acked, binary.LittleEndian.Uint64(payload))
			case telKindClear:
				t.cleared = max(t.cleared, binary.LittleEndian.Uint64(payload))
			}
			if !found || seq >= maxSeq {
				maxSeq, found, headBlk, headOff = seq, true, blk, off+n
			}
			off += n
		}
	}
	if !found {
		t.nextSeq, t.head = firstSeq, 0
		return t, nil
	}
	t.nextSeq = maxSeq + 1
	t.head = headBlk*block + headOff
	// After a torn write the rest of the head block is unusable garbage:
	// if anything but erased bytes follows, start the next block.
	rest, err := f.Read(base+t.head, block-headOff)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	for _, c := range rest {
		if c != 0xFF {
			t.head = (headBlk + 1) * block
			break
		}
	}
	return t, nil
}

// parseTelemetryRecord decodes one record at the start of b.
func parseTelemetryRecord(b []byte) (kind uint8, seq uint64, payload []byte, n uint32, ok bool) {
	if len(b) < telHeader+telTrailer || binary.LittleEndian.Uint16(b) != telMagic {
		return 0, 0, nil, 0, false
	}
	l := uint32(binary.LittleEndian.Uint16(b[2:]))
	n = telHeader + l + telTrailer
	if l > TelemetryMaxRecord || uint64(n) > uint64(len(b)) {
		return 0, 0, nil, 0, false
	}
	if crc32.ChecksumIEEE(b[:telHeader+l]) != binary.LittleEndian.Uint32(b[telHeader+l:]) {
		return 0, 0, nil, 0, false
	}
	kind, seq = b[4], binary.LittleEndian.Uint64(b[5:])
	if kind < telKindRecord || kind > telKindClear {
		return 0, 0, nil, 0, false
	}
	return kind, seq, append([]byte(nil), b[telHeader:telHeader+l]...), n, true
}

// append writes a record and returns its sequence number and how many old
// records were dropped to make room.
func (t *telemetryStore) append(kind uint8, payload []byte) (uint64, int, error) {
	if len(payload) > TelemetryMaxRecord {
		return 0, 0, fmt.Errorf("telemetry: record of %d bytes exceeds %d", len(payload), TelemetryMaxRecord)
	}
	n := uint32(telHeader + len(payload) + telTrailer)
	dropped := 0
	if t.head%t.block == 0 || t.head%t.block+n > t.block {
		if t.head%t.block != 0 {
			t.head = (t.head/t.block + 1) * t.block
		}
		t.head %= t.size
		d, err := t.eraseBlock(t.head / t.block)
		if err != nil {
			return 0, 0, err
		}
		dropped = d
		// The erased block may have held the cursors: every block starts
		// by restating them, so a mount always finds the latest.
		for _, c := range []struct {
			kind uint8
			v    uint64
		}{{telKindAck, t.acked}, {telKindClear, t.cleared}} {
			if c.v == 0 {
				continue
			}
			var p [8]byte
			binary.LittleEndian.PutUint64(p[:], c.v)
			if _, err := t.write(c.kind, p[:]); err != nil {
				return 0, dropped, err
			}
		}
	}
	seq, err := t.write(kind, payload)
	return seq, dropped, err
}

// telCursorSize is the size of an ack or clear record.
const telCursorSize = telHeader + 8 + telTrailer

// write programs one record at the head, which has room for it.
func (t *telemetryStore) write(kind uint8, payload []byte) (uint64, error) {
	n := uint32(telHeader + len(payload) + telTrailer)
	seq := t.nextSeq
	rec := make([]byte, n)
	binary.LittleEndian.PutUint16(rec, telMagic)
	binary.LittleEndian.PutUint16(rec[2:], uint16(len(payload)))
	rec[4] = kind
	binary.LittleEndian.PutUint64(rec[5:], seq)
	copy(rec[telHeader:], payload)
	binary.LittleEndian.PutUint32(rec[n-telTrailer:], crc32.ChecksumIEEE(rec[:n-telTrailer]))
	// The sequence number is spent even if programming fails half-way: a
	// retry must not reuse it for different bytes.
	t.nextSeq++
	at := t.head
	t.head += n
	if err := t.flash.Program(t.base+at, rec); err != nil {
		return 0, fmt.Errorf("telemetry: %w", err)
	}
	if kind == telKindRecord {
		t.records[seq] = append([]byte(nil), payload...)
		t.where[seq] = at / t.block
	}
	return seq, nil
}

// eraseBlock erases block i, forgetting the records it held; it returns how
// many of them had not been uploaded or deleted.
func (t *telemetryStore) eraseBlock(i uint32) (int, error) {
	if err := t.flash.Erase(t.base + i*t.block); err != nil {
		return 0, fmt.Errorf("telemetry: %w", err)
	}
	dropped := 0
	for seq, blk := range t.where {
		if blk == i {
			if seq > t.acked && seq > t.cleared {
				dropped++
			}
			delete(t.where, seq)
			delete(t.records, seq)
		}
	}
	return dropped, nil
}

// pending returns the records not yet uploaded nor deleted, oldest first.
func (t *telemetryStore) pending() []telemetryRecord {
	return t.list(max(t.acked, t.cleared))
}

// stored returns the records not deleted, uploaded or not, oldest first.
func (t *telemetryStore) stored() []telemetryRecord {
	return t.list(t.cleared)
}

func (t *telemetryStore) list(after uint64) []telemetryRecord {
	var out []telemetryRecord
	for seq, p := range t.records {
		if seq > after {
			out = append(out, telemetryRecord{Seq: seq, Payload: p})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// mark records that records up to seq were uploaded (telKindAck) or
// deleted (telKindClear).
func (t *telemetryStore) mark(kind uint8, seq uint64) error {
	if seq >= t.nextSeq {
		return fmt.Errorf("telemetry: record %d was never written (next is %d)", seq, t.nextSeq)
	}
	var p [8]byte
	binary.LittleEndian.PutUint64(p[:], seq)
	if _, _, err := t.append(kind, p[:]); err != nil {
		return err
	}
	if kind == telKindAck {
		t.acked = max(t.acked, seq)
	} else {
		t.cleared = max(t.cleared, seq)
	}
	return nil
}

// errTelemetryUnavailable is returned when the image has no telemetry partition.
var errTelemetryUnavailable = errors.New("telemetry: the flash image has no TelemetryStorage partition")

// costTelemetryProgram is the virtual time of programming one record
// (NOR page program, emulator-defined).
const costTelemetryProgram = 200 * sim.Microsecond

// openTelemetry mounts the telemetry partition on first use.
func (s *SecurityMonitor) openTelemetry() (*telemetryStore, error) {
	if s.telemetry != nil {
		return s.telemetry, nil
	}
	if s.locator == nil {
		return nil, errTelemetryUnavailable
	}
	ps := s.locator.All(image.PartitionTypeTelemetryStorage)
	if len(ps) == 0 {
		return nil, errTelemetryUnavailable
	}
	p := ps[0]
	s.proc.Sleep(int64(p.Size) * costFlashPerByte)
	// A random 31-bit prefix: record numbers stay below 2^63, which JSON
	// and SQL integers carry without loss.
	first := s.proc.Sim().Rand("secmon/telemetry").Uint64()&0x7FFFFFFF00000000 | 1
	t, err := mountTelemetry(s.flash, p.Offset, p.Size, image.EraseBlockSize, first)
	if err != nil {
		return nil, err
	}
	s.telemetry = t
	s.tr.Emit(trace.Secmon, "telemetry.mount", trace.Int("records", int64(len(t.stored()))), trace.Int("pending", int64(len(t.pending()))))
	return t, nil
}

// appendTelemetry writes one record and traces it.
func (s *SecurityMonitor) appendTelemetry(payload []byte) (secmonmsg.TelemetryAppended, error) {
	t, err := s.openTelemetry()
	if err != nil {
		return secmonmsg.TelemetryAppended{}, err
	}
	s.proc.Sleep(costTelemetryProgram)
	seq, dropped, err := t.append(telKindRecord, payload)
	if dropped > 0 {
		s.tr.Emit(trace.Secmon, "telemetry.drop", trace.Int("records", int64(dropped)), trace.Str("reason", "partition full: oldest block erased"))
	}
	if err != nil {
		return secmonmsg.TelemetryAppended{}, err
	}
	s.tr.Emit(trace.Secmon, "telemetry.append", trace.Uint("seq", seq), trace.Int("bytes", int64(len(payload))))
	return secmonmsg.TelemetryAppended{Seq: seq, Dropped: uint32(dropped)}, nil
}

// recordSecurityEvent keeps a security event the Security Monitor itself
// saw (a failed OS verification) before it halts: it is uploaded by the next
// OS that boots.
func (s *SecurityMonitor) recordSecurityEvent(desc string) {
	r := kernelmsg.ErrorRecord{TimeUnixNano: kernelmsg.EpochUnixNano + s.proc.Sim().Now(), Type: kernelmsg.EventUnplanned, Class: kernelmsg.ClassOS, Description: desc}
	if _, err := s.appendTelemetry(r.Marshal()); err != nil {
		s.tr.Emit(trace.Secmon, "telemetry.error", trace.Str("reason", err.Error()))
	}
}

// serveTelemetry answers the kernel's telemetry requests.
func (s *SecurityMonitor) serveTelemetry(m mailbox.Message) {
	t, err := s.openTelemetry()
	if err != nil {
		s.reject(m, secmonmsg.ErrTelemetry, err.Error())
		return
	}
	switch m.Kind {
	case secmonmsg.KindTelemetryAppend:
		if len(m.Payload) > TelemetryMaxRecord {
			s.reject(m, secmonmsg.ErrBadRequest, fmt.Sprintf("telemetry record of %d bytes exceeds %d", len(m.Payload), TelemetryMaxRecord))
			return
		}
		a, err := s.appendTelemetry(m.Payload)
		if err != nil {
			s.reject(m, secmonmsg.ErrTelemetry, err.Error())
			return
		}
		_ = s.ep.Reply(m, a.Marshal())
	case secmonmsg.KindTelemetryRead:
		r, err := secmonmsg.UnmarshalTelemetryRead(m.Payload)
		if err != nil {
			s.reject(m, secmonmsg.ErrBadRequest, err.Error())
			return
		}
		recs := t.stored()
		if r.Which == secmonmsg.TelemetryPending {
			recs = t.pending()
		}
		recs = recs[:min(uint32(len(recs)), r.Max, secmonmsg.MaxTelemetryRecords)]
		out := make([]secmonmsg.TelemetryRecord, len(recs))
		for i, rec := range recs {
			out[i] = secmonmsg.TelemetryRecord{Seq: rec.Seq, Payload: rec.Payload}
		}
		_ = s.ep.Reply(m, secmonmsg.MarshalTelemetryRecords(out))
	case secmonmsg.KindTelemetryAck, secmonmsg.KindTelemetryClear:
		seq, err := secmonmsg.DecodeU64(m.Payload)
		if err != nil {
			s.reject(m, secmonmsg.ErrBadRequest, err.Error())
			return
		}
		kind, name := uint8(telKindAck), "telemetry.ack"
		if m.Kind == secmonmsg.KindTelemetryClear {
			kind, name = telKindClear, "telemetry.clear"
		}
		s.proc.Sleep(costTelemetryProgram)
		if err := t.mark(kind, seq); err != nil {
			s.reject(m, secmonmsg.ErrBadRequest, err.Error())
			return
		}
		s.tr.Emit(trace.Secmon, name, trace.Uint("seq", seq))
		_ = s.ep.Reply(m, nil)
	}
}

// TelemetryContents is what a telemetry partition holds, read from outside
// the running device (test benches, the device REST API's GET /telemetry).
type TelemetryContents struct {
	Stored  []secmonmsg.TelemetryRecord // every record not deleted, oldest first
	Pending uint64                      // how many of them are not yet uploaded
}

// ReadTelemetry scans the telemetry partition of a flash part without
// changing it.
func ReadTelemetry(f interface {
	Read(off, n uint32) ([]byte, error)
}, p image.Partition) (TelemetryContents, error) {
	t, err := mountTelemetry(readOnlyFlash{f}, p.Offset, p.Size, image.EraseBlockSize, 1)
	if err != nil {
		return TelemetryContents{}, err
	}
	var c TelemetryContents
	for _, r := range t.stored() {
		c.Stored = append(c.Stored, secmonmsg.TelemetryRecord{Seq: r.Seq, Payload: r.Payload})
	}
	c.Pending = uint64(len(t.pending()))
	return c, nil
}

// readOnlyFlash refuses writes: scanning must not change the part.
type readOnlyFlash struct {
	f interface {
		Read(off, n uint32) ([]byte, error)
	}
}

func (r readOnlyFlash) Read(off, n uint32) ([]byte, error) { return r.f.Read(off, n) }
func (r readOnlyFlash) Program(uint32, []byte) error       { return errors.New("telemetry: read-only scan") }
func (r readOnlyFlash) Erase(uint32) error                 { return errors.New("telemetry: read-only scan") }
