package kernel

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	sys "syscall"
	"time"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// BSD sockets on the emulated network (docs/abi.md §26). An app's TCP or
// UDP socket is a host socket behind the OS firewall: connect() is checked
// against AllowedConnections and then dialled on the kernel's goroutine;
// a listen() on a port AllowedTcpServerPorts declares opens a host
// listener. Bytes and connections from the host are gathered by one
// goroutine per host socket into a bounded buffer (hostBuf); the kernel
// looks at the buffers only at its own scheduling points, so the emulated
// world still runs one event at a time (see waitHost for how host time and
// virtual time meet).

// Socket constants as wasi-libc defines them (what apps pass).
const (
	afInet       = 1
	afInet6      = 2
	sockDgram    = 5
	sockStream   = 6
	sockNonblock = 0x4000
	sockCloexec  = 0x2000
	ipprotoTCP   = 6
	ipprotoUDP   = 17
	soError      = 4
	soType       = 3
)

// Limits and costs of the emulated network (emulator-defined).
const (
	maxSockBuf     = 64 << 10 // bytes buffered per socket before the host sender is held back
	maxDgrams      = 64       // datagrams buffered per UDP socket; more are dropped, as UDP does
	maxBacklog     = 16       // accepted connections queued per listener
	maxUDPDatagram = 65507
	// costNetConnect is the virtual time a connect() takes (a LAN round trip).
	costNetConnect = 1 * sim.Millisecond
	// connectGuard bounds the host's dial of one connect(), in wall time.
	connectGuard = 10 * time.Second
	// hostSettle is how long (wall time) the kernel waits for a reply the
	// app is expecting before it lets virtual time move on.
	hostSettle = 50 * time.Millisecond
)

// Socket states.
const (
	sockNew = iota
	sockConnected
	sockListening
	sockClosed
)

// hostBuf is what one goroutine reading a host socket hands the kernel.
// The goroutine never touches the simulation: it appends under mu and
// signals the kernel's event channel.
type hostBuf struct {
	mu     sync.Mutex
	cond   *sync.Cond
	data   []byte
	dgrams [][]byte
	conns  []net.Conn
	eof    bool
	err    error
	closed bool
}

func newHostBuf() *hostBuf {
	b := &hostBuf{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// signal tells the kernel that host input arrived (never blocks).
func (s *netState) signal() {
	select {
	case s.ev <- struct{}{}:
	default:
	}
}

// readStream copies a TCP connection into b until EOF, an error or close.
func (s *netState) readStream(b *hostBuf, c net.Conn) {
	buf := make([]byte, 16<<10)
	for {
		b.mu.Lock()
		for len(b.data) >= maxSockBuf && !b.closed {
			b.cond.Wait()
		}
		closed := b.closed
		b.mu.Unlock()
		if closed {
			return
		}
		n, err := c.Read(buf)
		b.mu.Lock()
		b.data = append(b.data, buf[:n]...)
		if err != nil {
			b.eof, b.err = true, err
		}
		b.mu.Unlock()
		s.signal()
		if err != nil {
			return
		}
	}
}

// readDatagrams copies datagrams of a UDP connection into b.
func (s *netState) readDatagrams(b *hostBuf, c net.Conn) {
	buf := make([]byte, maxUDPDatagram)
	for {
		n, err := c.Read(buf)
		b.mu.Lock()
		if err != nil {
			b.eof, b.err = true, err
		} else if len(b.dgrams) < maxDgrams {
			b.dgrams = append(b.dgrams, append([]byte(nil), buf[:n]...))
		}
		closed := b.closed
		b.mu.Unlock()
		s.signal()
		if err != nil || closed {
			return
		}
	}
}

// acceptLoop queues connections of a host listener into b; beyond the
// backlog a connection is closed at once, as a full SYN queue drops it.
func (s *netState) acceptLoop(b *hostBuf, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			b.mu.Lock()
			b.eof, b.err = true, err
			b.mu.Unlock()
			s.signal()
			return
		}
		b.mu.Lock()
		if b.closed || len(b.conns) >= maxBacklog {
			c.Close()
		} else {
			b.conns = append(b.conns, c)
		}
		b.mu.Unlock()
		s.signal()
	}
}

