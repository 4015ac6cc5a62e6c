package mailbox

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Errors returned by Send and Call.
var (
	ErrNoLink     = errors.New("mailbox: no hardware link between these endpoints")
	ErrNoEndpoint = errors.New("mailbox: destination endpoint is not powered")
	ErrFull       = errors.New("mailbox: destination FIFO is full")
	ErrTimeout    = errors.New("mailbox: no reply before the deadline")
)

// DefaultDepth is the FIFO depth of a mailbox channel: 15 entries, like the
// MT3620's mailbox FIFOs (reference §1.7).
const DefaultDepth = 15

// Latency model, in virtual nanoseconds: a fixed cost per message plus a cost
// per payload byte (emulator-defined; the real figures are not published).
const (
	LatencyPerMessage int64 = 2 * sim.Microsecond
	LatencyPerByte    int64 = 1
)

// DefaultLinks lists the pairs of endpoints that have a mailbox channel, in
// both directions: Pluton talks to the Security Monitor and (as /dev/pluton)
// to the kernel; the Security Monitor to the kernel and the real-time cores;
// the kernel to the app core and the real-time cores; the two real-time
// cores to each other; the device controller to everyone. The app core has
// no link to Pluton or the Security Monitor: it can only make syscalls.
var DefaultLinks = [][2]Addr{
	{Pluton, Secmon}, {Pluton, Kernel},
	{Secmon, Kernel}, {Secmon, RTCore0}, {Secmon, RTCore1},
	{Kernel, Appcore}, {Kernel, RTCore0}, {Kernel, RTCore1},
	{RTCore0, RTCore1},
	{Device, Pluton}, {Device, Secmon}, {Device, Kernel}, {Device, Appcore}, {Device, RTCore0}, {Device, RTCore1},
}

// Tap sees every message's bytes in flight from one endpoint to another and
// returns the bytes to deliver; drop discards the message. Fault injection
// installs taps; the receiver must cope with whatever arrives.
type Tap func(from, to Addr, b []byte) (out []byte, drop bool)

// Bus connects the endpoints of one device.
type Bus struct {
	sim   *sim.Sim
	tr    *trace.Tracer
	eps   [maxAddr + 1]*Endpoint
	links [maxAddr + 1][maxAddr + 1]bool
	tap   Tap
}

// NewBus returns a bus with DefaultLinks.
func NewBus(s *sim.Sim, tr *trace.Tracer) *Bus {
	b := &Bus{sim: s, tr: tr}
	for _, l := range DefaultLinks {
		b.links[l[0]][l[1]] = true
		b.links[l[1]][l[0]] = true
	}
	return b
}

// SetTap installs a tap on every message (nil removes it).
func (b *Bus) SetTap(t Tap) { b.tap = t }

// Tap returns the installed tap (nil if none), so a new tap can compose
// with it.
func (b *Bus) Tap() Tap { return b.tap }

// Deliver puts raw message bytes into to's FIFO now, as if they had
// arrived on the link from from, bypassing the tap and the mbox.send
// event: fault injection uses it to duplicate or delay a message. It fails
// when there is no such link, the receiver is off or its FIFO is full.
func (b *Bus) Deliver(from, to Addr, raw []byte) error {
	if !b.Linked(from, to) {
		return fmt.Errorf("%w: %s to %s", ErrNoLink, from, to)
	}
	dst := b.eps[to]
	switch {
	case dst == nil:
		return fmt.Errorf("%w: %s", ErrNoEndpoint, to)
	case dst.fifo.len() >= dst.depth:
		return fmt.Errorf("%w: %s (%d entries)", ErrFull, to, dst.depth)
	}
	ready := b.sim.Now() + LatencyPerMessage + LatencyPerByte*int64(len(raw))
	if ready < dst.lastIn {
		ready = dst.lastIn
	}
	dst.lastIn = ready
	dst.fifo.push(entry{src: from, ready: ready, b: raw})
	if dst.owner != nil {
		b.sim.Schedule(ready, dst.owner.WakeFunc())
	}
	return nil
}

