package secmon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The mutable storage store keeps every app's mutable storage file in the
// MutableStorage partition, as a log of records over the partition's erase
// blocks. The real on-flash format is not public; this one is
// emulator-defined (docs/storage.md).
//
// Each erase block in the log starts with a block header, written by the
// Security Monitor when the block joins the log (little-endian):
//
//	u32 magic "MSBK" | u32 block sequence | u16 continuation | u16 0 | u32 CRC-32 of the 12 bytes before
//
// Blocks join the log with increasing sequence numbers; the log's order is
// theirs. The rest of a block (its data area) holds records, one after the
// other; a record may run on into the data area of the next block of the
// log, whose header then says how many of its first data bytes continue it
// (the continuation: 0 when a record may start right after the header,
// the whole data area for a block in the middle of a long record). A record:
//
//	u16 magic "MR" | u8 kind (1 file, 2 deletion) | u8 0 | [16]u8 component ID | u64 sequence | u32 length | payload | u32 CRC-32 of all before
//
// A file record holds the whole new content of the app's file; a deletion
// (tombstone) has no payload. Mount keeps, per component ID, the valid
// record with the highest sequence number. Parsing starts only at a block's
// first record (after its continuation) and goes on only past a record
// whose CRC holds, so it never reads an app's payload as a record; a record
// torn by a power cut fails its CRC and the rest of its block is not read.
//
// Writes append at the head. When free blocks run short the oldest block
// of the log is reclaimed: the live records that start in it (the newest
// of each app, and a deletion while an older record of its app survives
// elsewhere) are written again at the head, and only then is the block
// erased. A power cut at any program or erase therefore leaves, for every
// app, its last acknowledged content — the old record until the new one is
// wholly programmed, and at least one whole copy during a reclaim.
const (
	storBlockMagic = 0x4B42534D // "MSBK"
	storRecMagic   = 0x524D     // "MR"
	storBlockHdr   = 16
	storRecHdr     = 2 + 1 + 1 + 16 + 8 + 4
	storRecTrailer = 4
	storKindFile   = 1
	storKindDelete = 2
)

// storRecSize is the size of a record with an n-byte payload.
func storRecSize(n int) int { return storRecHdr + n + storRecTrailer }

// Block states.
const (
	blkDirty = iota // not in the log, not known to be erased: erase before use
	blkFree         // erased
	blkLog          // in the log
)

type storBlock struct {
	state int
	seq   uint32
	cont  uint32
}

// storRecord is one valid record in the log.
type storRecord struct {
	kind  uint8
	cid   [16]byte
	seq   uint64
	data  []byte
	first uint32 // the block it starts in
}

func (r *storRecord) size() int { return storRecSize(len(r.data)) }

// storageStore is a mounted MutableStorage partition.
type storageStore struct {
	flash      flashDevice
	base, size uint32
	block      uint32 // erase-block size
	data       uint32 // data bytes per block
	maxFile    int    // largest file accepted
	reserve    uint32 // free blocks kept for reclaiming
	blocks     []storBlock
	headBlk    uint32
	headOff    uint32 // offset in headBlk of the next byte; == block when full
	headOpen   bool
	nextSeq    uint64
	nextBlkSeq uint32
	live       map[[16]byte]*storRecord    // newest record per app
	byBlock    map[uint32][]*storRecord    // every valid record, by the block it starts in
	count      map[[16]byte]int            // valid records per app in the log
	sleep      func(d int64)               // virtual time of flash work (nil: none)
	onReclaim  func(blk uint32, moved int) // traced by the Security Monitor
}

// errStorageFull is returned when a file does not fit.
var errStorageFull = errors.New("mutable storage: the MutableStorage partition is full")

