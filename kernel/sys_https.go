package kernel

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// HTTPS for apps: the SDK's libcurl subset (docs/abi.md §27) hands one
// whole request to the OS, which makes the exchange here, on the kernel's
// own goroutine from dial to response. It must: with DeviceAuthentication
// the TLS handshake signs with the device's client key, and every such
// signature is a mailbox call to Pluton made by this process. The key
// never leaves Pluton, and the app never sees more than the response.

// costAppHTTPS is the virtual time one app HTTPS exchange takes.
const costAppHTTPS = 20 * sim.Millisecond

// maxAppResponse bounds a response body kept for an app.
const maxAppResponse = 1 << 20

// daaDirPath is where the OS keeps the DAA client certificates, one PEM
// file per tenant ("/run/daa/<tenant id>", as on the real device).
const daaDirPath = "/run/daa"

// zeroTenant in DeviceAuthentication means "the device's own tenant".
const zeroTenant = "00000000-0000-0000-0000-000000000000"

// deviceAuthStatus says whether p may authenticate as the device now, as
// a DeviceAuthSslResult, with the reason for a refusal.
func (k *Kernel) deviceAuthStatus(p *process) (int64, string) {
	tenant := p.manifest.Capabilities.DeviceAuthentication
	switch {
	case tenant == "":
		return kernelmsg.DeviceAuthGetTenantCertificateErr, "the manifest has no DeviceAuthentication capability"
	case k.certs == nil:
		return kernelmsg.DeviceAuthGetTenantCertificateErr, "the device has not attested: no client certificate yet"
	case tenant != zeroTenant && !strings.EqualFold(tenant, k.certs.tenantID):
		return kernelmsg.DeviceAuthGetTenantIDError, fmt.Sprintf("the manifest names tenant %s; the device belongs to %s", tenant, k.certs.tenantID)
	}
	return kernelmsg.DeviceAuthSuccess, ""
}

// daaTenant is the tenant whose certificate file p would read.
func (k *Kernel) daaTenant(p *process) string {
	t := p.manifest.Capabilities.DeviceAuthentication
	if t == zeroTenant && k.certs != nil {
		return strings.ToLower(k.certs.tenantID)
	}
	return t
}

func (k *Kernel) deviceAuthDenied(p *process, call, reason string) {
	k.tr.Emit(trace.Kernel, "deviceauth.deny", trace.Str("cid", p.cid), trace.Str("call", call), trace.Str("reason", reason))
}

func sysDeviceAuthReady(c *call) (kernelmsg.Result, *wait) {
	if r, _ := c.k.deviceAuthStatus(c.p); r != kernelmsg.DeviceAuthSuccess {
		return ok(0), nil
	}
	return ok(1), nil
}

func sysDeviceAuthSSLCtx(c *call) (kernelmsg.Result, *wait) {
	r, why := c.k.deviceAuthStatus(c.p)
	if r != kernelmsg.DeviceAuthSuccess {
		c.k.deviceAuthDenied(c.p, "DeviceAuth_SslCtxFunc", why)
	}
	return ok(r), nil
}

// daaDir is the directory of DAA certificates, opened by
// DeviceAuth_GetCertificatePath so that the app reads its certificate
// through the ordinary file calls (the SDK registers it as a preopen).
type daaDir struct{}

func (d *daaDir) kind() string    { return "daa-dir" }
func (d *daaDir) close(k *Kernel) {}

// sysDeviceAuthPath answers the certificate's path and a descriptor of its
// directory. The file exists once the device has attested (and belongs to
// the manifest's tenant); before that, opening it fails with ENOENT.
func sysDeviceAuthPath(c *call) (kernelmsg.Result, *wait) {
	if c.p.manifest.Capabilities.DeviceAuthentication == "" {
		c.k.deviceAuthDenied(c.p, "DeviceAuth_GetCertificatePath", "the manifest has no DeviceAuthentication capability")
		return fail(kernelmsg.EACCES), nil
	}
	r := c.install(&daaDir{})
	if r.Value < 0 {
		return r, nil
	}
	r.Data = []byte(daaDirPath + "/" + c.k.daaTenant(c.p))
	return r, nil
}

// daaOpen opens a file of the DAA directory: the app's certificate PEM.
func daaOpen(c *call, rel string, write bool) (kernelmsg.Result, *wait) {
	if rel == "" || rel == "." {
		return fail(kernelmsg.EISDIR), nil
	}
	if write {
		return fail(kernelmsg.EROFS), nil
	}
	pemBytes, e := c.k.daaFile(c.p, rel)
	if e != 0 {
		return fail(e), nil
	}
	return c.install(&packageFile{data: pemBytes}), nil
}

