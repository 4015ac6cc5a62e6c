// Package mailbox is the only way across a trust boundary in sphere-emu.
//
// A message is a 12-byte header (from, to, kind, sequence, length) and a
// byte payload. Messages travel as bytes, never as Go values, so a fault can
// corrupt them in flight and the receiver must cope. Each domain owns one
// Endpoint; the Bus delivers bytes between endpoints over the links the
// hardware has, through bounded FIFOs.
package mailbox

import (
	"encoding/binary"
	"fmt"
)

// Addr names a trust domain's mailbox endpoint.
type Addr uint8

// Endpoint addresses. The numbering is emulator-defined.
const (
	Pluton  Addr = 1
	Secmon  Addr = 2
	Kernel  Addr = 3
	Appcore Addr = 4
	RTCore0 Addr = 5
	RTCore1 Addr = 6
	Device  Addr = 7
	maxAddr      = Device
)

var addrNames = [...]string{Pluton: "pluton", Secmon: "secmon", Kernel: "kernel", Appcore: "appcore", RTCore0: "rtcore0", RTCore1: "rtcore1", Device: "device"}

// String returns the domain name used in traces.
func (a Addr) String() string {
	if a >= 1 && a <= maxAddr {
		return addrNames[a]
	}
	return fmt.Sprintf("addr(%d)", uint8(a))
}

// Valid reports whether a names a known endpoint.
func (a Addr) Valid() bool { return a >= 1 && a <= maxAddr }

// Kind identifies a message type; its meaning depends on the receiver.
// Replies have ReplyFlag set and carry the sequence number of the request.
type Kind uint16

// ReplyFlag marks a reply; KindError is the error reply every endpoint understands.
const (
	ReplyFlag Kind = 0x8000
	KindError Kind = 0xFFFF
)

// IsReply reports whether k is a reply kind.
func (k Kind) IsReply() bool { return k&ReplyFlag != 0 }

// Reply returns the reply kind for request kind k.
func (k Kind) Reply() Kind { return k | ReplyFlag }

// HeaderSize is the size of the encoded header in bytes.
const HeaderSize = 12

// MaxPayload bounds a payload (4 MiB): larger lengths are malformed.
const MaxPayload = 4 << 20

// Message is a decoded mailbox message.
type Message struct {
	From, To Addr
	Kind     Kind
	Seq      uint32
	Payload  []byte
}

// Marshal encodes m: u8 from, u8 to, u16 kind, u32 seq, u32 length (all
// little-endian), then the payload.
func (m *Message) Marshal() []byte {
	b := make([]byte, HeaderSize+len(m.Payload))
	b[0] = byte(m.From)
	b[1] = byte(m.To)
	binary.LittleEndian.PutUint16(b[2:], uint16(m.Kind))
	binary.LittleEndian.PutUint32(b[4:], m.Seq)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(m.Payload)))
	copy(b[HeaderSize:], m.Payload)
	return b
}

// Unmarshal decodes b, checking the header; the payload aliases b.
func Unmarshal(b []byte) (Message, error) {
	if len(b) < HeaderSize {
		return Message{}, fmt.Errorf("mailbox: message of %d bytes is shorter than the %d-byte header", len(b), HeaderSize)
	}
	m := Message{
		From: Addr(b[0]),
		To:   Addr(b[1]),
		Kind: Kind(binary.LittleEndian.Uint16(b[2:])),
		Seq:  binary.LittleEndian.Uint32(b[4:]),
	}
	n := binary.LittleEndian.Uint32(b[8:])
	switch {
	case !m.From.Valid():
		return m, fmt.Errorf("mailbox: unknown source endpoint %d", b[0])
	case !m.To.Valid():
		return m, fmt.Errorf("mailbox: unknown destination endpoint %d", b[1])
	case n > MaxPayload:
		return m, fmt.Errorf("mailbox: payload length %d exceeds the %d-byte limit", n, MaxPayload)
	case uint64(n) != uint64(len(b)-HeaderSize):
		return m, fmt.Errorf("mailbox: header says %d payload bytes, message carries %d", n, len(b)-HeaderSize)
	}
	m.Payload = b[HeaderSize:]
	return m, nil
}

// RemoteError is an error reply from another domain: a numeric code (an errno
// or a platform error code, defined by the receiver's wire package) and text.
type RemoteError struct {
	From Addr
	Code uint32
	Text string
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("%s replied error %d: %s", e.From, e.Code, e.Text)
}

// EncodeError builds the payload of a KindError reply.
func EncodeError(code uint32, text string) []byte {
	var e Encoder
	e.U32(code)
	e.String(text)
	return e.Bytes()
}

// DecodeError parses the payload of a KindError reply.
func DecodeError(from Addr, p []byte) *RemoteError {
	d := NewDecoder(p)
	re := &RemoteError{From: from, Code: d.U32(), Text: d.String()}
	if err := d.Finish(); err != nil {
		return &RemoteError{From: from, Code: ErrCodeMalformed, Text: "malformed error reply: " + err.Error()}
	}
	return re
}

// Error codes every endpoint may send in a KindError reply.
const (
	ErrCodeMalformed   uint32 = 0xE0000001 // the request could not be decoded
	ErrCodeUnknownKind uint32 = 0xE0000002 // the receiver does not serve this kind
	ErrCodeDenied      uint32 = 0xE0000003 // the sender may not ask for this
	ErrCodeTimeout     uint32 = 0xE0000004 // no reply within the deadline (set locally)
)