// mountStorage scans the partition [base, base+size) of f. maxFile bounds
// one file (secmonmsg.MaxStorageFile on a device).
func mountStorage(f flashDevice, base, size, block uint32, maxFile int) (*storageStore, error) {
	if block <= storBlockHdr || size%block != 0 || base%block != 0 {
		return nil, fmt.Errorf("mutable storage: partition of %d bytes at %#x is not whole %d-byte blocks", size, base, block)
	}
	s := &storageStore{flash: f, base: base, size: size, block: block, data: block - storBlockHdr, maxFile: maxFile,
		blocks: make([]storBlock, size/block), live: map[[16]byte]*storRecord{}, byBlock: map[uint32][]*storRecord{},
		count: map[[16]byte]int{}, nextSeq: 1, nextBlkSeq: 1}
	// Reclaiming the oldest block may copy up to one block of records and
	// the rest of one longest record: a write leaves that many blocks
	// free, plus one.
	s.reserve = s.blocksFor(int(s.data)+storRecSize(maxFile)) + 1
	if uint32(len(s.blocks)) < s.reserve+storSlack+2 {
		return nil, fmt.Errorf("mutable storage: partition of %d blocks is too small for %d-byte files (needs at least %d)", len(s.blocks), maxFile, s.reserve+storSlack+2)
	}
	raw := make([][]byte, len(s.blocks))
	var order []uint32
	for i := range s.blocks {
		b, err := f.Read(base+uint32(i)*block, block)
		if err != nil {
			return nil, fmt.Errorf("mutable storage: %w", err)
		}
		raw[i] = b
		if seq, cont, ok := s.parseBlockHeader(b); ok {
			s.blocks[i] = storBlock{state: blkLog, seq: seq, cont: cont}
			order = append(order, uint32(i))
			s.nextBlkSeq = max(s.nextBlkSeq, seq+1)
		} else if erased(b) {
			s.blocks[i].state = blkFree
		}
	}
	slices.SortFunc(order, func(a, b uint32) int { return int(int64(s.blocks[a].seq) - int64(s.blocks[b].seq)) })
	for oi, bi := range order {
		off := storBlockHdr + s.blocks[bi].cont
		for off < block {
			rec, end, ok := s.parseRecord(raw, order, oi, off)
			if !ok {
				break
			}
			s.add(rec)
			if end.blk != oi {
				off = block // it ran on into a later block, where parsing resumes after the continuation
				break
			}
			off = uint32(end.off)
		}
		if oi == len(order)-1 { // the head block
			s.headBlk, s.headOff, s.headOpen = bi, off, off < block && erased(raw[bi][off:])
		}
	}
	return s, nil
}

// pos is a place in the log: the index of a block in the log order and an
// offset in that block.
type pos struct{ blk, off int }

func (s *storageStore) parseBlockHeader(b []byte) (seq, cont uint32, ok bool) {
	if binary.LittleEndian.Uint32(b) != storBlockMagic || crc32.ChecksumIEEE(b[:12]) != binary.LittleEndian.Uint32(b[12:]) {
		return 0, 0, false
	}
	seq, cont = binary.LittleEndian.Uint32(b[4:]), uint32(binary.LittleEndian.Uint16(b[8:]))
	if cont > s.data || binary.LittleEndian.Uint16(b[10:]) != 0 {
		return 0, 0, false
	}
	return seq, cont, true
}

// gather reads n bytes of the log from block order[oi] at off on, running
// on into the following blocks only where each one's header says it
// continues exactly this record (exact; else at least n bytes of it: a
// record's header). ok is false if the log ends first.
func (s *storageStore) gather(raw [][]byte, order []uint32, oi int, off uint32, n int, exact bool) ([]byte, pos, bool) {
	out := make([]byte, 0, n)
	b := order[oi]
	take := min(n, int(s.block-off))
	out = append(out, raw[b][off:off+uint32(take)]...)
	end := pos{oi, int(off) + take}
	for len(out) < n {
		prev := s.blocks[order[oi]].seq
		oi++
		if oi >= len(order) {
			return nil, end, false
		}
		b = order[oi]
		rest := n - len(out)
		cont, want := int(s.blocks[b].cont), min(rest, int(s.data))
		if s.blocks[b].seq != prev+1 || cont < want || (exact && cont != want) {
			return nil, end, false
		}
		take = min(rest, int(s.data))
		out = append(out, raw[b][storBlockHdr:storBlockHdr+take]...)
		end = pos{oi, storBlockHdr + take}
	}
	return out, end, true
}