// Linked reports whether from may send to to.
func (b *Bus) Linked(from, to Addr) bool {
	return from.Valid() && to.Valid() && b.links[from][to]
}

// Open powers the endpoint addr with a FIFO of depth entries and returns it.
func (b *Bus) Open(addr Addr, depth int) *Endpoint {
	if depth <= 0 {
		depth = DefaultDepth
	}
	e := &Endpoint{bus: b, addr: addr, depth: depth}
	b.eps[addr] = e
	return e
}

// Close unpowers the endpoint at addr: queued messages are lost.
func (b *Bus) Close(addr Addr) {
	if addr.Valid() {
		b.eps[addr] = nil
	}
}

type entry struct {
	src   Addr  // the link it arrived on, known to the hardware
	ready int64 // virtual time at which it reaches the FIFO head
	b     []byte
}

// Endpoint is one domain's mailbox: a bounded receive FIFO and a sender.
// It is owned by one sim.Proc, which must Bind it before receiving.
type Endpoint struct {
	bus      *Bus
	addr     Addr
	depth    int
	fifo     ring
	lastIn   int64 // arrival time of the newest message: FIFOs never reorder
	owner    *sim.Proc
	waiters  []*sim.Proc // senders blocked on a full FIFO
	deferred []Message   // requests that arrived while Call waited for a reply
	seq      uint32
	scratch  Message
}

// Addr returns the endpoint's address.
func (e *Endpoint) Addr() Addr { return e.addr }

// Bind makes p the process that receives on e.
func (e *Endpoint) Bind(p *sim.Proc) {
	e.owner = p
	if e.fifo.len() > 0 {
		e.bus.sim.Schedule(e.fifo.peek().ready, p.WakeFunc())
	}
}

// Pending returns the number of messages queued or in flight to e.
func (e *Endpoint) Pending() int { return e.fifo.len() + len(e.deferred) }

// Send sends a request and returns its sequence number. It blocks the
// calling process while the destination FIFO is full.
func (e *Endpoint) Send(to Addr, kind Kind, payload []byte) (uint32, error) {
	e.seq++
	return e.seq, e.send(to, kind, e.seq, payload)
}

// Reply answers req with kind req.Kind.Reply().
func (e *Endpoint) Reply(req Message, payload []byte) error {
	return e.send(req.From, req.Kind.Reply(), req.Seq, payload)
}

// ReplyError answers req with a KindError reply.
func (e *Endpoint) ReplyError(req Message, code uint32, text string) error {
	return e.send(req.From, KindError, req.Seq, EncodeError(code, text))
}

func (e *Endpoint) send(to Addr, kind Kind, seq uint32, payload []byte) error {
	b := e.bus
	if !b.Linked(e.addr, to) {
		b.tr.Emit(e.addr.String(), "mbox.nolink", trace.Str("to", to.String()), trace.Uint("kind", uint64(kind)))
		return fmt.Errorf("%w: %s to %s", ErrNoLink, e.addr, to)
	}
	for {
		dst := b.eps[to]
		if dst == nil {
			b.tr.Emit(e.addr.String(), "mbox.unpowered", trace.Str("to", to.String()), trace.Uint("kind", uint64(kind)))
			return fmt.Errorf("%w: %s", ErrNoEndpoint, to)
		}
		if dst.fifo.len() < dst.depth {
			break
		}
		cur := b.sim.Current()
		if cur == nil {
			return fmt.Errorf("%w: %s (%d entries)", ErrFull, to, dst.depth)
		}
		dst.waiters = append(dst.waiters, cur)
		cur.Park()
	}
	dst := b.eps[to]
	m := Message{From: e.addr, To: to, Kind: kind, Seq: seq, Payload: payload}
	raw := m.Marshal()
	if b.tr.Enabled() {
		b.tr.Emit(e.addr.String(), "mbox.send",
			trace.Str("from", e.addr.String()), trace.Str("to", to.String()),
			trace.Str("kind", KindName(m)), trace.Int("len", int64(len(payload))), trace.Uint("seq", uint64(seq)))
	}
	if b.tap != nil {
		out, drop := b.tap(e.addr, to, raw)
		if drop {
			b.tr.Emit(e.addr.String(), "mbox.drop", trace.Str("to", to.String()), trace.Uint("seq", uint64(seq)))
			return nil
		}
		raw = out
	}
	ready := b.sim.Now() + LatencyPerMessage + LatencyPerByte*int64(len(raw))
	if ready < dst.lastIn {
		ready = dst.lastIn
	}
	dst.lastIn = ready
	dst.fifo.push(entry{src: e.addr, ready: ready, b: raw})
	if dst.owner != nil {
		b.sim.Schedule(ready, dst.owner.WakeFunc())
	}
	return nil
}

