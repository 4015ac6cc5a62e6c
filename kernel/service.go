package kernel

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/service/api"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// ServiceLink is how the OS reaches the security service (the real OS's
// azured daemon talks to AS3): its URL, the CA the OS trusts for it, and
// the dialer that carries the bytes (a host TCP socket, or an in-process
// pipe to an embedded service).
type ServiceLink struct {
	URL     string
	RootCAs *x509.CertPool
	// Dial opens a connection to the service's host:port; nil dials host TCP.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Service-agent timing, in virtual time (emulator-defined).
const (
	// checkInPeriod: the device attests and uploads error reports at boot
	// and then every 24 hours (reference §10.1, §10.3).
	checkInPeriod = 24 * 60 * 60 * sim.Second
	// checkInRetry: after a refusal or an unreachable service.
	checkInRetry = 60 * 60 * sim.Second
	// costServiceRequest is the virtual latency of one HTTPS request.
	costServiceRequest = 20 * sim.Millisecond
)

// hostIOGuard bounds how long the emulator waits for the host to move the
// bytes of one request: a guard against a hung service, not a simulated
// delay (nothing in the trace depends on it).
const hostIOGuard = 30 * time.Second

// maxServiceResponse bounds a response body from the service.
const maxServiceResponse = 1 << 20

// deviceCerts is what a successful attestation gives the OS.
type deviceCerts struct {
	tenantID string
	update   tls.Certificate // the OS's own certificate; its key is Pluton's general key
	client   []byte          // DER of the client certificate (DeviceAuthentication)
	clientCA []byte          // PEM of the tenant CA
	notAfter time.Time
}

// serviceError is a refusal from the service.
type serviceError struct {
	status int
	body   api.Error
}

func (e *serviceError) Error() string {
	return fmt.Sprintf("service refused (HTTP %d, %s): %s", e.status, e.body.Code, e.body.Reason)
}

// startServiceAgent schedules the first check-in once the apps are up.
func (k *Kernel) startServiceAgent() {
	if k.cfg.Service == nil {
		return
	}
	k.after(0, k.checkIn)
}

// checkIn attests, then uploads pending error reports, and schedules the
// next check-in.
func (k *Kernel) checkIn() {
	if err := k.attest(); err != nil {
		var se *serviceError
		if errors.As(err, &se) {
			k.tr.Emit(trace.Kernel, "service.refused", trace.Str("call", "attest"), trace.Str("code", se.body.Code), trace.Str("reason", se.body.Reason))
		} else {
			k.tr.Emit(trace.Kernel, "service.error", trace.Str("call", "attest"), trace.Str("reason", err.Error()))
		}
		k.after(checkInRetry, k.checkIn)
		return
	}
	k.confirmUpdate()
	if err := k.uploadErrorReports(); err != nil {
		k.tr.Emit(trace.Kernel, "service.error", trace.Str("call", "error-reports"), trace.Str("reason", err.Error()))
	}
	if err := k.checkForUpdates(); err != nil {
		var se *serviceError
		if errors.As(err, &se) {
			k.tr.Emit(trace.Kernel, "service.refused", trace.Str("call", "updates"), trace.Str("code", se.body.Code), trace.Str("reason", se.body.Reason))
		} else {
			k.tr.Emit(trace.Kernel, "service.error", trace.Str("call", "updates"), trace.Str("reason", err.Error()))
		}
	}
	k.after(checkInPeriod, k.checkIn)
}

// attest proves to the service what booted and gets the device's
// certificates: challenge → Pluton's token → certificates.
func (k *Kernel) attest() error {
	st, err := k.securityState()
	if err != nil {
		return err
	}
	deviceID := hex.EncodeToString(st.IdentityKey[:])
	body, _ := json.Marshal(api.ChallengeRequest{DeviceID: deviceID})
	var ch api.ChallengeResponse
	if err := k.serviceJSON(api.PathChallenge, "application/json", body, nil, &ch); err != nil {
		return fmt.Errorf("challenge: %w", err)
	}
	if len(ch.Nonce) != attest.NonceSize {
		return fmt.Errorf("challenge: the service sent a %d-byte nonce", len(ch.Nonce))
	}
	clientPub, err := k.ep.Call(mailbox.Pluton, plutonmsg.KindGenerateClientAuthKey, nil, plutonTimeout)
	if err != nil {
		return fmt.Errorf("GenerateClientAuthKey: %w", err)
	}
	req := plutonmsg.AttestRequest{OSVersion: k.version}
	copy(req.Nonce[:], ch.Nonce)
	token, err := k.ep.Call(mailbox.Pluton, plutonmsg.KindProcessAttestation, req.Marshal(), plutonTimeout)
	if err != nil {
		return fmt.Errorf("ProcessAttestation: %w", err)
	}
	var certs api.Certificates
	if err := k.serviceJSON(api.PathAttest, api.ContentTypeCOSE, token, nil, &certs); err != nil {
		return err
	}
	dc, err := k.acceptCertificates(&certs, deviceID, st.GeneralKey[:], clientPub)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	if _, err := k.ep.Call(mailbox.Pluton, plutonmsg.KindCommitClientAuthKey, clientPub, plutonTimeout); err != nil {
		return fmt.Errorf("CommitClientAuthKey: %w", err)
	}
	k.certs = dc
	k.tr.Emit(trace.Kernel, "service.attested", trace.Str("tenant", dc.tenantID), trace.Str("not_after", dc.notAfter.Format(time.RFC3339)))
	return nil
}

func (k *Kernel) securityState() (plutonmsg.SecurityState, error) {
	resp, err := k.ep.Call(mailbox.Pluton, plutonmsg.KindGetSecurityState, nil, plutonTimeout)
	if err != nil {
		return plutonmsg.SecurityState{}, fmt.Errorf("GetSecurityState: %w", err)
	}
	return plutonmsg.UnmarshalSecurityState(resp)
}

// acceptCertificates checks that the certificates are for this device and
// for the keys Pluton holds before the OS uses them.
func (k *Kernel) acceptCertificates(c *api.Certificates, deviceID string, generalKey, clientKey []byte) (*deviceCerts, error) {
	upd, err := parseCertPEM(c.UpdateCertificate)
	if err != nil {
		return nil, fmt.Errorf("update certificate: %w", err)
	}
	cli, err := parseCertPEM(c.ClientCertificate)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	for _, x := range []struct {
		name string
		cert *x509.Certificate
		key  []byte
	}{{"update", upd, generalKey}, {"client", cli, clientKey}} {
		if x.cert.Subject.CommonName != deviceID {
			return nil, fmt.Errorf("%s certificate is for %q, not this device", x.name, x.cert.Subject.CommonName)
		}
		pub, ok := x.cert.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%s certificate does not certify a P-256 key", x.name)
		}
		raw, err := pub.Bytes()
		if err != nil || !bytes.Equal(raw[1:], x.key) {
			return nil, fmt.Errorf("%s certificate certifies a key Pluton does not hold", x.name)
		}
	}
	general, err := attest.PublicKey(generalKey)
	if err != nil {
		return nil, err
	}
	return &deviceCerts{
		tenantID: c.TenantID,
		update:   tls.Certificate{Certificate: [][]byte{upd.Raw}, PrivateKey: &plutonSigner{k: k, kind: plutonmsg.KindSignWithGeneralKey, pub: general}, Leaf: upd},
		client:   cli.Raw,
		clientCA: []byte(c.TenantCA),
		notAfter: cli.NotAfter,
	}, nil
}

