package fuel

import "errors"

// LEB128 as the WebAssembly binary format defines it: an N-bit integer takes
// at most ceil(N/7) bytes. Padded (non-minimal) encodings within that length
// are valid WebAssembly (wasm-ld pads relocatable indices to 5 bytes) and are
// accepted; a longer encoding, or a last byte whose unused bits are not zero
// (unsigned) or not a sign extension (signed), is rejected.

var (
	errLEBTruncated = errors.New("truncated LEB128")
	errLEBOverlong  = errors.New("overlong LEB128")
	errLEBOverflow  = errors.New("LEB128 overflows its type")
)

// decodeULEB decodes an unsigned LEB128 of at most bits (<= 64) bits from b and
// returns the value and the number of bytes read.
func decodeULEB(b []byte, bits uint) (uint64, int, error) {
	maxBytes := int((bits + 6) / 7)
	var v uint64
	var shift uint
	for i := 0; i < maxBytes; i++ {
		if i >= len(b) {
			return 0, 0, errLEBTruncated
		}
		c := b[i]
		if i == maxBytes-1 {
			if c&0x80 != 0 {
				return 0, 0, errLEBOverlong
			}
			if rem := bits - shift; rem < 7 && c>>rem != 0 {
				return 0, 0, errLEBOverflow
			}
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, i + 1, nil
		}
		shift += 7
	}
	return 0, 0, errLEBOverlong // not reached: the last byte returns above
}

// decodeSLEB decodes a signed LEB128 of at most bits (<= 64) bits from b and
// returns the sign-extended value and the number of bytes read.
func decodeSLEB(b []byte, bits uint) (int64, int, error) {
	maxBytes := int((bits + 6) / 7)
	var v int64
	var shift uint
	for i := 0; i < maxBytes; i++ {
		if i >= len(b) {
			return 0, 0, errLEBTruncated
		}
		c := b[i]
		if i == maxBytes-1 {
			if c&0x80 != 0 {
				return 0, 0, errLEBOverlong
			}
			// Bits rem-1 .. 6 of the last byte are the sign bit and its
			// extension: all zero or all one.
			rem := bits - shift
			if x := (c & 0x7f) >> (rem - 1); x != 0 && x != 0x7f>>(rem-1) {
				return 0, 0, errLEBOverflow
			}
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, errLEBOverlong // not reached
}

// appendULEB appends the minimal unsigned LEB128 encoding of v.
func appendULEB(dst []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}

// appendSLEB appends the minimal signed LEB128 encoding of v.
func appendSLEB(dst []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}