// pull pops the next well-formed message from the FIFO, reporting and
// answering malformed ones. ok is false when the FIFO is empty.
func (e *Endpoint) pull() (Message, bool) {
	now := e.bus.sim.Now()
	for e.fifo.len() > 0 && e.fifo.peek().ready <= now {
		ent := e.fifo.pop()
		if len(e.waiters) > 0 {
			w := e.waiters[0]
			e.waiters = e.waiters[1:]
			w.Wake()
		}
		m, err := Unmarshal(ent.b)
		if err == nil && m.From != ent.src {
			err = fmt.Errorf("mailbox: header claims source %s but the message arrived on the link from %s", m.From, ent.src)
		}
		if err == nil && m.To != e.addr {
			err = fmt.Errorf("mailbox: header names destination %s but the message arrived at %s", m.To, e.addr)
		}
		if err != nil {
			e.bus.tr.Emit(e.addr.String(), "mbox.malformed", trace.Str("from", ent.src.String()), trace.Int("len", int64(len(ent.b))), trace.Str("error", err.Error()))
			if len(ent.b) >= HeaderSize && !m.Kind.IsReply() {
				// Answer on the link it came from, so a caller is not left waiting.
				_ = e.send(ent.src, KindError, m.Seq, EncodeError(ErrCodeMalformed, err.Error()))
			}
			continue
		}
		return m, true
	}
	return Message{}, false
}

// Recv blocks until a request (or unsolicited message) arrives and returns
// it. Malformed messages are reported, answered with an error, and skipped.
func (e *Endpoint) Recv() Message {
	for {
		if len(e.deferred) > 0 {
			m := e.deferred[0]
			e.deferred = e.deferred[1:]
			return m
		}
		if m, ok := e.pull(); ok {
			if m.Kind.IsReply() {
				e.bus.tr.Emit(e.addr.String(), "mbox.stale", trace.Str("from", m.From.String()), trace.Uint("seq", uint64(m.Seq)))
				continue
			}
			return m
		}
		e.wait()
	}
}

// TryRecv returns a pending message without blocking.
func (e *Endpoint) TryRecv() (Message, bool) {
	if len(e.deferred) > 0 {
		m := e.deferred[0]
		e.deferred = e.deferred[1:]
		return m, true
	}
	for {
		m, ok := e.pull()
		if !ok || !m.Kind.IsReply() {
			return m, ok
		}
	}
}

func (e *Endpoint) wait() {
	if e.owner == nil || e.bus.sim.Current() != e.owner {
		panic(fmt.Sprintf("mailbox: %s received outside its owning process", e.addr))
	}
	e.owner.Park()
}

