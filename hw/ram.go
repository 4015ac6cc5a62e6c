package hw

import "fmt"

// RAM is a range of physical memory that more than one core can reach, such
// as the A7 SYSRAM where the high-level app and a real-time app share their
// intercore ring buffers. Each side's firewall decides who may touch it;
// the RAM itself only checks bounds.
type RAM struct {
	base uint32
	size uint32
	b    []byte // allocated at the first write: until then every byte reads 0
	// stuck are bits stuck at a value (StickBit).
	stuck stuckBits
}

// NewRAM returns size bytes of zeroed memory at physical address base.
func NewRAM(base, size uint32) *RAM { return &RAM{base: base, size: size} }

// Base returns the physical address of the first byte.
func (r *RAM) Base() uint32 { return r.base }

// Size returns the size in bytes.
func (r *RAM) Size() uint32 { return r.size }

// Contains reports whether [addr, addr+n) lies inside the RAM.
func (r *RAM) Contains(addr, n uint32) bool {
	return addr >= r.base && uint64(addr-r.base)+uint64(n) <= uint64(r.size)
}

// Read copies len(p) bytes at physical address addr into p.
func (r *RAM) Read(addr uint32, p []byte) error {
	if !r.Contains(addr, uint32(len(p))) {
		return fmt.Errorf("ram: read of %d bytes at %#08x is outside %#08x+%#x: %w", len(p), addr, r.base, r.size, ErrInvalid)
	}
	if r.b == nil {
		clear(p)
		return nil
	}
	copy(p, r.b[addr-r.base:])
	return nil
}

// Write copies p to physical address addr.
func (r *RAM) Write(addr uint32, p []byte) error {
	if !r.Contains(addr, uint32(len(p))) {
		return fmt.Errorf("ram: write of %d bytes at %#08x is outside %#08x+%#x: %w", len(p), addr, r.base, r.size, ErrInvalid)
	}
	if r.b == nil {
		r.b = make([]byte, r.size)
	}
	copy(r.b[addr-r.base:], p)
	r.restick(addr, uint32(len(p)))
	return nil
}

// Poke changes the byte at physical address addr to f(the byte), for fault
// injection (a bit flip), and returns it before and after (as stored: a
// stuck bit keeps its value).
func (r *RAM) Poke(addr uint32, f func(byte) byte) (before, after byte, err error) {
	var b [1]byte
	if err := r.Read(addr, b[:]); err != nil {
		return 0, 0, err
	}
	before = b[0]
	if err := r.Write(addr, []byte{f(before)}); err != nil {
		return 0, 0, err
	}
	_ = r.Read(addr, b[:])
	return before, b[0], nil
}

// StickBit makes bit (0–7) of the byte at physical address addr a stuck
// cell: it takes value now and keeps it through every later write and
// Clear. It is the hook for fault injection.
func (r *RAM) StickBit(addr uint32, bit uint8, value bool) error {
	if !r.Contains(addr, 1) {
		return fmt.Errorf("ram: %#08x is outside %#08x+%#x: %w", addr, r.base, r.size, ErrInvalid)
	}
	if r.b == nil {
		r.b = make([]byte, r.size)
	}
	r.stuck.stick(addr, bit, value)
	r.restick(addr, 1)
	return nil
}

func (r *RAM) restick(addr, n uint32) {
	if len(r.stuck) > 0 {
		r.stuck.apply(addr, n, r.base, func(off uint32) *byte { return &r.b[off] })
	}
}

// Clear zeroes the RAM (but for its stuck bits).
func (r *RAM) Clear() {
	for i := range r.b {
		r.b[i] = 0
	}
	r.restick(r.base, r.size)
}
