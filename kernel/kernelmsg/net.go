package kernelmsg

import (
	"encoding/binary"
	"fmt"

	"github.com/sphere-emu/sphere-emu/mailbox"
)

// Networking syscalls: BSD sockets on the emulated network, the OS
// resolver, and HTTPS for apps (the libcurl subset of the SDK). Addresses
// are IPv4 as a uint32 in network order read big-endian (1.2.3.4 is
// 0x01020304); ports are host-order integers. Constants (domain, type,
// flags) are wasi-libc's, as the app passes them (docs/abi.md §26).
const (
	KindSocket           mailbox.Kind = 0xB0 // (domain, type, protocol) → fd
	KindSocketConnect    mailbox.Kind = 0xB1 // (fd, ipv4, port)
	KindSocketBind       mailbox.Kind = 0xB2 // (fd, ipv4, port)
	KindSocketListen     mailbox.Kind = 0xB3 // (fd, backlog)
	KindSocketAccept     mailbox.Kind = 0xB4 // (fd, flags) → fd, data: SockAddr of the peer
	KindSocketGetsockopt mailbox.Kind = 0xB5 // (fd, level, name) → value (SO_ERROR: a Linux errno)
	KindSocketAddr       mailbox.Kind = 0xB6 // (fd, peer) → 0, data: SockAddr (local, or peer if peer ≠ 0)
	KindResolve          mailbox.Kind = 0xB7 // data: host name → n, data: n × u32 ipv4
	KindHTTPSPerform     mailbox.Kind = 0xB8 // data: HTTPSRequest → CURLcode ≥ 0, data: HTTPSResult
	KindDeviceAuthSSLCtx mailbox.Kind = 0xB9 // () → DeviceAuthSslResult (0 success … 3)
	KindDeviceAuthPath   mailbox.Kind = 0xBA // () → 0, data: path of the DAA certificate PEM
)

func init() {
	for k, n := range map[mailbox.Kind]string{
		KindSocket: "socket", KindSocketConnect: "connect", KindSocketBind: "bind", KindSocketListen: "listen",
		KindSocketAccept: "accept", KindSocketGetsockopt: "getsockopt", KindSocketAddr: "getsockname",
		KindResolve: "getaddrinfo", KindHTTPSPerform: "curl_easy_perform",
		KindDeviceAuthSSLCtx: "DeviceAuth_SslCtxFunc", KindDeviceAuthPath: "DeviceAuth_GetCertificatePath",
	} {
		syscallNames[k] = n
		mailbox.RegisterKind(mailbox.Kernel, k, "kernel."+n)
	}
}

// Errno values of the network (Linux, ARM).
const (
	EDESTADDRREQ    Errno = 89
	EPROTOTYPE      Errno = 91
	EPROTONOSUPPORT Errno = 93
	EAFNOSUPPORT    Errno = 97
	EADDRINUSE      Errno = 98
	EADDRNOTAVAIL   Errno = 99
	ENETDOWN        Errno = 100
	ENETUNREACH     Errno = 101
	ECONNABORTED    Errno = 103
	EISCONN         Errno = 106
	ECONNREFUSED    Errno = 111
	EHOSTUNREACH    Errno = 113
	EALREADY        Errno = 114
	EINPROGRESS     Errno = 115
)

func init() {
	for e, n := range map[Errno]string{
		EDESTADDRREQ: "EDESTADDRREQ", EPROTOTYPE: "EPROTOTYPE", EPROTONOSUPPORT: "EPROTONOSUPPORT",
		EAFNOSUPPORT: "EAFNOSUPPORT", EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL",
		ENETDOWN: "ENETDOWN", ENETUNREACH: "ENETUNREACH", ECONNABORTED: "ECONNABORTED", EISCONN: "EISCONN",
		ECONNREFUSED: "ECONNREFUSED", EHOSTUNREACH: "EHOSTUNREACH", EALREADY: "EALREADY", EINPROGRESS: "EINPROGRESS",
	} {
		errnoNames[e] = n
	}
}

// SockAddr is an IPv4 socket address as the kernel answers it: u32 ipv4
// (big-endian value), u32 port.
type SockAddr struct {
	IP   uint32
	Port uint32
}

// SockAddrSize is the encoded size of a SockAddr.
const SockAddrSize = 8

// Marshal encodes a.
func (a SockAddr) Marshal() []byte {
	b := binary.LittleEndian.AppendUint32(nil, a.IP)
	return binary.LittleEndian.AppendUint32(b, a.Port)
}

// UnmarshalSockAddr decodes a SockAddr; the port must be 0..65535.
func UnmarshalSockAddr(b []byte) (SockAddr, error) {
	if len(b) != SockAddrSize {
		return SockAddr{}, fmt.Errorf("socket address: %d bytes, want %d", len(b), SockAddrSize)
	}
	a := SockAddr{IP: binary.LittleEndian.Uint32(b), Port: binary.LittleEndian.Uint32(b[4:])}
	if a.Port > 65535 {
		return SockAddr{}, fmt.Errorf("socket address: port %d", a.Port)
	}
	return a, nil
}

// HTTPS request flags.
const (
	HTTPSDeviceAuth = 1 << 0 // present the device's DAA client certificate (DeviceAuth_CurlSslFunc ran)
	HTTPSVerifyPeer = 1 << 1 // verify the server's chain (CURLOPT_SSL_VERIFYPEER)
	HTTPSVerifyHost = 1 << 2 // verify the server's name (CURLOPT_SSL_VERIFYHOST 2)
	httpsFlags      = HTTPSDeviceAuth | HTTPSVerifyPeer | HTTPSVerifyHost
)

