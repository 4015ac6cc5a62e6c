package mailbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Encoder builds a payload from little-endian fixed-size integers and
// length-prefixed byte strings. The zero value is ready to use.
type Encoder struct{ b []byte }

// Bytes returns the encoded payload.
func (e *Encoder) Bytes() []byte { return e.b }

// U8 appends a byte.
func (e *Encoder) U8(v uint8) { e.b = append(e.b, v) }

// Bool appends a boolean as one byte (0 or 1).
func (e *Encoder) Bool(v bool) {
	if v {
		e.U8(1)
	} else {
		e.U8(0)
	}
}

// U16 appends a little-endian uint16.
func (e *Encoder) U16(v uint16) { e.b = binary.LittleEndian.AppendUint16(e.b, v) }

// U32 appends a little-endian uint32.
func (e *Encoder) U32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }

// I32 appends a little-endian int32.
func (e *Encoder) I32(v int32) { e.U32(uint32(v)) }

// U64 appends a little-endian uint64.
func (e *Encoder) U64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }

// Blob appends a u32 length and the bytes.
func (e *Encoder) Blob(v []byte) { e.U32(uint32(len(v))); e.b = append(e.b, v...) }

// String appends a u32 length and the UTF-8 bytes.
func (e *Encoder) String(v string) { e.U32(uint32(len(v))); e.b = append(e.b, v...) }

// Fixed appends bytes with no length prefix.
func (e *Encoder) Fixed(v []byte) { e.b = append(e.b, v...) }

// ErrShort is the error for a payload that ends early.
var ErrShort = errors.New("payload ends early")

// Decoder reads what an Encoder wrote. Errors are sticky: after the first
// error every read returns zero values, and Finish reports the error. It
// never panics, whatever the input.
type Decoder struct {
	b   []byte
	off int
	err error
}

// NewDecoder returns a decoder over p.
func NewDecoder(p []byte) *Decoder { return &Decoder{b: p} }

func (d *Decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.err = fmt.Errorf("%w: %s needs %d bytes at offset %d, %d left", ErrShort, what, n, d.off, len(d.b)-d.off)
		return nil
	}
	v := d.b[d.off : d.off+n]
	d.off += n
	return v
}

// U8 reads a byte.
func (d *Decoder) U8() uint8 {
	if v := d.take(1, "u8"); v != nil {
		return v[0]
	}
	return 0
}

// Bool reads a byte that must be 0 or 1.
func (d *Decoder) Bool() bool {
	v := d.U8()
	if v > 1 && d.err == nil {
		d.err = fmt.Errorf("boolean byte %d at offset %d is neither 0 nor 1", v, d.off-1)
	}
	return v == 1
}

// U16 reads a little-endian uint16.
func (d *Decoder) U16() uint16 {
	if v := d.take(2, "u16"); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

// U32 reads a little-endian uint32.
func (d *Decoder) U32() uint32 {
	if v := d.take(4, "u32"); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

// I32 reads a little-endian int32.
func (d *Decoder) I32() int32 { return int32(d.U32()) }

// U64 reads a little-endian uint64.
func (d *Decoder) U64() uint64 {
	if v := d.take(8, "u64"); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

// Blob reads a u32 length and that many bytes; the result aliases the payload.
func (d *Decoder) Blob() []byte {
	n := d.U32()
	if d.err != nil {
		return nil
	}
	if n > uint32(len(d.b)-d.off) {
		d.err = fmt.Errorf("%w: blob of %d bytes at offset %d, %d left", ErrShort, n, d.off, len(d.b)-d.off)
		return nil
	}
	return d.take(int(n), "blob")
}

// String reads a length-prefixed string that must be valid UTF-8.
func (d *Decoder) String() string {
	v := d.Blob()
	if d.err == nil && !utf8.Valid(v) {
		d.err = fmt.Errorf("string at offset %d is not valid UTF-8", d.off-len(v))
		return ""
	}
	return string(v)
}

// Fixed reads exactly n bytes with no length prefix.
func (d *Decoder) Fixed(n int) []byte { return d.take(n, "fixed field") }

// Err returns the first error.
func (d *Decoder) Err() error { return d.err }

// Finish returns the first error, or an error if bytes are left over.
func (d *Decoder) Finish() error {
	if d.err == nil && d.off != len(d.b) {
		d.err = fmt.Errorf("%d unexpected trailing bytes at offset %d", len(d.b)-d.off, d.off)
	}
	return d.err
}
