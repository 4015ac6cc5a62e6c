// Package hw holds sphere-emu's passive hardware: flash, GPIO pins and the
// like. Hardware does nothing on its own; the domain that owns a part (per
// the MT3620's firewalls) drives it, and other domains must ask that owner.
package hw

import (
	"errors"
	"fmt"
)

// Flash is the MT3620's serial NOR flash: reads of erased bytes give 0xFF,
// and a write can only clear bits until the 4 KiB block is erased.
//
// It stores the image file's bytes plus a sparse overlay of written blocks,
// so a 16 MiB part costs only what is actually used.
type Flash struct {
	size   uint32
	base   []byte            // the flash image file: the first len(base) bytes
	blocks map[uint32][]byte // 4 KiB blocks written since power-on
	ops    uint64            // program and erase operations so far
	hook   func(FlashOp) FlashOutcome
	stuck  stuckBits // cells stuck at a value (StickBit), by byte offset
}

// FlashOp is one program or erase operation, numbered from 1 over the
// part's life (Flash.Ops).
type FlashOp struct {
	N      uint64
	Erase  bool // an erase of the block at Offset; else a program of Length bytes
	Offset uint32
	Length int
}

// FlashOutcome is what a hook makes of an operation: a fault model of the
// part, for power-cut and wear tests.
type FlashOutcome int

// Flash operation outcomes.
const (
	FlashProceed FlashOutcome = iota // the operation completes
	FlashTear                        // power fails half-way: the first half of the bytes change, the rest keep their old value
	FlashFail                        // the operation is refused and changes nothing (a worn or locked region)
)

// ErrFlashFault is returned for an operation a hook failed or tore.
var ErrFlashFault = errors.New("flash: operation did not complete")

// SetOpHook installs h, called before every program and erase (nil removes it).
func (f *Flash) SetOpHook(h func(FlashOp) FlashOutcome) { f.hook = h }

// OpHook returns the installed hook (nil if none), so a new hook can
// compose with it.
func (f *Flash) OpHook() func(FlashOp) FlashOutcome { return f.hook }

// Ops returns how many program and erase operations the part has seen.
func (f *Flash) Ops() uint64 { return f.ops }

// outcome numbers an operation and asks the hook what becomes of it.
func (f *Flash) outcome(erase bool, off uint32, n int) FlashOutcome {
	f.ops++
	if f.hook == nil {
		return FlashProceed
	}
	return f.hook(FlashOp{N: f.ops, Erase: erase, Offset: off, Length: n})
}

// FlashBlockSize is the erase-block size.
const FlashBlockSize = 4096

// NewFlash returns a flash part of size bytes whose first bytes are contents.
func NewFlash(size uint32, contents []byte) (*Flash, error) {
	if uint64(len(contents)) > uint64(size) {
		return nil, fmt.Errorf("flash: image of %d bytes does not fit a %d-byte part", len(contents), size)
	}
	return &Flash{size: size, base: contents, blocks: map[uint32][]byte{}}, nil
}

// Size returns the part's size in bytes.
func (f *Flash) Size() uint32 { return f.size }

func (f *Flash) check(off, n uint32) error {
	if uint64(off)+uint64(n) > uint64(f.size) {
		return fmt.Errorf("flash: access of %d bytes at %#x is beyond the %d-byte part", n, off, f.size)
	}
	return nil
}

// Read returns a copy of n bytes at off.
func (f *Flash) Read(off, n uint32) ([]byte, error) {
	if err := f.check(off, n); err != nil {
		return nil, err
	}
	out := make([]byte, n)
	for i := uint32(0); i < n; {
		addr := off + i
		blk, in := addr/FlashBlockSize, addr%FlashBlockSize
		chunk := min(n-i, FlashBlockSize-in)
		if b, ok := f.blocks[blk]; ok {
			copy(out[i:i+chunk], b[in:in+chunk])
		} else {
			f.readBase(out[i:i+chunk], addr)
		}
		i += chunk
	}
	return out, nil
}

func (f *Flash) readBase(dst []byte, addr uint32) {
	n := 0
	if uint64(addr) < uint64(len(f.base)) {
		n = copy(dst, f.base[addr:])
	}
	for i := n; i < len(dst); i++ {
		dst[i] = 0xFF
	}
}