func parseCertPEM(s string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

// uploadErrorReports sends the events not yet uploaded, authenticated by
// the update certificate, and marks them uploaded once the service has
// acknowledged them.
func (k *Kernel) uploadErrorReports() error {
	if k.certs == nil {
		return errors.New("no update certificate")
	}
	rd := secmonmsg.TelemetryRead{Which: secmonmsg.TelemetryPending, Max: api.MaxErrorEvents}
	resp, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindTelemetryRead, rd.Marshal(), secmonTimeout)
	if err != nil {
		return fmt.Errorf("TelemetryRead: %w", err)
	}
	recs, err := secmonmsg.UnmarshalTelemetryRecords(resp)
	if err != nil {
		return fmt.Errorf("TelemetryRead: %w", err)
	}
	if len(recs) == 0 {
		return nil
	}
	var report api.ErrorReport
	for _, r := range recs {
		e, err := kernelmsg.UnmarshalErrorRecord(r.Payload)
		if err != nil {
			// A record that does not decode (a flipped bit) is skipped, not
			// fatal: the rest still reach the service.
			k.tr.Emit(trace.Kernel, "errorreport.corrupt", trace.Uint("seq", r.Seq), trace.Str("reason", err.Error()))
			continue
		}
		report.Events = append(report.Events, api.ErrorEvent{Seq: r.Seq, Time: time.Unix(0, e.TimeUnixNano).UTC(),
			EventType: e.TypeName(), EventClass: e.ClassName(), Description: e.Description})
	}
	body, _ := json.Marshal(report)
	var ack api.ErrorReportAccepted
	if err := k.serviceJSON(api.PathErrorReports, "application/json", body, &k.certs.update, &ack); err != nil {
		return err
	}
	last := recs[len(recs)-1].Seq
	if _, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindTelemetryAck, secmonmsg.EncodeU64(last), secmonTimeout); err != nil {
		return fmt.Errorf("TelemetryAck: %w", err)
	}
	k.tr.Emit(trace.Kernel, "errorreport.upload", trace.Int("events", int64(len(report.Events))), trace.Int("accepted", int64(ack.Accepted)))
	return nil
}

