package fuel

import (
	"fmt"
	"unicode/utf8"
)

// Error is the error Instrument returns for a module it cannot decode or
// instrument: malformed input, or a feature the pass does not handle.
type Error struct {
	Offset  int    // byte offset in the input module of the offending item
	Section string // section being decoded ("header", "import", "code", "name", ...)
	Func    int    // index (in the input module) of the function being rewritten, or -1
	Opcode  string // the offending instruction ("0x06", "0xfd 0x9a"), or ""
	Msg     string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("fuel: %s section, offset %#x", e.Section, e.Offset)
	if e.Func >= 0 {
		s += fmt.Sprintf(", function %d", e.Func)
	}
	if e.Opcode != "" {
		s += ", opcode " + e.Opcode
	}
	return s + ": " + e.Msg
}

// failure is the panic value reader methods use to unwind to Instrument,
// which turns it back into the *Error it carries.
type failure struct{ err *Error }

// reader decodes a byte slice that starts at absolute offset base of the
// module. Every method checks bounds and reports malformed input by
// panicking with a failure, which Instrument recovers.
type reader struct {
	b    []byte
	p    int
	base int
	sec  string
	fn   int // function index for error messages, or -1
}

func newReader(b []byte, base int, sec string) *reader {
	return &reader{b: b, base: base, sec: sec, fn: -1}
}

func (r *reader) failAt(p int, op string, format string, args ...any) {
	panic(failure{&Error{Offset: r.base + p, Section: r.sec, Func: r.fn, Opcode: op, Msg: fmt.Sprintf(format, args...)}})
}

func (r *reader) fail(format string, args ...any) { r.failAt(r.p, "", format, args...) }

func (r *reader) eof() bool  { return r.p >= len(r.b) }
func (r *reader) left() int  { return len(r.b) - r.p }
func (r *reader) abs() int   { return r.base + r.p }
func (r *reader) peek() byte { return r.b[r.p] } // callers check eof first

func (r *reader) byte() byte {
	if r.p >= len(r.b) {
		r.fail("unexpected end of %s", r.sec)
	}
	c := r.b[r.p]
	r.p++
	return c
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b)-r.p {
		r.fail("unexpected end of %s (need %d bytes, have %d)", r.sec, n, len(r.b)-r.p)
	}
	s := r.b[r.p : r.p+n]
	r.p += n
	return s
}

func (r *reader) leb(what string, bits uint, signed bool) (uint64, int64) {
	var u uint64
	var s int64
	var n int
	var err error
	if signed {
		s, n, err = decodeSLEB(r.b[r.p:], bits)
	} else {
		u, n, err = decodeULEB(r.b[r.p:], bits)
	}
	if err != nil {
		r.fail("%s: %v", what, err)
	}
	r.p += n
	return u, s
}

func (r *reader) u32(what string) uint32 { u, _ := r.leb(what, 32, false); return uint32(u) }
func (r *reader) s32(what string) int32  { _, s := r.leb(what, 32, true); return int32(s) }
func (r *reader) s33(what string) int64  { _, s := r.leb(what, 33, true); return s }
func (r *reader) s64(what string) int64  { _, s := r.leb(what, 64, true); return s }

// count reads a vector length and checks that at least min bytes per element
// remain, so that a hostile count cannot make the pass allocate or loop for
// long.
func (r *reader) count(what string, minBytes int) int {
	at := r.p
	n := r.u32(what)
	if minBytes > 0 && uint64(n)*uint64(minBytes) > uint64(r.left()) {
		r.failAt(at, "", "%s %d exceeds the %d bytes left", what, n, r.left())
	}
	return int(n)
}

func (r *reader) name(what string) string {
	at := r.p
	n := r.u32(what + " length")
	b := r.bytes(int(n))
	if !utf8.Valid(b) {
		r.failAt(at, "", "%s is not valid UTF-8", what)
	}
	return string(b)
}

// valType reads a value type, as wazero v1.12.0 decodes them (whatever the
// enabled features): numeric, v128, funcref, externref, exnref, and the
// typed references (ref null? ht) of the function references proposal.
func (r *reader) valType() {
	at := r.p
	t := r.byte()
	switch t {
	case 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x69: // i32 i64 f32 f64 v128 funcref externref exnref
	case 0x63, 0x64: // (ref null ht), (ref ht)
		r.heapType()
	default:
		r.failAt(at, "", "unsupported value type %#x", t)
	}
}

// heapType reads the heap type of a typed reference: a type index, or func,
// extern or exn.
func (r *reader) heapType() {
	at := r.p
	if ht := r.s33("heap type"); ht < 0 && ht != -16 && ht != -17 && ht != -23 {
		r.failAt(at, "", "unsupported heap type %d", ht)
	}
}

// refType reads a reference type (tables, element segments).
func (r *reader) refType() {
	at := r.p
	switch t := r.byte(); t {
	case 0x70, 0x6f, 0x69:
	case 0x63, 0x64:
		r.heapType()
	default:
		r.failAt(at, "", "unsupported reference type %#x", t)
	}
}

// limits skips a table or memory limits (flags, min, optional max); memory64
// limits (flag bit 2) are not supported.
func (r *reader) limits() {
	at := r.p
	flags := r.byte()
	if flags > 3 {
		r.failAt(at, "", "unsupported limits flags %#x", flags)
	}
	r.u32("limits minimum")
	if flags&1 != 0 {
		r.u32("limits maximum")
	}
}

// refNull skips the immediate of ref.null as wazero v1.12.0 reads it: one
// byte for funcref, externref and exnref, else a type index (LEB128).
func (r *reader) refNull() {
	if !r.eof() {
		switch r.peek() {
		case 0x70, 0x6f, 0x69:
			r.p++
			return
		}
	}
	r.u32("ref.null type index")
}