// Limits of one app HTTPS exchange (emulator-defined; the real libcurl of
// Azure Sphere has a 16 KiB limit on a response header, reference: curl
// docs). A body is at most 64 KiB each way.
const (
	MaxHTTPSURL     = 2048
	MaxHTTPSHeaders = 64
	MaxHTTPSHeader  = 8192
	MaxHTTPSBody    = 64 << 10
	MaxHTTPSCA      = 64 << 10
	MaxHTTPSMethod  = 16
)

// HTTPSRequest is one HTTPS exchange an app asks the OS to make:
// u32 flags, u32 timeout_ms (0 = the OS's default), string method,
// string url, u32 header count, string × count ("Name: value"), blob body,
// blob CA PEM (the app's CAINFO file; empty = the OS's roots).
type HTTPSRequest struct {
	Flags     uint32
	TimeoutMS uint32
	Method    string
	URL       string
	Headers   []string
	Body      []byte
	CAPEM     []byte
}

// Marshal encodes r.
func (r *HTTPSRequest) Marshal() []byte {
	var e mailbox.Encoder
	e.U32(r.Flags)
	e.U32(r.TimeoutMS)
	e.String(r.Method)
	e.String(r.URL)
	e.U32(uint32(len(r.Headers)))
	for _, h := range r.Headers {
		e.String(h)
	}
	e.Blob(r.Body)
	e.Blob(r.CAPEM)
	return e.Bytes()
}

// UnmarshalHTTPSRequest decodes and bounds-checks an HTTPSRequest.
func UnmarshalHTTPSRequest(b []byte) (HTTPSRequest, error) {
	d := mailbox.NewDecoder(b)
	r := HTTPSRequest{Flags: d.U32(), TimeoutMS: d.U32(), Method: d.String(), URL: d.String()}
	n := d.U32()
	if d.Err() == nil {
		switch {
		case r.Flags&^httpsFlags != 0:
			return HTTPSRequest{}, fmt.Errorf("HTTPS request: flags %#x", r.Flags)
		case len(r.Method) == 0 || len(r.Method) > MaxHTTPSMethod:
			return HTTPSRequest{}, fmt.Errorf("HTTPS request: method of %d bytes", len(r.Method))
		case len(r.URL) > MaxHTTPSURL:
			return HTTPSRequest{}, fmt.Errorf("HTTPS request: URL of %d bytes exceeds %d", len(r.URL), MaxHTTPSURL)
		case n > MaxHTTPSHeaders:
			return HTTPSRequest{}, fmt.Errorf("HTTPS request: %d headers exceed %d", n, MaxHTTPSHeaders)
		}
	}
	for i := uint32(0); i < n && d.Err() == nil; i++ {
		h := d.String()
		if len(h) > MaxHTTPSHeader {
			return HTTPSRequest{}, fmt.Errorf("HTTPS request: header %d of %d bytes", i, len(h))
		}
		r.Headers = append(r.Headers, h)
	}
	r.Body = d.Blob()
	r.CAPEM = d.Blob()
	if err := d.Finish(); err != nil {
		return HTTPSRequest{}, wrap("HTTPS request", err)
	}
	if len(r.Body) > MaxHTTPSBody || len(r.CAPEM) > MaxHTTPSCA {
		return HTTPSRequest{}, fmt.Errorf("HTTPS request: body %d or CA %d bytes over the limits", len(r.Body), len(r.CAPEM))
	}
	return r, nil
}

// HTTPSResult is what a completed exchange gives the app besides its
// CURLcode: i32 fd (a read-only descriptor of the response body, −1 when
// the exchange failed), u32 HTTP status, u32 body length.
type HTTPSResult struct {
	FD      int32
	Status  uint32
	BodyLen uint32
}

// HTTPSResultSize is the encoded size of an HTTPSResult.
const HTTPSResultSize = 12

// Marshal encodes r.
func (r HTTPSResult) Marshal() []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(r.FD))
	b = binary.LittleEndian.AppendUint32(b, r.Status)
	return binary.LittleEndian.AppendUint32(b, r.BodyLen)
}

// UnmarshalHTTPSResult decodes an HTTPSResult.
func UnmarshalHTTPSResult(b []byte) (HTTPSResult, error) {
	if len(b) != HTTPSResultSize {
		return HTTPSResult{}, fmt.Errorf("HTTPS result: %d bytes, want %d", len(b), HTTPSResultSize)
	}
	return HTTPSResult{FD: int32(binary.LittleEndian.Uint32(b)), Status: binary.LittleEndian.Uint32(b[4:]),
		BodyLen: binary.LittleEndian.Uint32(b[8:])}, nil
}

// CURLcode values the OS answers (curl/curl.h).
const (
	CurlOK                  = 0
	CurlUnsupportedProtocol = 1
	CurlURLMalformat        = 3
	CurlCouldntResolveHost  = 6
	CurlCouldntConnect      = 7
	CurlWeirdServerReply    = 8
	CurlOutOfMemory         = 27
	CurlOperationTimedout   = 28
	CurlSSLConnectError     = 35
	CurlGotNothing          = 52
	CurlSendError           = 55
	CurlRecvError           = 56
	CurlSSLCertProblem      = 58
	CurlPeerFailedVerify    = 60
	CurlFilesizeExceeded    = 63
	CurlSSLCACertBadFile    = 77
)

// DeviceAuthSslResult values (tlsutils/deviceauth.h).
const (
	DeviceAuthSuccess                 = 0
	DeviceAuthGetTenantIDError        = 1
	DeviceAuthGetTenantCertificateErr = 2
	DeviceAuthEnableHwSignError       = 3
)