// daaFile returns the PEM of the certificate at rel, if it exists for p.
func (k *Kernel) daaFile(p *process, rel string) ([]byte, kernelmsg.Errno) {
	if st, _ := k.deviceAuthStatus(p); st != kernelmsg.DeviceAuthSuccess || !strings.EqualFold(rel, k.daaTenant(p)) {
		return nil, kernelmsg.ENOENT
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.certs.client}), 0
}

func sysHTTPSPerform(c *call) (kernelmsg.Result, *wait) {
	req, err := kernelmsg.UnmarshalHTTPSRequest(c.args.Data)
	if err != nil {
		return fail(kernelmsg.EINVAL), nil
	}
	code, res := c.k.appHTTPS(c, &req)
	if code != kernelmsg.CurlOK {
		res = kernelmsg.HTTPSResult{FD: -1, Status: res.Status}
	}
	return kernelmsg.Result{Value: int64(code), Data: res.Marshal()}, nil
}

// httpsFailure is a failed exchange: its CURLcode and why.
type httpsFailure struct {
	code int
	why  string
}

// appHTTPS makes one exchange for the app and installs the response body
// as a read-only descriptor.
func (k *Kernel) appHTTPS(c *call, req *kernelmsg.HTTPSRequest) (int, kernelmsg.HTTPSResult) {
	p := c.p
	u, host, port, f := parseAppURL(req.URL)
	var status int
	var body []byte
	if f == nil {
		status, body, f = k.appExchange(c, req, u, host, port)
	}
	fields := []trace.Field{trace.Str("cid", p.cid), trace.Str("method", req.Method), trace.Str("host", host)}
	if u != nil {
		fields = append(fields, trace.Str("path", u.EscapedPath()))
	}
	fields = append(fields, trace.Bool("client_cert", req.Flags&kernelmsg.HTTPSDeviceAuth != 0))
	if f != nil {
		k.tr.Emit(trace.Kernel, "net.https", append(fields, trace.Int("curlcode", int64(f.code)), trace.Str("error", f.why))...)
		return f.code, kernelmsg.HTTPSResult{FD: -1, Status: uint32(status)}
	}
	k.tr.Emit(trace.Kernel, "net.https", append(fields, trace.Int("status", int64(status)), trace.Int("bytes", int64(len(body))))...)
	fd, e := p.install(&packageFile{data: body})
	if e != 0 {
		return kernelmsg.CurlOutOfMemory, kernelmsg.HTTPSResult{FD: -1, Status: uint32(status)}
	}
	return kernelmsg.CurlOK, kernelmsg.HTTPSResult{FD: fd, Status: uint32(status), BodyLen: uint32(len(body))}
}

// parseAppURL accepts http:// and https:// URLs with a host.
func parseAppURL(raw string) (*url.URL, string, int, *httpsFailure) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, "", 0, &httpsFailure{kernelmsg.CurlURLMalformat, "malformed URL"}
	}
	var port int
	switch strings.ToLower(u.Scheme) {
	case "https":
		port = 443
	case "http":
		port = 80
	default:
		return u, u.Hostname(), 0, &httpsFailure{kernelmsg.CurlUnsupportedProtocol, "unsupported protocol " + u.Scheme}
	}
	if ps := u.Port(); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > 65535 {
			return u, u.Hostname(), 0, &httpsFailure{kernelmsg.CurlURLMalformat, "bad port " + ps}
		}
		port = n
	}
	return u, u.Hostname(), port, nil
}

