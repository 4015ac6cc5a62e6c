package device

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Network faults between the device and its security service: a man in
// the middle who presents a certificate of his own, and a jump of the
// device's clock.

// serviceLink wraps the configured link so that a fault can divert it.
func (d *Device) serviceLink() *kernel.ServiceLink {
	if d.cfg.Service == nil {
		return nil
	}
	link := *d.cfg.Service
	orig := link.Dial
	link.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if d.mitm {
			return d.mitmConn()
		}
		if c, ok := d.replay.conn(); ok {
			return c, nil
		}
		var c net.Conn
		var err error
		if orig != nil {
			c, err = orig(ctx, network, addr)
		} else {
			c, err = (&net.Dialer{Timeout: 30 * time.Second}).DialContext(ctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		return d.replay.record(c), nil
	}
	return &link
}

// InterceptService puts a man in the middle between the device and its
// security service (on) or takes him away: he answers every connection
// with a certificate that no CA the device trusts has signed. Call it from
// a scheduler event or between runs.
func (d *Device) InterceptService(on bool) {
	d.mitm = on
	d.tr.Emit(trace.Device, "net.mitm", trace.Bool("on", on))
}

// mitmConn is a connection to the man in the middle: a loopback TCP
// listener (socket buffers let both sides of a failing TLS handshake
// write at once, which a synchronous net.Pipe would deadlock).
func (d *Device) mitmConn() (net.Conn, error) {
	addr, err := mitmListener()
	if err != nil {
		return nil, err
	}
	return net.DialTimeout("tcp", addr, 30*time.Second)
}

var (
	mitmListenOnce sync.Once
	mitmAddr       string
	mitmListenErr  error
)

// mitmListener starts, once per process, the man in the middle's TLS
// server on loopback: he completes handshakes with his own certificate and
// says nothing more.
func mitmListener() (string, error) {
	mitmListenOnce.Do(func() {
		cert, err := mitmCertificate()
		if err != nil {
			mitmListenErr = err
			return
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			mitmListenErr = err
			return
		}
		mitmAddr = l.Addr().String()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					s := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
					_ = s.SetDeadline(time.Now().Add(30 * time.Second))
					_ = s.Handshake()
				}()
			}
		}()
	})
	return mitmAddr, mitmListenErr
}

var (
	mitmOnce sync.Once
	mitmCert tls.Certificate
	mitmErr  error
)

// mitmCertificate is the man in the middle's self-signed certificate for
// the service's names (made once per process; its key never matters).
func mitmCertificate() (tls.Certificate, error) {
	mitmOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			mitmErr = err
			return
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "as3.sphere-emu.test"},
			NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
			DNSNames: []string{"localhost", "as3.sphere-emu.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			mitmErr = err
			return
		}
		mitmCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return mitmCert, mitmErr
}

// ReplayService makes an attacker on the network replay, on every new
// connection to the security service, the bytes the service sent on the
// last genuine connection (on), or stop (off). The attacker has no key: he
// plays back a recorded session, which TLS refuses because the handshake
// binds both sides' fresh randoms. Call it from a scheduler event or
// between runs.
func (d *Device) ReplayService(on bool) {
	d.replay.mu.Lock()
	d.replay.on = on
	n := len(d.replay.last)
	d.replay.mu.Unlock()
	// Whether a recording exists, not its size: TLS records vary in length
	// from run to run (signatures), and the trace must not.
	d.tr.Emit(trace.Device, "net.replay", trace.Bool("on", on), trace.Bool("recorded", n > 0))
}

// replayer records what the service sends on each connection, and plays
// the last recording back when on.
type replayer struct {
	mu   sync.Mutex
	on   bool
	last []byte // the server's bytes on the last genuine connection
}

// maxRecording bounds one recorded connection.
const maxRecording = 1 << 20

// record wraps a genuine connection so that what the service sends is kept.
func (r *replayer) record(c net.Conn) net.Conn { return &recordingConn{Conn: c, r: r} }

type recordingConn struct {
	net.Conn
	r    *replayer
	got  []byte
	once sync.Once
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && len(c.got) < maxRecording {
		c.got = append(c.got, p[:min(n, maxRecording-len(c.got))]...)
	}
	return n, err
}

func (c *recordingConn) Close() error {
	c.once.Do(func() {
		if len(c.got) > 0 {
			c.r.mu.Lock()
			c.r.last = c.got
			c.r.mu.Unlock()
		}
	})
	return c.Conn.Close()
}

// conn returns, when on, a connection on which the recording plays back
// whatever the device sends.
func (r *replayer) conn() (net.Conn, bool) {
	r.mu.Lock()
	on, rec := r.on, r.last
	r.mu.Unlock()
	if !on {
		return nil, false
	}
	client, server := net.Pipe()
	go func() {
		if len(rec) == 0 {
			server.Close() // nothing recorded yet: the connection just ends
			return
		}
		_, _ = server.Write(rec) // then silence
	}()
	go func() {
		defer server.Close()
		buf := make([]byte, 4096)
		for {
			if _, err := server.Read(buf); err != nil {
				return
			}
		}
	}()
	return client, true
}

// JumpClock moves the device's wall clock by d (a wrong RTC, an attacker
// with a GPS spoofer): certificates then look expired or not yet valid.
// It lasts until the OS restarts. Call it from a scheduler event.
func (d *Device) JumpClock(by time.Duration) {
	if d.kernel != nil {
		d.kernel.JumpClock(int64(by))
	}
	d.tr.Emit(trace.Device, "clock.jump", trace.Int("by_ns", int64(by)))
}