func (f *Flash) block(blk uint32) []byte {
	b, ok := f.blocks[blk]
	if !ok {
		b = make([]byte, FlashBlockSize)
		f.readBase(b, blk*FlashBlockSize)
		f.blocks[blk] = b
	}
	return b
}

// Program writes data at off with NOR semantics: each byte becomes old AND new.
func (f *Flash) Program(off uint32, data []byte) error {
	if err := f.check(off, uint32(len(data))); err != nil {
		return err
	}
	out := f.outcome(false, off, len(data))
	if out == FlashFail {
		return fmt.Errorf("%w: program of %d bytes at %#x failed", ErrFlashFault, len(data), off)
	}
	if out == FlashTear {
		data = data[:len(data)/2]
	}
	for i, v := range data {
		addr := off + uint32(i)
		b := f.block(addr / FlashBlockSize)
		b[addr%FlashBlockSize] &= v
	}
	f.restick(off, uint32(len(data)))
	if out == FlashTear {
		return fmt.Errorf("%w: program at %#x torn by a power cut", ErrFlashFault, off)
	}
	return nil
}

// Erase sets the 4 KiB block containing off to 0xFF.
func (f *Flash) Erase(off uint32) error {
	if err := f.check(off, 1); err != nil {
		return err
	}
	out := f.outcome(true, off/FlashBlockSize*FlashBlockSize, FlashBlockSize)
	if out == FlashFail {
		return fmt.Errorf("%w: erase of the block at %#x failed", ErrFlashFault, off)
	}
	b := f.block(off / FlashBlockSize)
	n := len(b)
	if out == FlashTear {
		n /= 2
	}
	for i := range b[:n] {
		b[i] = 0xFF
	}
	f.restick(off/FlashBlockSize*FlashBlockSize, FlashBlockSize)
	if out == FlashTear {
		return fmt.Errorf("%w: erase at %#x torn by a power cut", ErrFlashFault, off)
	}
	return nil
}

// FlipBit inverts one bit, as a fault in the flash cells would; it is the
// hook for fault injection and ignores NOR write rules.
func (f *Flash) FlipBit(off uint32, bit uint8) error {
	if err := f.check(off, 1); err != nil {
		return err
	}
	b := f.block(off / FlashBlockSize)
	b[off%FlashBlockSize] ^= 1 << (bit & 7)
	return nil
}

// StickBit makes one bit a stuck cell, as a worn or damaged flash cell is:
// it takes value now and keeps it through every later program and erase.
// It is the hook for fault injection.
func (f *Flash) StickBit(off uint32, bit uint8, value bool) error {
	if err := f.check(off, 1); err != nil {
		return err
	}
	f.stuck.stick(off, bit, value)
	f.restick(off, 1)
	return nil
}

// restick applies the stuck cells in [off, off+n) to the stored bytes.
func (f *Flash) restick(off, n uint32) {
	if len(f.stuck) == 0 {
		return
	}
	f.stuck.apply(off, n, 0, func(a uint32) *byte {
		return &f.block(a / FlashBlockSize)[a%FlashBlockSize]
	})
}

// WrittenBlocks returns a copy of every 4 KiB block written or erased since
// the part was built, by block index: with the image file, the part's whole
// state.
func (f *Flash) WrittenBlocks() map[uint32][]byte {
	out := make(map[uint32][]byte, len(f.blocks))
	for i, b := range f.blocks {
		out[i] = append([]byte(nil), b...)
	}
	return out
}

// RestoreBlock sets block i to data, a block saved by WrittenBlocks; it
// ignores NOR write rules, as restoring a saved part does.
func (f *Flash) RestoreBlock(i uint32, data []byte) error {
	if len(data) != FlashBlockSize {
		return fmt.Errorf("flash: block %d: %d bytes, want %d", i, len(data), FlashBlockSize)
	}
	if uint64(i+1)*FlashBlockSize > uint64(f.size) {
		return fmt.Errorf("flash: block %d is beyond the %d-byte part", i, f.size)
	}
	f.blocks[i] = append([]byte(nil), data...)
	return nil
}
