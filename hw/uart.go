package hw

import (
	"encoding/hex"
	"fmt"
	"net"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/sphere-emu/sphere-emu/trace"
)

// UART parity and flow-control settings, numbered as applibs' uart.h.
const (
	ParityNone = 0 // no parity bit
	ParityEven = 1 // even parity
	ParityOdd  = 2 // odd parity

	FlowNone    = 0 // no flow control
	FlowRTSCTS  = 1 // hardware flow control
	FlowXONXOFF = 2 // software flow control
)

// Buffer sizes of the UART driver: what a UART holds before its reader (RX)
// or the line (TX) catches up. They match Linux's tty buffers (one page).
const (
	UARTRxBufferSize = 4096 // bytes received and not yet read
	UARTTxBufferSize = 4096 // bytes written and not yet on the line
)

// uartBaudRates are the rates the MT3620's ISU UARTs accept.
var uartBaudRates = []uint32{
	1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800,
	500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000,
}

// UARTBaudRates returns the baud rates the MT3620's UARTs support, ascending.
func UARTBaudRates() []uint32 { return slices.Clone(uartBaudRates) }

// UARTConfig is a UART's line settings, as applibs' UART_Config without the
// blocking mode (which belongs to the kernel's file descriptor).
type UARTConfig struct {
	BaudRate    uint32 // one of UARTBaudRates
	DataBits    uint8  // 5–8
	Parity      uint8  // ParityNone, ParityEven or ParityOdd
	StopBits    uint8  // 1 or 2
	FlowControl uint8  // FlowNone, FlowRTSCTS or FlowXONXOFF
}

// DefaultUARTConfig returns UART_InitConfig's settings: 115200 8N1, no flow control.
func DefaultUARTConfig() UARTConfig {
	return UARTConfig{BaudRate: 115200, DataBits: 8, Parity: ParityNone, StopBits: 1, FlowControl: FlowNone}
}

// Validate reports the first setting the MT3620 does not support, wrapping ErrInvalid.
func (c UARTConfig) Validate() error {
	switch {
	case !slices.Contains(uartBaudRates, c.BaudRate):
		return fmt.Errorf("baud rate %d is not one the MT3620 supports (1200 to 3000000, see UARTBaudRates): %w", c.BaudRate, ErrInvalid)
	case c.DataBits < 5 || c.DataBits > 8:
		return fmt.Errorf("%d data bits: want 5 to 8: %w", c.DataBits, ErrInvalid)
	case c.Parity > ParityOdd:
		return fmt.Errorf("parity %d: want 0 (none), 1 (even) or 2 (odd): %w", c.Parity, ErrInvalid)
	case c.StopBits != 1 && c.StopBits != 2:
		return fmt.Errorf("%d stop bits: want 1 or 2: %w", c.StopBits, ErrInvalid)
	case c.FlowControl > FlowXONXOFF:
		return fmt.Errorf("flow control %d: want 0 (none), 1 (RTS/CTS) or 2 (XON/XOFF): %w", c.FlowControl, ErrInvalid)
	}
	return nil
}

// FrameBits returns the bits on the line per byte: a start bit, the data
// bits, the parity bit if any, and the stop bits (10 for 8N1).
func (c UARTConfig) FrameBits() int {
	n := 1 + int(c.DataBits) + int(c.StopBits)
	if c.Parity != ParityNone {
		n++
	}
	return n
}

// UART is one ISU in UART mode. Written bytes go into a transmit buffer and
// leave it one frame time apart at the configured baud rate; in loopback
// mode (TX wired to RX, as the RDB samples expect) each arrives in the
// receive buffer when its stop bit ends. External input arrives with Inject.
type UART struct {
	isu      int
	tr       *trace.Tracer
	now      func() int64
	schedule func(at int64, f func())
	notify   func()

	cfg      UARTConfig
	loopback bool

	rx          []byte // received, unread bytes
	lastRx      int64  // virtual time the last byte arrived
	overflowing bool   // bytes were dropped since the reader last made room
	dropped     uint64

	tx       []byte // accepted bytes not yet on the line
	busy     bool   // a byte is being shifted out (its completion is scheduled)
	lineT0   int64  // start of the current burst
	lineN    int64  // bytes completed since lineT0
	reconfig bool   // the settings changed during a burst

	bridge *Bridge
}

