package hw

// stuckBits are memory cells stuck at a value, as a worn or damaged cell
// is: whatever is written, they keep it (fault injection). Flash and RAM
// apply them after every write.
type stuckBits map[uint32]stuckCell

// stuckCell is a byte's stuck bits: they read (and stay) 0 in and0 == 0
// positions and 1 in or1 positions.
type stuckCell struct{ and0, or1 byte }

// stick makes bit (0–7) of the byte at address addr stuck at value.
func (s *stuckBits) stick(addr uint32, bit uint8, value bool) {
	if *s == nil {
		*s = stuckBits{}
	}
	c, ok := (*s)[addr]
	if !ok {
		c.and0 = 0xFF
	}
	m := byte(1) << (bit & 7)
	if value {
		c.or1 |= m
		c.and0 |= m
	} else {
		c.and0 &^= m
		c.or1 &^= m
	}
	(*s)[addr] = c
}

// apply forces the stuck bits of [addr, addr+n) in mem, whose byte i holds
// address base+i.
func (s stuckBits) apply(addr, n uint32, base uint32, mem func(off uint32) *byte) {
	for a, c := range s {
		if a >= addr && a-addr < n {
			b := mem(a - base)
			*b = *b&c.and0 | c.or1
		}
	}
}
