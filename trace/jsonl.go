package trace

import (
	"bufio"
	"io"
	"strconv"
	"unicode/utf8"
)

// JSONL writes one JSON object per event and line: {"t":…,"dom":…,"ev":…,<fields in order>}.
// Call Flush when done.
type JSONL struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// NewJSONL returns a JSON-lines sink writing to w.
func NewJSONL(w io.Writer) *JSONL { return &JSONL{w: bufio.NewWriter(w)} }

// Event writes e as one line.
func (j *JSONL) Event(e *Event) {
	if j.err != nil {
		return
	}
	j.buf = AppendJSON(j.buf[:0], e)
	j.buf = append(j.buf, '\n')
	_, j.err = j.w.Write(j.buf)
}

// Flush writes buffered lines and reports the first write error.
func (j *JSONL) Flush() error {
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}

// AppendJSON appends e as a single JSON object, fields in emission order.
func AppendJSON(b []byte, e *Event) []byte {
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, e.T, 10)
	b = append(b, `,"dom":`...)
	b = appendString(b, e.Dom)
	b = append(b, `,"ev":`...)
	b = appendString(b, e.Ev)
	for _, f := range e.Fields {
		b = append(b, ',')
		b = appendString(b, f.Key)
		b = append(b, ':')
		switch v := f.Val.(type) {
		case string:
			b = appendString(b, v)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case uint64:
			b = strconv.AppendUint(b, v, 10)
		case uint32:
			b = strconv.AppendUint(b, uint64(v), 10)
		case bool:
			b = strconv.AppendBool(b, v)
		default:
			b = appendString(b, formatValue(v))
		}
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping as encoding/json does
// (without HTML escaping) and replacing invalid UTF-8 with U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