// NewUART returns ISU isu's UART with the default settings and loopback off;
// Board wires its input line. now and schedule are as for NewBoard.
func NewUART(isu int, tr *trace.Tracer, now func() int64, schedule func(at int64, f func())) *UART {
	if now == nil {
		now = func() int64 { return 0 }
	}
	return &UART{isu: isu, tr: tr, now: now, schedule: schedule, cfg: DefaultUARTConfig()}
}

// ISU returns the number of the ISU the UART belongs to.
func (u *UART) ISU() int { return u.isu }

// Config returns the current line settings.
func (u *UART) Config() UARTConfig { return u.cfg }

// Configure sets the line settings; a byte already on the line finishes at
// the old rate. Buffered bytes are kept.
func (u *UART) Configure(cfg UARTConfig) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("uart ISU%d: %w", u.isu, err)
	}
	u.cfg = cfg
	if u.busy {
		u.reconfig = true
	}
	return nil
}

// SetLoopback wires TX to RX (on) or to nothing (off).
func (u *UART) SetLoopback(on bool) { u.loopback = on }

// Loopback reports whether TX is wired to RX.
func (u *UART) Loopback() bool { return u.loopback }

// Write queues as much of p as the transmit buffer holds, emits uart.tx for
// it, and returns the count. When the buffer is full it accepts nothing and
// returns an error wrapping ErrWouldBlock, like a non-blocking write.
func (u *UART) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := min(len(p), UARTTxBufferSize-len(u.tx))
	if n == 0 {
		return 0, fmt.Errorf("uart ISU%d: transmit buffer full (%d bytes): %w", u.isu, len(u.tx), ErrWouldBlock)
	}
	data := p[:n]
	u.tr.Emit(trace.HW, "uart.tx", trace.Int("isu", int64(u.isu)), trace.Int("len", int64(n)), dataField(data))
	if u.bridge != nil {
		u.bridge.send(data)
	}
	u.tx = append(u.tx, data...)
	if !u.busy {
		u.busy = true
		u.reconfig = false
		u.lineT0, u.lineN = u.now(), 0
		u.next()
	}
	return n, nil
}

// TxPending returns the number of written bytes not yet fully on the line.
func (u *UART) TxPending() int { return len(u.tx) }

// frameTime returns how long k back-to-back frames take, in nanoseconds.
func (u *UART) frameTime(k int64) int64 {
	return k * int64(u.cfg.FrameBits()) * 1_000_000_000 / int64(u.cfg.BaudRate)
}

// next schedules the completion of the byte at the head of the transmit buffer.
func (u *UART) next() {
	if u.schedule == nil {
		for u.busy {
			u.shift()
		}
		return
	}
	u.schedule(u.lineT0+u.frameTime(u.lineN+1), u.shift)
}

// shift completes the byte at the head of the transmit buffer.
func (u *UART) shift() {
	if len(u.tx) == 0 {
		u.busy = false
		return
	}
	b := u.tx[0]
	u.tx = u.tx[1:]
	if u.reconfig || u.lineN >= 1<<20 { // new timing, or rebase before the products grow large
		u.reconfig = false
		u.lineT0, u.lineN = u.now(), 0
	} else {
		u.lineN++
	}
	if u.loopback {
		u.receive([]byte{b})
		u.raise()
	}
	if len(u.tx) == 0 {
		u.busy = false
		u.tx = nil
		return
	}
	u.next()
}