// Call sends a request and blocks until its reply arrives or timeout virtual
// nanoseconds pass. Requests that arrive meanwhile are kept for Recv. An
// error reply is returned as a *RemoteError.
func (e *Endpoint) Call(to Addr, kind Kind, payload []byte, timeout int64) ([]byte, error) {
	seq, err := e.Send(to, kind, payload)
	if err != nil {
		return nil, err
	}
	s := e.bus.sim
	deadline := s.Now() + timeout
	if timeout > 0 && e.owner != nil {
		s.Schedule(deadline, e.owner.WakeFunc())
	}
	for {
		for {
			m, ok := e.pull()
			if !ok {
				break
			}
			switch {
			case m.Kind.IsReply() && m.Seq == seq && m.From == to:
				if m.Kind == KindError {
					return nil, DecodeError(m.From, m.Payload)
				}
				if m.Kind != kind.Reply() {
					return nil, &RemoteError{From: m.From, Code: ErrCodeMalformed, Text: fmt.Sprintf("reply kind %#x does not answer request kind %#x", uint16(m.Kind), uint16(kind))}
				}
				return m.Payload, nil
			case m.Kind.IsReply():
				e.bus.tr.Emit(e.addr.String(), "mbox.stale", trace.Str("from", m.From.String()), trace.Uint("seq", uint64(m.Seq)))
			default:
				e.deferred = append(e.deferred, m)
			}
		}
		if timeout > 0 && s.Now() >= deadline {
			e.bus.tr.Emit(e.addr.String(), "mbox.timeout", trace.Str("to", to.String()), trace.Str("kind", KindName(Message{To: to, Kind: kind})), trace.Uint("seq", uint64(seq)))
			return nil, fmt.Errorf("%w: %s kind %#x seq %d", ErrTimeout, to, uint16(kind), seq)
		}
		e.wait()
	}
}

var (
	kindMu    sync.RWMutex
	kindNames = map[[2]uint16]string{}
)

// RegisterKind names a request kind served by addr, for traces. Wire-format
// packages call it from init.
func RegisterKind(server Addr, k Kind, name string) {
	kindMu.Lock()
	kindNames[[2]uint16{uint16(server), uint16(k)}] = name
	kindMu.Unlock()
}

// KindByName finds a registered request kind by its name (as KindName
// prints it, e.g. "pluton.ReadRng"): the server and the kind.
func KindByName(name string) (Addr, Kind, bool) {
	kindMu.RLock()
	defer kindMu.RUnlock()
	for k, n := range kindNames {
		if n == name {
			return Addr(k[0]), Kind(k[1]), true
		}
	}
	return 0, 0, false
}

// Kinds lists the registered request kinds of a server, in kind order.
func Kinds(server Addr) []Kind {
	kindMu.RLock()
	defer kindMu.RUnlock()
	var out []Kind
	for k := range kindNames {
		if Addr(k[0]) == server {
			out = append(out, Kind(k[1]))
		}
	}
	slices.Sort(out)
	return out
}

// KindName returns a readable name of m's kind, e.g. "pluton.VerifyImage" or
// "pluton.VerifyImage.reply"; unregistered kinds are printed in hex.
func KindName(m Message) string {
	if m.Kind == KindError {
		return "error"
	}
	server, k, suffix := m.To, m.Kind, ""
	if m.Kind.IsReply() {
		server, k, suffix = m.From, m.Kind&^ReplyFlag, ".reply"
	}
	kindMu.RLock()
	n, ok := kindNames[[2]uint16{uint16(server), uint16(k)}]
	kindMu.RUnlock()
	if !ok {
		n = fmt.Sprintf("%s.%#04x", server, uint16(k))
	}
	return n + suffix
}

// ring is a FIFO queue of entries that reuses its storage.
type ring struct {
	buf        []entry
	head, size int
}

func (r *ring) len() int     { return r.size }
func (r *ring) peek() *entry { return &r.buf[r.head] }

func (r *ring) push(x entry) {
	if r.size == len(r.buf) {
		n := make([]entry, max(4, 2*len(r.buf)))
		for i := 0; i < r.size; i++ {
			n[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = n, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = x
	r.size++
}

func (r *ring) pop() entry {
	x := r.buf[r.head]
	r.buf[r.head] = entry{}
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return x
}