// parseRecord decodes the record at off in block order[oi].
func (s *storageStore) parseRecord(raw [][]byte, order []uint32, oi int, off uint32) (*storRecord, pos, bool) {
	if s.block-off < storRecHdr { // writeRecord starts no record there
		return nil, pos{}, false
	}
	if binary.LittleEndian.Uint16(raw[order[oi]][off:]) != storRecMagic {
		return nil, pos{}, false
	}
	hdr, _, ok := s.gather(raw, order, oi, off, storRecHdr, false)
	if !ok {
		return nil, pos{}, false
	}
	kind, l := hdr[2], binary.LittleEndian.Uint32(hdr[28:])
	if hdr[3] != 0 || (kind != storKindFile && kind != storKindDelete) || l > uint32(s.maxFile) || (kind == storKindDelete && l != 0) {
		return nil, pos{}, false
	}
	b, end, ok := s.gather(raw, order, oi, off, storRecSize(int(l)), true)
	if !ok {
		return nil, pos{}, false
	}
	n := len(b) - storRecTrailer
	if crc32.ChecksumIEEE(b[:n]) != binary.LittleEndian.Uint32(b[n:]) {
		return nil, pos{}, false
	}
	r := &storRecord{kind: kind, seq: binary.LittleEndian.Uint64(hdr[20:]), first: order[oi], data: b[storRecHdr:n:n]}
	copy(r.cid[:], hdr[4:20])
	return r, end, true
}

func erased(b []byte) bool {
	for _, c := range b {
		if c != 0xFF {
			return false
		}
	}
	return true
}

func (s *storageStore) blocksFor(n int) uint32 { return uint32((n + int(s.data) - 1) / int(s.data)) }

// add indexes a valid record.
func (s *storageStore) add(r *storRecord) {
	s.byBlock[r.first] = append(s.byBlock[r.first], r)
	s.count[r.cid]++
	if cur := s.live[r.cid]; cur == nil || r.seq > cur.seq {
		s.live[r.cid] = r
	}
	s.nextSeq = max(s.nextSeq, r.seq+1)
}

// read returns an app's file.
func (s *storageStore) read(cid [16]byte) ([]byte, bool) {
	r := s.live[cid]
	if r == nil || r.kind == storKindDelete {
		return nil, false
	}
	return slices.Clone(r.data), true
}

// files returns every app's file.
func (s *storageStore) files() map[[16]byte][]byte {
	out := map[[16]byte][]byte{}
	for cid, r := range s.live {
		if r.kind == storKindFile {
			out[cid] = slices.Clone(r.data)
		}
	}
	return out
}

// storSlack is the blocks the capacity leaves for partly filled blocks:
// the head, and one closed early by a torn record.
const storSlack = 3

// capacity is how many record bytes the live records and a new one may
// take together: the partition less the reclaim reserve and the slack.
func (s *storageStore) capacity() int {
	return int(uint32(len(s.blocks))-s.reserve-storSlack) * int(s.data)
}

// liveBytes is the size of the live records. The app's own counts too:
// its old file stays until the new one is wholly written.
func (s *storageStore) liveBytes() int {
	n := 0
	for _, r := range s.live {
		n += r.size()
	}
	return n
}

// write replaces an app's file; when it returns nil the new content is
// wholly programmed. It returns the record's sequence number.
func (s *storageStore) write(cid [16]byte, data []byte) (uint64, error) {
	if len(data) > s.maxFile {
		return 0, fmt.Errorf("mutable storage: a file of %d bytes exceeds the %d-byte limit", len(data), s.maxFile)
	}
	if used, n := s.liveBytes(), storRecSize(len(data)); used+n > s.capacity() {
		return 0, fmt.Errorf("%w: beside the %d bytes of live records, a %d-byte record does not fit in %d", errStorageFull, used, n, s.capacity())
	}
	return s.appendRecord(storKindFile, cid, data)
}

// remove deletes an app's file: it returns whether there was one.
func (s *storageStore) remove(cid [16]byte) (bool, error) {
	r := s.live[cid]
	if r == nil || r.kind == storKindDelete {
		return false, nil
	}
	_, err := s.appendRecord(storKindDelete, cid, nil)
	return err == nil, err
}