// Read moves up to len(p) received bytes into p and returns the count; it
// never blocks and returns 0 when nothing has arrived.
func (u *UART) Read(p []byte) int {
	n := copy(p, u.rx)
	u.rx = u.rx[n:]
	if len(u.rx) == 0 {
		u.rx = nil
	}
	if n > 0 {
		u.overflowing = false
	}
	return n
}

// LastRx returns the virtual time the last received byte arrived.
func (u *UART) LastRx() int64 { return u.lastRx }

// CharTime returns the time one character takes on the line at the current
// configuration, in virtual nanoseconds.
func (u *UART) CharTime() int64 { return u.frameTime(1) }

// Buffered returns the number of received bytes waiting to be read.
func (u *UART) Buffered() int { return len(u.rx) }

// Dropped returns how many received bytes were lost to a full receive buffer.
func (u *UART) Dropped() uint64 { return u.dropped }

// Inject delivers p from the outside world to the receive buffer at once,
// emits uart.rx and raises the board's input line.
func (u *UART) Inject(p []byte) {
	if len(p) == 0 {
		return
	}
	u.tr.Emit(trace.HW, "uart.rx", trace.Int("isu", int64(u.isu)), trace.Int("len", int64(len(p))), dataField(p))
	u.receive(p)
	u.raise()
}

// receive appends p, masked to the data bits, to the receive buffer; what
// does not fit is dropped, with one uart.overflow event per episode (until
// the reader next takes bytes).
func (u *UART) receive(p []byte) {
	u.lastRx = u.now()
	mask := byte(1<<u.cfg.DataBits - 1)
	take := min(len(p), UARTRxBufferSize-len(u.rx))
	for _, b := range p[:take] {
		u.rx = append(u.rx, b&mask)
	}
	if lost := len(p) - take; lost > 0 {
		u.dropped += uint64(lost)
		if !u.overflowing {
			u.overflowing = true
			u.tr.Emit(trace.HW, "uart.overflow", trace.Int("isu", int64(u.isu)), trace.Int("dropped", int64(lost)))
		}
	}
}

func (u *UART) raise() {
	if u.notify != nil {
		u.notify()
	}
}

// dataField renders bytes for a trace event: as "text" when they are valid
// UTF-8 without control characters other than tab, CR and LF (JSON and the
// narrative escape those), otherwise as lower-case "hex".
func dataField(p []byte) trace.Field {
	if isText(p) {
		return trace.Str("text", string(p))
	}
	return trace.Str("hex", hex.EncodeToString(p))
}

