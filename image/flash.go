package image

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
)

// Flash geometry and locator placement. The real locator table format is
// not public; this layout is emulator-defined.
const (
	EraseBlockSize      = 4096     // flash erase block; partitions are aligned to it
	DefaultFlashSize    = 16 << 20 // MT3620 on-package flash
	LocatorOffset       = 0        // primary locator table (PartitionTypeLocatorTable)
	LocatorBackupOffset = 0x1000   // backup copy (PartitionTypeLocatorTableBackup)
)

// LocatorMagic is the first four bytes of a locator table, "SLT1".
const LocatorMagic = "SLT1"

// Locator table versions. Version 1 is what BuildFlash writes (a factory
// image, generation 0); version 2 adds a generation number, written by the
// Security Monitor when an update installs a new layout.
const (
	LocatorVersion           = 1
	LocatorVersionGeneration = 2
)

// Locator table encoding sizes.
const (
	locatorHeaderLen = 12 // magic, version, count, flash size
	locatorEntryLen  = 16
	locatorCRCLen    = 4
	// MaxPartitions is the most partitions one 4 KiB locator table can hold.
	MaxPartitions = (EraseBlockSize - locatorHeaderLen - locatorCRCLen) / locatorEntryLen
)

// Partition is one locator table entry: a block-aligned flash region.
type Partition struct {
	Type      PartitionType
	ImageType ImageType // image held in the partition; 0 for none
	Offset    uint32    // from the start of flash; a multiple of EraseBlockSize
	Size      uint32    // allocated bytes; a multiple of EraseBlockSize
	Length    uint32    // bytes in use, at most Size
}

// End returns the offset just past the partition's allocated bytes.
func (p Partition) End() uint64 { return uint64(p.Offset) + uint64(p.Size) }

// String describes p as "Type/ImageType @0xOFFSET".
func (p Partition) String() string {
	it := "-"
	if p.ImageType != 0 {
		it = p.ImageType.String()
	}
	return fmt.Sprintf("%v/%s @0x%x", p.Type, it, p.Offset)
}

// Locator is the flash locator table: the flash size and the partitions in
// it. Generation orders the two copies when an update is in progress: the
// newer layout is tried first and the older is the fallback.
type Locator struct {
	FlashSize  uint32
	Generation uint32 // 0 for a factory image (a version-1 table)
	Partitions []Partition
}

// Marshal encodes l as one 4 KiB locator table, after checking it as ParseLocator would.
func (l *Locator) Marshal() ([]byte, error) {
	if l == nil {
		return nil, errors.New("image locator: nil locator")
	}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("image locator: %w", err)
	}
	out := make([]byte, 0, EraseBlockSize)
	out = append(out, LocatorMagic...)
	if l.Generation == 0 {
		out = binary.LittleEndian.AppendUint16(out, LocatorVersion)
		out = binary.LittleEndian.AppendUint16(out, uint16(len(l.Partitions)))
		out = binary.LittleEndian.AppendUint32(out, l.FlashSize)
	} else {
		if len(l.Partitions) > MaxPartitions-1 {
			return nil, fmt.Errorf("image locator: %d partitions, the limit of a version-2 table is %d", len(l.Partitions), MaxPartitions-1)
		}
		out = binary.LittleEndian.AppendUint16(out, LocatorVersionGeneration)
		out = binary.LittleEndian.AppendUint16(out, uint16(len(l.Partitions)))
		out = binary.LittleEndian.AppendUint32(out, l.FlashSize)
		out = binary.LittleEndian.AppendUint32(out, l.Generation)
	}
	for _, p := range l.Partitions {
		out = binary.LittleEndian.AppendUint16(out, uint16(p.Type))
		out = binary.LittleEndian.AppendUint16(out, uint16(p.ImageType))
		out = binary.LittleEndian.AppendUint32(out, p.Offset)
		out = binary.LittleEndian.AppendUint32(out, p.Size)
		out = binary.LittleEndian.AppendUint32(out, p.Length)
	}
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(out))
	return append(out, bytes.Repeat([]byte{0xFF}, EraseBlockSize-len(out))...), nil
}