// appExchange resolves, checks the firewall, dials, shakes hands and
// makes the request, all on the kernel's goroutine within hostIOGuard.
func (k *Kernel) appExchange(c *call, req *kernelmsg.HTTPSRequest, u *url.URL, host string, port int) (int, []byte, *httpsFailure) {
	p := c.p
	secure := strings.EqualFold(u.Scheme, "https")
	var cert *tls.Certificate
	if req.Flags&kernelmsg.HTTPSDeviceAuth != 0 {
		if st, why := k.deviceAuthStatus(p); st != kernelmsg.DeviceAuthSuccess {
			k.deviceAuthDenied(p, "curl_easy_perform", why)
			return 0, nil, &httpsFailure{kernelmsg.CurlSSLCertProblem, why}
		}
		var err error
		if cert, err = k.clientCertificate(); err != nil {
			k.deviceAuthDenied(p, "curl_easy_perform", err.Error())
			return 0, nil, &httpsFailure{kernelmsg.CurlSSLCertProblem, err.Error()}
		}
	}
	var roots *x509.CertPool
	if len(req.CAPEM) > 0 {
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(req.CAPEM) {
			return 0, nil, &httpsFailure{kernelmsg.CurlSSLCACertBadFile, "the CAINFO file holds no certificate"}
		}
	} else {
		roots = k.netw.cfg.RootCAs
	}
	a, e := k.resolve(p, host)
	if e != 0 {
		return 0, nil, &httpsFailure{kernelmsg.CurlCouldntResolveHost, "could not resolve " + host + ": " + e.String()}
	}
	if e := k.checkOutbound(p, "tcp", a, port); e != 0 {
		return 0, nil, &httpsFailure{kernelmsg.CurlCouldntConnect, "connect: " + e.String()}
	}
	k.proc.Sleep(costAppHTTPS)
	if k.app != p {
		return 0, nil, &httpsFailure{kernelmsg.CurlCouldntConnect, "the app ended"}
	}
	dial := k.netw.cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectGuard)
	conn, err := dial(ctx, "tcp", hostPort(a, port))
	cancel()
	if err != nil {
		if sockErrno(err) == kernelmsg.ETIMEDOUT {
			return 0, nil, &httpsFailure{kernelmsg.CurlOperationTimedout, err.Error()}
		}
		return 0, nil, &httpsFailure{kernelmsg.CurlCouldntConnect, err.Error()}
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(hostIOGuard))
	var rw io.ReadWriter = conn
	if secure {
		tc, f := k.appTLS(conn, req, host, roots, cert)
		if f != nil {
			return 0, nil, f
		}
		rw = tc
	}
	hr, err := buildAppRequest(req, u)
	if err != nil {
		return 0, nil, &httpsFailure{kernelmsg.CurlURLMalformat, err.Error()}
	}
	if err := hr.Write(rw); err != nil {
		return 0, nil, &httpsFailure{kernelmsg.CurlSendError, err.Error()}
	}
	resp, err := http.ReadResponse(bufio.NewReader(rw), hr)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, &httpsFailure{kernelmsg.CurlGotNothing, err.Error()}
		}
		return 0, nil, &httpsFailure{kernelmsg.CurlRecvError, err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAppResponse+1))
	if err != nil {
		return resp.StatusCode, nil, &httpsFailure{kernelmsg.CurlRecvError, err.Error()}
	}
	if len(body) > maxAppResponse {
		return resp.StatusCode, nil, &httpsFailure{kernelmsg.CurlFilesizeExceeded, fmt.Sprintf("response body over %d bytes", maxAppResponse)}
	}
	return resp.StatusCode, body, nil
}

// appTLS shakes hands as libcurl would with the app's options.
func (k *Kernel) appTLS(conn net.Conn, req *kernelmsg.HTTPSRequest, host string, roots *x509.CertPool, cert *tls.Certificate) (*tls.Conn, *httpsFailure) {
	now := func() time.Time { return time.Unix(0, k.wallNow()) }
	cfg := &tls.Config{ServerName: host, RootCAs: roots, MinVersion: tls.VersionTLS12, Time: now}
	verifyPeer := req.Flags&kernelmsg.HTTPSVerifyPeer != 0
	verifyHost := req.Flags&kernelmsg.HTTPSVerifyHost != 0
	if !verifyPeer || !verifyHost {
		cfg.InsecureSkipVerify = true
		if verifyPeer { // the chain, but not the name
			cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
				certs := make([]*x509.Certificate, 0, len(raw))
				for _, r := range raw {
					c, err := x509.ParseCertificate(r)
					if err != nil {
						return err
					}
					certs = append(certs, c)
				}
				if len(certs) == 0 {
					return errors.New("no server certificate")
				}
				inter := x509.NewCertPool()
				for _, c := range certs[1:] {
					inter.AddCert(c)
				}
				_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now()})
				return err
			}
		}
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	tc := tls.Client(conn, cfg)
	if err := tc.Handshake(); err != nil {
		var ve *tls.CertificateVerificationError
		var ue x509.UnknownAuthorityError
		var he x509.HostnameError
		if errors.As(err, &ve) || errors.As(err, &ue) || errors.As(err, &he) {
			return nil, &httpsFailure{kernelmsg.CurlPeerFailedVerify, err.Error()}
		}
		return nil, &httpsFailure{kernelmsg.CurlSSLConnectError, err.Error()}
	}
	return tc, nil
}

// buildAppRequest turns the app's request into HTTP/1.1, with the headers
// libcurl adds by itself.
func buildAppRequest(req *kernelmsg.HTTPSRequest, u *url.URL) (*http.Request, error) {
	hr, err := http.NewRequest(req.Method, u.String(), bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	hr.Close = true
	hr.Header.Set("User-Agent", "") // present but empty: no Go default; libcurl sends none unless asked
	hr.Header.Set("Accept", "*/*")
	if req.Method == http.MethodPost {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range req.Headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			continue // libcurl sends malformed lines as given; the emulator drops them
		}
		value = strings.TrimSpace(value)
		if value == "" {
			hr.Header.Del(name) // "Name:" removes a header libcurl would add
			continue
		}
		hr.Header.Set(name, value)
	}
	return hr, nil
}