// inetSock is an app's TCP or UDP socket.
type inetSock struct {
	nb
	dgram      bool
	state      int
	port       int // bound local port, 0 if none
	peer       netip.Addr
	peerPort   int
	conn       net.Conn
	ln         net.Listener
	buf        *hostBuf
	soErr      kernelmsg.Errno // pending error (a failed non-blocking connect)
	shutRd     bool
	shutWr     bool
	rcvTimeout int64
	// expecting is set when the app sent bytes and no reply has been read
	// yet: the kernel waits a little for the host before time moves on.
	expecting bool
	// dropped marks a listener on a port the manifest does not declare:
	// the firewall drops every incoming connection, so nothing arrives.
	dropped bool
}

func (s *inetSock) kind() string {
	if s.dgram {
		return "udp-socket"
	}
	return "tcp-socket"
}

func (s *inetSock) proto() string {
	if s.dgram {
		return "udp"
	}
	return "tcp"
}

func (s *inetSock) close(k *Kernel) {
	if s.buf != nil {
		s.buf.mu.Lock()
		s.buf.closed = true
		for _, c := range s.buf.conns {
			c.Close()
		}
		s.buf.conns = nil
		s.buf.cond.Broadcast()
		s.buf.mu.Unlock()
	}
	if s.conn != nil {
		s.conn.Close()
	}
	if s.ln != nil {
		s.ln.Close()
	}
	s.state = sockClosed
}

// hostOpen reports whether a host socket may still deliver input.
func (s *inetSock) hostOpen() bool {
	if s.buf == nil || s.state == sockClosed || s.dropped {
		return false
	}
	s.buf.mu.Lock()
	defer s.buf.mu.Unlock()
	return !s.buf.eof
}

func (s *inetSock) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	return s.recv(max, false)
}

// recv takes (or with peek, copies) up to max bytes or one datagram.
func (s *inetSock) recv(max int, peek bool) ([]byte, kernelmsg.Errno) {
	if s.state == sockListening {
		return nil, kernelmsg.EINVAL
	}
	if s.state != sockConnected || s.buf == nil {
		return nil, kernelmsg.ENOTCONN
	}
	if s.shutRd {
		return nil, 0
	}
	b := s.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.dgram {
		if len(b.dgrams) == 0 {
			if b.eof {
				return nil, sockErrno(b.err)
			}
			return nil, kernelmsg.EAGAIN
		}
		d := b.dgrams[0]
		if !peek {
			b.dgrams = b.dgrams[1:]
		}
		s.expecting = false
		return append([]byte(nil), d[:min(len(d), max)]...), 0
	}
	if len(b.data) == 0 {
		if b.eof {
			if errors.Is(b.err, io.EOF) {
				return nil, 0
			}
			return nil, sockErrno(b.err)
		}
		return nil, kernelmsg.EAGAIN
	}
	n := min(len(b.data), max)
	out := append([]byte(nil), b.data[:n]...)
	if !peek {
		b.data = append(b.data[:0], b.data[n:]...)
		b.cond.Broadcast()
	}
	s.expecting = false
	return out, 0
}

func (s *inetSock) write(k *Kernel, p []byte) (int, kernelmsg.Errno) { return s.send(k, p) }

// send writes p to the host connection, on the kernel's goroutine, within
// hostIOGuard of wall time.
func (s *inetSock) send(k *Kernel, p []byte) (int, kernelmsg.Errno) {
	switch {
	case s.state == sockListening:
		return 0, kernelmsg.ENOTCONN
	case s.state != sockConnected || s.conn == nil:
		if s.dgram {
			return 0, kernelmsg.EDESTADDRREQ
		}
		return 0, kernelmsg.ENOTCONN
	case s.shutWr:
		return 0, kernelmsg.EPIPE
	case s.dgram && len(p) > maxUDPDatagram:
		return 0, kernelmsg.EMSGSIZE
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(hostIOGuard))
	n, err := s.conn.Write(p)
	if n > 0 {
		s.expecting = true
	}
	if err != nil && n == 0 {
		if s.dgram && errors.Is(err, sys.ECONNREFUSED) {
			return 0, kernelmsg.ECONNREFUSED
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, kernelmsg.EAGAIN
		}
		return 0, kernelmsg.EPIPE
	}
	return n, 0
}