// ParseLocator parses the locator table at the start of b (only the first
// EraseBlockSize bytes are read) and checks magic, version and CRC, and that
// every partition is block-aligned, lies inside the flash, uses no more than
// it allocates and overlaps no other.
func ParseLocator(b []byte) (*Locator, error) {
	if len(b) > EraseBlockSize {
		b = b[:EraseBlockSize]
	}
	if len(b) < locatorHeaderLen+locatorCRCLen {
		return nil, fmt.Errorf("image locator: %d bytes is shorter than the %d-byte minimum", len(b), locatorHeaderLen+locatorCRCLen)
	}
	if string(b[:4]) != LocatorMagic {
		return nil, fmt.Errorf("image locator: magic is %q, want %q", b[:4], LocatorMagic)
	}
	header, limit := locatorHeaderLen, MaxPartitions
	switch v := binary.LittleEndian.Uint16(b[4:]); v {
	case LocatorVersion:
	case LocatorVersionGeneration:
		header, limit = locatorHeaderLen+4, MaxPartitions-1
	default:
		return nil, fmt.Errorf("image locator: version is %d, want %d or %d", v, LocatorVersion, LocatorVersionGeneration)
	}
	count := int(binary.LittleEndian.Uint16(b[6:]))
	if count > limit {
		return nil, fmt.Errorf("image locator: %d partitions, the limit is %d", count, limit)
	}
	if len(b) < header+locatorCRCLen {
		return nil, fmt.Errorf("image locator: %d bytes is shorter than the %d-byte header", len(b), header+locatorCRCLen)
	}
	crcAt := header + count*locatorEntryLen
	if len(b) < crcAt+locatorCRCLen {
		return nil, fmt.Errorf("image locator: %d partitions overrun the %d bytes given", count, len(b))
	}
	if got, want := binary.LittleEndian.Uint32(b[crcAt:]), crc32.ChecksumIEEE(b[:crcAt]); got != want {
		return nil, fmt.Errorf("image locator: CRC is 0x%08x, want 0x%08x", got, want)
	}
	l := &Locator{FlashSize: binary.LittleEndian.Uint32(b[8:]), Partitions: make([]Partition, count)}
	if header > locatorHeaderLen {
		l.Generation = binary.LittleEndian.Uint32(b[12:])
		if l.Generation == 0 {
			return nil, errors.New("image locator: a version-2 table has generation 0")
		}
	}
	for i := range l.Partitions {
		e := b[header+i*locatorEntryLen:]
		l.Partitions[i] = Partition{
			Type:      PartitionType(binary.LittleEndian.Uint16(e)),
			ImageType: ImageType(binary.LittleEndian.Uint16(e[2:])),
			Offset:    binary.LittleEndian.Uint32(e[4:]),
			Size:      binary.LittleEndian.Uint32(e[8:]),
			Length:    binary.LittleEndian.Uint32(e[12:]),
		}
	}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("image locator: %w", err)
	}
	return l, nil
}