func isText(p []byte) bool {
	if !utf8.Valid(p) {
		return false
	}
	for _, r := range string(p) {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// BridgePollInterval is how often, in virtual time, a bridged UART takes the
// bytes its socket received.
const BridgePollInterval int64 = 1_000_000

// BridgeInboxSize bounds the bytes a bridge holds between two polls; more are dropped.
const BridgeInboxSize = UARTRxBufferSize

// Bridge connects a UART to one TCP client at a time on the host's loopback
// interface: bytes the UART transmits are sent to the client, and bytes the
// client sends are injected into the UART's receive buffer.
//
// The simulation stays single-threaded: the bridge's goroutines only move
// bytes between the socket and a mutex-protected inbox; a poll scheduled on
// the virtual timeline every BridgePollInterval (only while bridged) takes
// the inbox and calls Inject. A bridged run depends on the host's timing,
// so it is not deterministic, and the poll keeps the event queue busy, so
// bound such a run with an end time (and pace it to the wall clock).
type Bridge struct {
	u    *UART
	ln   net.Listener
	out  chan []byte
	done chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	inbox  []byte
	lost   int // inbox overflow since the last poll
	conn   net.Conn
	closed bool
	txLost int // transmitted bytes dropped because the writer fell behind
}

// BridgeTCP listens on addr (host:port; the host must be a loopback address
// such as 127.0.0.1 or localhost, and an empty host means 127.0.0.1) and
// bridges the UART to the first client, then the next once it leaves. It
// turns loopback off: the TX line now goes to the socket. Bytes sent while
// no client is connected are lost, as on an unplugged wire. It must be
// called on the simulation's thread; Close may be called from any goroutine.
func (u *UART) BridgeTCP(addr string) (*Bridge, error) {
	if u.schedule == nil {
		return nil, fmt.Errorf("uart ISU%d: bridging needs a scheduler: %w", u.isu, ErrInvalid)
	}
	if u.bridge != nil {
		return nil, fmt.Errorf("uart ISU%d: already bridged to %s: %w", u.isu, u.bridge.Addr(), ErrInvalid)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("uart ISU%d: bridge address %q: %w", u.isu, addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("uart ISU%d: bridge host %q is not a loopback address; the bridge never listens beyond this machine: %w", u.isu, host, ErrInvalid)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("uart ISU%d: bridge: %w", u.isu, err)
	}
	b := &Bridge{u: u, ln: ln, out: make(chan []byte, 256), done: make(chan struct{})}
	u.bridge = b
	u.loopback = false
	b.wg.Add(2)
	go b.accept()
	go b.write()
	u.schedule(u.now()+BridgePollInterval, b.poll)
	return b, nil
}

// Addr returns the address the bridge listens on.
func (b *Bridge) Addr() net.Addr { return b.ln.Addr() }

// Close stops listening, disconnects the client and waits for the bridge's
// goroutines; the UART stops polling at its next poll. It is idempotent.
func (b *Bridge) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	c := b.conn
	b.mu.Unlock()
	close(b.done)
	err := b.ln.Close()
	if c != nil {
		c.Close()
	}
	b.wg.Wait()
	return err
}

func (b *Bridge) accept() {
	defer b.wg.Done()
	buf := make([]byte, 4096)
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			c.Close()
			return
		}
		b.conn = c
		b.mu.Unlock()
		for {
			n, err := c.Read(buf)
			if n > 0 {
				b.mu.Lock()
				take := min(n, BridgeInboxSize-len(b.inbox))
				b.inbox = append(b.inbox, buf[:take]...)
				b.lost += n - take
				b.mu.Unlock()
			}
			if err != nil {
				break
			}
		}
		b.mu.Lock()
		if b.conn == c {
			b.conn = nil
		}
		b.mu.Unlock()
		c.Close()
	}
}

func (b *Bridge) write() {
	defer b.wg.Done()
	for {
		select {
		case p := <-b.out:
			b.mu.Lock()
			c := b.conn
			b.mu.Unlock()
			if c != nil {
				c.Write(p) // an error means the client left; the reader notices
			}
		case <-b.done:
			return
		}
	}
}

// send hands transmitted bytes to the writer goroutine without blocking.
func (b *Bridge) send(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.conn == nil {
		return
	}
	select {
	case b.out <- slices.Clone(p):
	default:
		b.txLost += len(p)
	}
}

// poll runs on the simulation's thread: it injects what the socket received.
func (b *Bridge) poll() {
	b.mu.Lock()
	closed, data, lost, txLost := b.closed, b.inbox, b.lost, b.txLost
	b.inbox, b.lost, b.txLost = nil, 0, 0
	b.mu.Unlock()
	if closed {
		if b.u.bridge == b {
			b.u.bridge = nil
		}
		return
	}
	if lost > 0 {
		b.u.tr.Emit(trace.HW, "uart.overflow", trace.Int("isu", int64(b.u.isu)), trace.Int("dropped", int64(lost)), trace.Str("where", "bridge-rx"))
	}
	if txLost > 0 {
		b.u.tr.Emit(trace.HW, "uart.overflow", trace.Int("isu", int64(b.u.isu)), trace.Int("dropped", int64(txLost)), trace.Str("where", "bridge-tx"))
	}
	b.u.Inject(data)
	b.u.schedule(b.u.now()+BridgePollInterval, b.poll)
}