func (s *inetSock) ready(k *Kernel) (in, out bool) {
	if s.soErr != 0 {
		return true, true
	}
	if s.buf == nil {
		return false, s.state == sockConnected && !s.shutWr
	}
	s.buf.mu.Lock()
	defer s.buf.mu.Unlock()
	if s.state == sockListening {
		return len(s.buf.conns) > 0, false
	}
	in = len(s.buf.data) > 0 || len(s.buf.dgrams) > 0 || s.buf.eof || s.shutRd
	return in, s.state == sockConnected && !s.shutWr
}

func (s *inetSock) setRcvTimeout(ns int64) { s.rcvTimeout = ns }

// sockErrno maps a host socket error to an errno.
func sockErrno(err error) kernelmsg.Errno {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, sys.ECONNREFUSED):
		return kernelmsg.ECONNREFUSED
	case errors.Is(err, sys.ECONNRESET), errors.Is(err, sys.EPIPE):
		return kernelmsg.ECONNRESET
	case errors.Is(err, sys.ENETUNREACH):
		return kernelmsg.ENETUNREACH
	case errors.Is(err, sys.EHOSTUNREACH):
		return kernelmsg.EHOSTUNREACH
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return kernelmsg.ETIMEDOUT
	case errors.Is(err, net.ErrClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrClosedPipe):
		return kernelmsg.ECONNRESET
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return kernelmsg.ETIMEDOUT
	}
	return kernelmsg.ECONNREFUSED
}

// inet returns argument i as an app's TCP/UDP socket.
func (c *call) inet(i int) (*inetSock, kernelmsg.Errno) {
	f, e := c.fd(i)
	if e != 0 {
		return nil, e
	}
	s, ok := f.(*inetSock)
	if !ok {
		return nil, kernelmsg.ENOTSOCK
	}
	return s, 0
}

// addrArg decodes an (ipv4, port) argument pair.
func (c *call) addrArg(i int) (netip.Addr, int, kernelmsg.Errno) {
	ip, port := c.arg(i), c.arg(i+1)
	if ip < 0 || ip > 0xFFFFFFFF || port < 0 || port > 65535 {
		return netip.Addr{}, 0, kernelmsg.EINVAL
	}
	v := uint32(ip)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), int(port), 0
}