// validate checks the flash size and the partitions' placement.
func (l *Locator) validate() error {
	if l.FlashSize == 0 || l.FlashSize%EraseBlockSize != 0 {
		return fmt.Errorf("flash size 0x%x is not a non-zero multiple of 0x%x", l.FlashSize, EraseBlockSize)
	}
	if len(l.Partitions) > MaxPartitions {
		return fmt.Errorf("%d partitions, the limit is %d", len(l.Partitions), MaxPartitions)
	}
	for i, p := range l.Partitions {
		switch {
		case p.Offset%EraseBlockSize != 0 || p.Size%EraseBlockSize != 0:
			return fmt.Errorf("partition %d (%v): offset 0x%x or size 0x%x is not a multiple of 0x%x", i, p, p.Offset, p.Size, EraseBlockSize)
		case p.Size == 0:
			return fmt.Errorf("partition %d (%v) has size 0", i, p)
		case p.End() > uint64(l.FlashSize):
			return fmt.Errorf("partition %d (%v) ends at 0x%x, past the end of flash (0x%x)", i, p, p.End(), l.FlashSize)
		case p.Length > p.Size:
			return fmt.Errorf("partition %d (%v) uses %d bytes but allocates %d", i, p, p.Length, p.Size)
		}
	}
	idx := make([]int, len(l.Partitions))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(l.Partitions[a].Offset, l.Partitions[b].Offset) })
	for k := 1; k < len(idx); k++ {
		prev, cur := l.Partitions[idx[k-1]], l.Partitions[idx[k]]
		if prev.End() > uint64(cur.Offset) {
			return fmt.Errorf("partition %d (%v) overlaps partition %d (%v)", idx[k], cur, idx[k-1], prev)
		}
	}
	return nil
}

// Find returns the first partition of type t holding an image of type it.
func (l *Locator) Find(t PartitionType, it ImageType) (Partition, bool) {
	if l == nil {
		return Partition{}, false
	}
	for _, p := range l.Partitions {
		if p.Type == t && p.ImageType == it {
			return p, true
		}
	}
	return Partition{}, false
}

// All returns the partitions of type t in table order.
func (l *Locator) All(t PartitionType) []Partition {
	if l == nil {
		return nil
	}
	var out []Partition
	for _, p := range l.Partitions {
		if p.Type == t {
			out = append(out, p)
		}
	}
	return out
}

// PartitionData returns the used bytes of p from a flash image file, or an
// error if they extend past the end of the file (erased flash cannot hold a
// valid image). The result aliases flash.
func PartitionData(flash []byte, p Partition) ([]byte, error) {
	end := uint64(p.Offset) + uint64(p.Length)
	if end > uint64(len(flash)) {
		return nil, fmt.Errorf("image: partition %v uses bytes up to 0x%x, past the end of the image file (0x%x)", p, end, len(flash))
	}
	return flash[p.Offset:end:end], nil
}

// SamePartitions reports whether l and o describe the same partitions, in
// the same order (their generations may differ).
func (l *Locator) SamePartitions(o *Locator) bool {
	return l != nil && o != nil && l.FlashSize == o.FlashSize && slices.Equal(l.Partitions, o.Partitions)
}

// Layouts is what a reader makes of the two locator copies: the layout to
// boot (Current), the other valid one if any (Fallback), and whether an
// update is on trial — both copies valid and different, the newer one not
// yet confirmed.
type Layouts struct {
	Current     *Locator
	CurrentCopy int // 0 for the primary copy, 1 for the backup
	Fallback    *Locator
	Trial       bool
	// Damaged says why a copy was unusable (empty if both parsed).
	Damaged string
}

// ReadLayouts parses both locator copies and picks the one to boot: the
// valid copy with the higher generation, the primary on a tie. It fails only
// if neither copy is valid.
func ReadLayouts(primary, backup []byte) (Layouts, error) {
	p, perr := ParseLocator(primary)
	b, berr := ParseLocator(backup)
	switch {
	case perr != nil && berr != nil:
		return Layouts{}, fmt.Errorf("no valid locator table: primary: %v; backup: %v", perr, berr)
	case perr != nil:
		return Layouts{Current: b, CurrentCopy: 1, Damaged: "primary: " + perr.Error()}, nil
	case berr != nil:
		return Layouts{Current: p, Damaged: "backup: " + berr.Error()}, nil
	}
	l := Layouts{Current: p, Fallback: b}
	if b.Generation > p.Generation {
		l = Layouts{Current: b, CurrentCopy: 1, Fallback: p}
	}
	l.Trial = !p.SamePartitions(b)
	if !l.Trial {
		l.Fallback = nil
	}
	return l, nil
}