// serviceJSON POSTs body to the service and decodes a JSON answer into out;
// a 4xx/5xx answer becomes a *serviceError.
func (k *Kernel) serviceJSON(path, contentType string, body []byte, cert *tls.Certificate, out any) error {
	status, resp, err := k.servicePost(path, contentType, body, cert)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		var e api.Error
		if json.Unmarshal(resp, &e) != nil || e.Code == "" {
			e = api.Error{Code: http.StatusText(status), Reason: string(bytes.TrimSpace(resp))}
		}
		return &serviceError{status: status, body: e}
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("%s: bad answer: %w", path, err)
	}
	return nil
}

// servicePost makes one HTTPS request on a fresh connection. It runs on
// the kernel's own goroutine from dial to response — no http.Transport
// goroutines — because a TLS handshake with a client certificate asks
// Pluton for a signature, which is a mailbox call of this process.
func (k *Kernel) servicePost(path, contentType string, body []byte, cert *tls.Certificate) (int, []byte, error) {
	return k.serviceRequest(http.MethodPost, path, contentType, body, cert, maxServiceResponse)
}

// serviceRequest makes one HTTPS request and reads at most limit bytes of
// the answer; a longer answer is refused (an endless download).
func (k *Kernel) serviceRequest(method, path, contentType string, body []byte, cert *tls.Certificate, limit int) (int, []byte, error) {
	link := k.cfg.Service
	u, err := url.Parse(link.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return 0, nil, fmt.Errorf("service URL %q is not https://host[:port]", link.URL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	k.proc.Sleep(costServiceRequest)
	if !k.board.NetworkUp() {
		return 0, nil, errors.New("service unreachable: the network is down")
	}
	dial := link.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: hostIOGuard}).DialContext
	}
	conn, err := dial(context.Background(), "tcp", host)
	if err != nil {
		return 0, nil, fmt.Errorf("service unreachable: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(hostIOGuard))
	cfg := &tls.Config{
		RootCAs:    link.RootCAs,
		ServerName: u.Hostname(),
		MinVersion: tls.VersionTLS12,
		Time:       func() time.Time { return time.Unix(0, k.wallNow()) },
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	tc := tls.Client(conn, cfg)
	if err := tc.Handshake(); err != nil {
		return 0, nil, fmt.Errorf("TLS with the service: %w", err)
	}
	req, err := http.NewRequest(method, (&url.URL{Scheme: "https", Host: u.Host, Path: path}).String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Close = true
	if err := req.Write(tc); err != nil {
		return 0, nil, fmt.Errorf("send to the service: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(tc), req)
	if err != nil {
		return 0, nil, fmt.Errorf("answer from the service: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return 0, nil, fmt.Errorf("answer from the service: %w", err)
	}
	if len(b) > limit {
		return 0, nil, fmt.Errorf("%w: answer from the service exceeds %d bytes", errTooLong, limit)
	}
	return resp.StatusCode, b, nil
}

// plutonSigner is a crypto.Signer whose private key stays in Pluton: each
// signature is a mailbox request. It may be used only on the kernel's own
// goroutine.
type plutonSigner struct {
	k    *Kernel
	kind mailbox.Kind
	pub  *ecdsa.PublicKey
}

func (s *plutonSigner) Public() crypto.PublicKey { return s.pub }

func (s *plutonSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != crypto.SHA256 || len(digest) != 32 {
		return nil, fmt.Errorf("pluton signs SHA-256 digests only, not %v", opts.HashFunc())
	}
	var req plutonmsg.SignRequest
	copy(req.Digest[:], digest)
	sig, err := s.k.ep.Call(mailbox.Pluton, s.kind, req.Marshal(), plutonTimeout)
	if err != nil {
		return nil, fmt.Errorf("pluton: %w", err)
	}
	if len(sig) != 64 {
		return nil, fmt.Errorf("pluton: signature of %d bytes", len(sig))
	}
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
}

// clientCertificate returns the device's client (DAA) certificate for an
// app with the DeviceAuthentication capability: subject CN = device ID,
// issued by the tenant CA, its private key held by Pluton (every signature
// is a SignWithTenantAttestationKey request). It fails before the device
// has attested.
func (k *Kernel) clientCertificate() (*tls.Certificate, error) {
	if k.certs == nil {
		return nil, errors.New("the device has not attested: no client certificate")
	}
	leaf, err := x509.ParseCertificate(k.certs.client)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("client certificate does not certify a P-256 key")
	}
	return &tls.Certificate{Certificate: [][]byte{leaf.Raw}, Leaf: leaf,
		PrivateKey: &plutonSigner{k: k, kind: plutonmsg.KindSignWithTenantAttestation, pub: pub}}, nil
}