func addrValue(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func sysSocket(c *call) (kernelmsg.Result, *wait) {
	domain, typ, proto := c.arg(0), c.arg(1), c.arg(2)
	if domain != afInet {
		return fail(kernelmsg.EAFNOSUPPORT), nil // IPv4 only (AF_INET6, AF_UNIX: not for apps here)
	}
	flags := typ & (sockNonblock | sockCloexec)
	var s inetSock
	switch typ &^ flags {
	case sockStream:
		if proto != 0 && proto != ipprotoTCP {
			return fail(kernelmsg.EPROTONOSUPPORT), nil
		}
	case sockDgram:
		if proto != 0 && proto != ipprotoUDP {
			return fail(kernelmsg.EPROTONOSUPPORT), nil
		}
		s.dgram = true
	default:
		return fail(kernelmsg.EINVAL), nil
	}
	s.setNonblocking(flags&sockNonblock != 0)
	return c.install(&s), nil
}

func sysSocketConnect(c *call) (kernelmsg.Result, *wait) {
	s, e := c.inet(0)
	if e != 0 {
		return fail(e), nil
	}
	a, port, e := c.addrArg(1)
	if e != 0 {
		return fail(e), nil
	}
	switch {
	case s.state == sockListening:
		return fail(kernelmsg.EINVAL), nil
	case s.state == sockConnected && !s.dgram:
		return fail(kernelmsg.EISCONN), nil
	case s.state == sockClosed:
		return fail(kernelmsg.EBADF), nil
	}
	if e := c.k.checkOutbound(c.p, s.proto(), a, port); e != 0 {
		return fail(e), nil
	}
	if s.dgram && s.state == sockConnected && s.peer == a && s.peerPort == port {
		return ok(0), nil // sendto() the peer it already has
	}
	if s.conn != nil { // a UDP socket connected again: a new peer
		s.close(c.k)
		s.state = sockNew
	}
	c.k.proc.Sleep(costNetConnect)
	if c.k.app != c.p {
		return fail(kernelmsg.EINTR), nil
	}
	dial := c.k.netw.cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectGuard)
	conn, err := dial(ctx, s.proto(), hostPort(a, port))
	cancel()
	host := c.k.hostName(a)
	if err != nil {
		e := sockErrno(err)
		c.k.tr.Emit(trace.Kernel, "net.connect", trace.Str("cid", c.p.cid), trace.Str("proto", s.proto()), trace.Str("host", host),
			trace.Str("addr", a.String()), trace.Int("port", int64(port)), trace.Str("errno", e.String()))
		if s.nonblocking() && !s.dgram {
			s.soErr = e
			return fail(kernelmsg.EINPROGRESS), nil
		}
		return fail(e), nil
	}
	c.k.tr.Emit(trace.Kernel, "net.connect", trace.Str("cid", c.p.cid), trace.Str("proto", s.proto()), trace.Str("host", host),
		trace.Str("addr", a.String()), trace.Int("port", int64(port)))
	s.conn, s.peer, s.peerPort, s.state, s.buf = conn, a, port, sockConnected, newHostBuf()
	if s.dgram {
		go c.k.netw.readDatagrams(s.buf, conn)
		return ok(0), nil
	}
	go c.k.netw.readStream(s.buf, conn)
	if s.nonblocking() {
		return fail(kernelmsg.EINPROGRESS), nil // writable at once; SO_ERROR is 0
	}
	return ok(0), nil
}

// firstUnprivilegedPort: apps run as unprivileged users, so binding a
// lower port is EACCES, as on Linux without CAP_NET_BIND_SERVICE.
const firstUnprivilegedPort = 1024

func sysSocketBind(c *call) (kernelmsg.Result, *wait) {
	s, e := c.inet(0)
	if e != 0 {
		return fail(e), nil
	}
	_, port, e := c.addrArg(1)
	if e != 0 {
		return fail(e), nil
	}
	if s.state != sockNew || s.port != 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	if port != 0 && port < firstUnprivilegedPort {
		return fail(kernelmsg.EACCES), nil
	}
	for _, f := range c.p.fds {
		if o, ok := f.(*inetSock); ok && o != s && o.port == port && port != 0 && o.dgram == s.dgram {
			return fail(kernelmsg.EADDRINUSE), nil
		}
	}
	s.port = port
	if s.dgram {
		// A bound UDP socket receives only on ports AllowedUdpServerPorts
		// declares; receiving datagrams sent to it is not emulated yet, so
		// it stays silent either way (docs/abi.md §26).
		if !serverPortAllowed(c.p.manifest, "udp", port) {
			c.k.deny(c.p, "udp", "*", netip.Addr{}, port, ruleUDPServerPorts)
		}
	}
	return ok(0), nil
}

func sysSocketListen(c *call) (kernelmsg.Result, *wait) {
	s, e := c.inet(0)
	if e != 0 {
		return fail(e), nil
	}
	if s.dgram {
		return fail(kernelmsg.EOPNOTSUPP), nil
	}
	switch s.state {
	case sockListening:
		return ok(0), nil
	case sockNew:
	default:
		return fail(kernelmsg.EINVAL), nil
	}
	s.buf = newHostBuf()
	s.state = sockListening
	if !serverPortAllowed(c.p.manifest, "tcp", s.port) {
		// The firewall drops every incoming SYN: listen() succeeds, and no
		// connection ever arrives.
		s.dropped = true
		c.k.deny(c.p, "tcp", "*", netip.Addr{}, s.port, ruleTCPServerPorts)
		return ok(0), nil
	}
	listen := c.k.netw.cfg.Listen
	if listen == nil {
		listen = func(port int) (net.Listener, error) {
			return net.Listen("tcp", hostPort(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port))
		}
	}
	ln, err := listen(s.port)
	if err != nil {
		s.state, s.buf = sockNew, nil
		c.k.tr.Emit(trace.Kernel, "net.listen", trace.Str("cid", c.p.cid), trace.Int("port", int64(s.port)), trace.Str("error", err.Error()))
		return fail(kernelmsg.EADDRINUSE), nil
	}
	s.ln = ln
	c.k.tr.Emit(trace.Kernel, "net.listen", trace.Str("cid", c.p.cid), trace.Int("port", int64(s.port)))
	go c.k.netw.acceptLoop(s.buf, ln)
	return ok(0), nil
}