// freeBlocks counts the blocks not in the log.
func (s *storageStore) freeBlocks() uint32 {
	n := uint32(0)
	for _, b := range s.blocks {
		if b.state != blkLog {
			n++
		}
	}
	return n
}

// room is how many bytes of a new record fit in the head block: none when
// it is closed or too full to start a record in.
func (s *storageStore) room() int {
	if !s.headOpen || s.block-s.headOff < storRecHdr {
		return 0
	}
	return int(s.block - s.headOff)
}

// appendRecord makes room, then writes one record at the head.
func (s *storageStore) appendRecord(kind uint8, cid [16]byte, data []byte) (uint64, error) {
	n := storRecSize(len(data))
	for tries := 0; ; tries++ {
		room := s.room()
		need := uint32(0)
		if n > room {
			need = s.blocksFor(n - room)
		}
		if s.freeBlocks() >= need+s.reserve {
			break
		}
		if tries > 2*len(s.blocks) {
			return 0, fmt.Errorf("%w: nothing left to reclaim", errStorageFull)
		}
		if err := s.reclaim(); err != nil {
			return 0, err
		}
	}
	return s.writeRecord(kind, cid, data)
}

// oldest returns the first block of the log.
func (s *storageStore) oldest() (uint32, bool) {
	best, found := uint32(0), false
	for i, b := range s.blocks {
		if b.state == blkLog && (!found || b.seq < s.blocks[best].seq) {
			best, found = uint32(i), true
		}
	}
	return best, found
}

// reclaim frees the oldest block of the log: its live records are written
// again at the head before it is erased.
func (s *storageStore) reclaim() error {
	t, ok := s.oldest()
	if !ok {
		return fmt.Errorf("%w: the log is empty", errStorageFull)
	}
	if s.headBlk == t {
		s.headOpen = false // copies go to a new block
	}
	recs := s.byBlock[t]
	inT := map[[16]byte]int{}
	for _, r := range recs {
		inT[r.cid]++
	}
	moved := 0
	for _, r := range recs {
		if s.live[r.cid] != r {
			continue
		}
		if r.kind == storKindDelete && s.count[r.cid] == inT[r.cid] {
			// Nothing older survives elsewhere: the deletion can go. (Older
			// records sit in older blocks, reclaimed first, so this always
			// holds; the check keeps a deletion if it ever did not.)
			continue
		}
		if s.freeBlocks() < s.blocksFor(r.size())+1 {
			return fmt.Errorf("%w: no room to move a %d-byte record out of block %d", errStorageFull, r.size(), t)
		}
		if _, err := s.writeRecord(r.kind, r.cid, r.data); err != nil {
			return err
		}
		moved++
	}
	if err := s.erase(t); err != nil {
		return err
	}
	for _, r := range recs {
		s.count[r.cid]--
		if s.count[r.cid] == 0 {
			delete(s.count, r.cid)
		}
		if s.live[r.cid] == r { // a deletion with nothing older left
			delete(s.live, r.cid)
		}
	}
	delete(s.byBlock, t)
	if s.onReclaim != nil {
		s.onReclaim(t, moved)
	}
	return nil
}

// Cost of flash work in virtual time (emulator-defined): a NOR page
// program of up to 256 bytes, and one block erase (costErase).
const costStoragePage = 200 * sim.Microsecond

func (s *storageStore) wait(d int64) {
	if s.sleep != nil {
		s.sleep(d)
	}
}

func (s *storageStore) erase(i uint32) error {
	s.wait(costErase)
	s.blocks[i] = storBlock{state: blkDirty}
	if err := s.flash.Erase(s.base + i*s.block); err != nil {
		return fmt.Errorf("mutable storage: %w", err)
	}
	s.blocks[i].state = blkFree
	return nil
}

func (s *storageStore) program(off uint32, b []byte) error {
	s.wait(int64((len(b)+255)/256) * costStoragePage)
	if err := s.flash.Program(s.base+off, b); err != nil {
		return fmt.Errorf("mutable storage: %w", err)
	}
	return nil
}