func sysSocketAccept(c *call) (kernelmsg.Result, *wait) {
	s, e := c.inet(0)
	if e != 0 {
		return fail(e), nil
	}
	flags := c.arg(1)
	if s.state != sockListening {
		return fail(kernelmsg.EINVAL), nil
	}
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	try := func() (kernelmsg.Result, bool) {
		if c.k.app != c.p || s.state != sockListening {
			return fail(kernelmsg.EINTR), true
		}
		s.buf.mu.Lock()
		if len(s.buf.conns) == 0 {
			s.buf.mu.Unlock()
			return fail(kernelmsg.EAGAIN), false
		}
		conn := s.buf.conns[0]
		s.buf.conns = s.buf.conns[1:]
		s.buf.mu.Unlock()
		ns := &inetSock{state: sockConnected, conn: conn, port: s.port, buf: newHostBuf()}
		ns.setNonblocking(flags&sockNonblock != 0)
		if ra, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
			if ap := ra.AddrPort(); ap.Addr().Unmap().Is4() {
				ns.peer, ns.peerPort = ap.Addr().Unmap(), int(ap.Port())
			}
		}
		fd, e := c.p.install(ns)
		if e != 0 {
			conn.Close()
			return fail(e), true
		}
		go c.k.netw.readStream(ns.buf, conn)
		c.k.tr.Emit(trace.Kernel, "net.accept", trace.Str("cid", c.p.cid), trace.Int("port", int64(s.port)), trace.Str("peer", ns.peer.String()))
		return kernelmsg.Result{Value: int64(fd), Data: kernelmsg.SockAddr{IP: addrValue(ns.peer), Port: uint32(ns.peerPort)}.Marshal()}, true
	}
	if r, done := try(); done || s.nonblocking() {
		return r, nil
	}
	return kernelmsg.Result{}, &wait{deadline: noDeadline, try: try}
}

func sysSocketGetsockopt(c *call) (kernelmsg.Result, *wait) {
	s, e := c.inet(0)
	if e != 0 {
		return fail(e), nil
	}
	level, name := c.arg(1), c.arg(2)
	if level != solSocketWASI && level != solSocketLinux {
		return fail(kernelmsg.ENOPROTOOPT), nil
	}
	switch name {
	case soError:
		e := s.soErr
		s.soErr = 0
		return ok(int64(e)), nil
	case soType:
		if s.dgram {
			return ok(sockDgram), nil
		}
		return ok(sockStream), nil
	}
	return fail(kernelmsg.ENOPROTOOPT), nil
}

func sysSocketAddr(c *call) (kernelmsg.Result, *wait) {
	s, e := c.inet(0)
	if e != 0 {
		return fail(e), nil
	}
	if c.arg(1) != 0 {
		if s.state != sockConnected || !s.peer.IsValid() {
			return fail(kernelmsg.ENOTCONN), nil
		}
		return kernelmsg.Result{Data: kernelmsg.SockAddr{IP: addrValue(s.peer), Port: uint32(s.peerPort)}.Marshal()}, nil
	}
	port := s.port
	if port == 0 && s.conn != nil {
		if la, ok := s.conn.LocalAddr().(interface{ String() string }); ok {
			if ap, err := netip.ParseAddrPort(la.String()); err == nil {
				port = int(ap.Port())
			}
		}
	}
	return kernelmsg.Result{Data: kernelmsg.SockAddr{Port: uint32(port)}.Marshal()}, nil
}

// maxResolved bounds the addresses getaddrinfo returns.
const maxResolved = 1

func sysResolve(c *call) (kernelmsg.Result, *wait) {
	a, e := c.k.resolve(c.p, string(c.args.Data))
	if e != 0 {
		return fail(e), nil
	}
	return kernelmsg.Result{Value: maxResolved, Data: kernelmsg.SockAddr{IP: addrValue(a)}.Marshal()[:4]}, nil
}

// inetSend is send() on a TCP/UDP socket.
func inetSend(c *call, s *inetSock) (kernelmsg.Result, *wait) {
	data := c.args.Data
	if len(data) > maxIO {
		data = data[:maxIO]
	}
	n, e := s.send(c.k, data)
	if e != 0 {
		return fail(e), nil
	}
	return ok(int64(n)), nil
}

// Receive flags (WASI riflags, as wasi-libc passes MSG_PEEK and MSG_WAITALL).
const (
	recvPeek    = 1
	recvWaitall = 2
)

// inetRecv is recv() on a TCP/UDP socket: MSG_PEEK leaves the bytes;
// MSG_WAITALL is served as a plain recv (one call may return fewer bytes,
// which POSIX allows on a signal or a shutdown).
func inetRecv(c *call, s *inetSock) (kernelmsg.Result, *wait) {
	max, flags := c.arg(1), c.arg(2)
	if max < 0 || flags&^(recvPeek|recvWaitall) != 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	max = min(max, maxIO)
	try := func() (kernelmsg.Result, bool) {
		if c.k.app != c.p {
			return fail(kernelmsg.EINTR), true
		}
		b, e := s.recv(int(max), flags&recvPeek != 0)
		if e == kernelmsg.EAGAIN {
			return fail(e), false
		}
		if e != 0 {
			return fail(e), true
		}
		return kernelmsg.Result{Value: int64(len(b)), Data: b}, true
	}
	if r, done := try(); done || s.nonblocking() {
		return r, nil
	}
	return kernelmsg.Result{}, &wait{deadline: readDeadline(c.k, s), try: try}
}

// inetShutdown is shutdown() on a TCP/UDP socket (how: WASI sdflags, 1 RD, 2 WR).
func inetShutdown(c *call, s *inetSock) (kernelmsg.Result, *wait) {
	how := c.arg(1)
	if how <= 0 || how > 3 {
		return fail(kernelmsg.EINVAL), nil
	}
	if s.state != sockConnected {
		return fail(kernelmsg.ENOTCONN), nil
	}
	if how&1 != 0 {
		s.shutRd = true
	}
	if how&2 != 0 && !s.shutWr {
		s.shutWr = true
		if tc, ok := s.conn.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
	}
	return ok(0), nil
}

// waitHost runs when the kernel has nothing left to do at this virtual
// instant and a call is blocked. If the app has host sockets, it waits on
// the host (wall clock) before letting virtual time move on:
//
//   - up to hostSettle while a socket expects a reply (the app sent bytes
//     and has read nothing since), so that a loopback server's answer is
//     seen at the same virtual instant in every run;
//   - up to hostIOGuard when the simulation has nothing else scheduled,
//     since otherwise the device would stop as idle while the host may
//     still send.
//
// It reports whether host input arrived (the caller pumps again). Virtual
// time never advances during the wait.
func (k *Kernel) waitHost() bool {
	if k.app == nil || len(k.waits) == 0 {
		return false
	}
	var open, expecting []*inetSock
	for _, f := range k.app.fds {
		if s, ok := f.(*inetSock); ok && s.hostOpen() {
			open = append(open, s)
			if s.expecting {
				expecting = append(expecting, s)
			}
		}
	}
	if len(open) == 0 {
		return false
	}
	limit := hostSettle
	if _, more := k.proc.Sim().NextEvent(); !more {
		limit = hostIOGuard
	} else if len(expecting) == 0 {
		return false
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-k.netw.ev:
		return true
	case <-k.gatewayBell(): // a REST request: serve it at this instant
		k.cfg.Gateway.onBell(k.proc.Sim())
		return true
	case <-t.C:
		for _, s := range expecting {
			s.expecting = false // the reply did not come promptly: stop holding time for it
		}
		return false
	}
}