// open makes a free block the head, its first cont data bytes continuing
// the record being written.
func (s *storageStore) open(cont uint32) error {
	n := uint32(len(s.blocks))
	var pick uint32
	found := false
	for k := uint32(1); k <= n; k++ {
		i := (s.headBlk + k) % n
		if s.blocks[i].state != blkLog {
			pick, found = i, true
			break
		}
	}
	if !found {
		return fmt.Errorf("%w: no free block", errStorageFull)
	}
	if s.blocks[pick].state != blkFree {
		if err := s.erase(pick); err != nil {
			return err
		}
	}
	seq := s.nextBlkSeq
	s.nextBlkSeq++
	h := make([]byte, storBlockHdr)
	binary.LittleEndian.PutUint32(h, storBlockMagic)
	binary.LittleEndian.PutUint32(h[4:], seq)
	binary.LittleEndian.PutUint16(h[8:], uint16(cont))
	binary.LittleEndian.PutUint32(h[12:], crc32.ChecksumIEEE(h[:12]))
	s.blocks[pick] = storBlock{state: blkLog, seq: seq, cont: cont}
	s.headBlk, s.headOff, s.headOpen = pick, storBlockHdr, false
	if err := s.program(pick*s.block, h); err != nil {
		return err
	}
	s.headOpen = true
	return nil
}

// writeRecord programs one record at the head, opening blocks as it goes.
// The head has room (appendRecord and reclaim made sure).
func (s *storageStore) writeRecord(kind uint8, cid [16]byte, data []byte) (uint64, error) {
	seq := s.nextSeq
	s.nextSeq++ // spent even if programming fails: a retry must not reuse it
	rec := make([]byte, storRecSize(len(data)))
	binary.LittleEndian.PutUint16(rec, storRecMagic)
	rec[2] = kind
	copy(rec[4:], cid[:])
	binary.LittleEndian.PutUint64(rec[20:], seq)
	binary.LittleEndian.PutUint32(rec[28:], uint32(len(data)))
	copy(rec[storRecHdr:], data)
	n := len(rec) - storRecTrailer
	binary.LittleEndian.PutUint32(rec[n:], crc32.ChecksumIEEE(rec[:n]))
	var first uint32
	if s.room() == 0 {
		s.headOpen = false
	}
	for off := 0; off < len(rec); {
		if !s.headOpen || s.headOff == s.block {
			cont := uint32(0)
			if off > 0 {
				cont = uint32(min(len(rec)-off, int(s.data)))
			}
			if err := s.open(cont); err != nil {
				return 0, err
			}
		}
		if off == 0 {
			first = s.headBlk
		}
		take := min(len(rec)-off, int(s.block-s.headOff))
		at := s.headBlk*s.block + s.headOff
		s.headOff += uint32(take)
		if err := s.program(at, rec[off:off+take]); err != nil {
			s.headOpen = false // the rest of the block holds a torn record
			return 0, err
		}
		off += take
	}
	s.add(&storRecord{kind: kind, cid: cid, seq: seq, data: slices.Clone(data), first: first})
	return seq, nil
}

// errStorageUnavailable is returned when the image has no MutableStorage partition.
var errStorageUnavailable = errors.New("mutable storage: the flash image has no MutableStorage partition")

// openStorage mounts the MutableStorage partition on first use.
func (s *SecurityMonitor) openStorage() (*storageStore, error) {
	if s.storage != nil {
		return s.storage, nil
	}
	if s.locator == nil {
		return nil, errStorageUnavailable
	}
	ps := s.locator.All(image.PartitionTypeMutableStorage)
	if len(ps) == 0 {
		return nil, errStorageUnavailable
	}
	p := ps[0]
	s.proc.Sleep(int64(p.Size) * costFlashPerByte)
	st, err := mountStorage(s.flash, p.Offset, p.Size, image.EraseBlockSize, secmonmsg.MaxStorageFile)
	if err != nil {
		return nil, err
	}
	st.sleep = s.proc.Sleep
	st.onReclaim = func(blk uint32, moved int) {
		s.tr.Emit(trace.Secmon, "storage.reclaim", trace.Uint("block", uint64(blk)), trace.Int("moved", int64(moved)))
	}
	s.storage = st
	s.tr.Emit(trace.Secmon, "storage.mount", trace.Int("files", int64(len(st.files()))), trace.Uint("free_blocks", uint64(st.freeBlocks())))
	return st, nil
}

// serveStorage answers the kernel's mutable storage requests.
func (s *SecurityMonitor) serveStorage(m mailbox.Message) {
	var (
		cid  [16]byte
		data []byte
		err  error
	)
	if m.Kind == secmonmsg.KindStorageWrite {
		var w secmonmsg.StorageWrite
		w, err = secmonmsg.UnmarshalStorageWrite(m.Payload)
		cid, data = w.ComponentID, w.Data
	} else {
		cid, err = secmonmsg.DecodeComponentID(m.Payload)
	}
	if err != nil {
		s.reject(m, secmonmsg.ErrBadRequest, err.Error())
		return
	}
	id := image.GUID(cid).String()
	st, err := s.openStorage()
	if err != nil {
		s.tr.Emit(trace.Secmon, "storage.error", trace.Str("cid", id), trace.Str("reason", err.Error()))
		s.reject(m, secmonmsg.ErrStorage, err.Error())
		return
	}
	fail := func(err error) {
		// Whatever the flash now holds is what the next mount reads: drop
		// the in-memory view rather than trust it.
		s.storage = nil
		code := secmonmsg.ErrStorage
		if errors.Is(err, errStorageFull) {
			code = secmonmsg.ErrStorageFull
		}
		s.tr.Emit(trace.Secmon, "storage.error", trace.Str("cid", id), trace.Str("reason", err.Error()))
		s.reject(m, code, err.Error())
	}
	switch m.Kind {
	case secmonmsg.KindStorageRead:
		b, found := st.read(cid)
		c := secmonmsg.StorageContent{Found: found, Data: b}
		_ = s.ep.Reply(m, c.Marshal())
	case secmonmsg.KindStorageWrite:
		seq, err := st.write(cid, data)
		if err != nil {
			fail(err)
			return
		}
		s.tr.Emit(trace.Secmon, "storage.commit", trace.Str("cid", id), trace.Uint("seq", seq), trace.Int("bytes", int64(len(data))))
		_ = s.ep.Reply(m, secmonmsg.EncodeU64(seq))
	case secmonmsg.KindStorageDelete:
		existed, err := st.remove(cid)
		if err != nil {
			fail(err)
			return
		}
		_ = s.ep.Reply(m, secmonmsg.EncodeBool(existed))
	}
}

// ReadMutableStorage scans the MutableStorage partition of a flash part
// without changing it and returns every app's file by component ID (lower
// case), as the next boot would find them.
func ReadMutableStorage(f interface {
	Read(off, n uint32) ([]byte, error)
}, p image.Partition) (map[string][]byte, error) {
	st, err := mountStorage(readOnlyFlash{f}, p.Offset, p.Size, image.EraseBlockSize, secmonmsg.MaxStorageFile)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for cid, b := range st.files() {
		out[image.GUID(cid).String()] = b
	}
	return out, nil
}

// MutableStorageWrite is one step of WriteMutableStorage: an app's new file,
// or the deletion of its file.
type MutableStorageWrite struct {
	ComponentID string
	Data        []byte
	Delete      bool
}

// WriteMutableStorage writes files into the MutableStorage partition of a
// flash part no device is running on, through the store the Security
// Monitor runs (reclaiming blocks as it does): a factory provisioning step,
// and how tests build a well-used partition. It returns how many blocks of
// the partition are free at the end.
func WriteMutableStorage(f interface {
	Read(off, n uint32) ([]byte, error)
	Program(off uint32, data []byte) error
	Erase(off uint32) error
}, p image.Partition, writes []MutableStorageWrite) (int, error) {
	st, err := mountStorage(f, p.Offset, p.Size, image.EraseBlockSize, secmonmsg.MaxStorageFile)
	if err != nil {
		return 0, err
	}
	for i, w := range writes {
		id, err := image.ParseGUID(w.ComponentID)
		if err != nil {
			return 0, fmt.Errorf("mutable storage: write %d: %w", i, err)
		}
		if w.Delete {
			_, err = st.remove(id)
		} else {
			_, err = st.write(id, w.Data)
		}
		if err != nil {
			return 0, fmt.Errorf("mutable storage: write %d: %w", i, err)
		}
	}
	return int(st.freeBlocks()), nil
}
