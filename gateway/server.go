// Package gateway serves the device REST API of an emulated device (the
// real OS's gatewayd, reference §10.4) over HTTPS on the host's loopback
// interface, and is the client the CLI's `sphere-emu device` verbs use.
//
// The server's goroutines never touch the device: each request is handed
// to the kernel through a kernel.Gateway and answered by the kernel at one
// of its scheduling points (kernel/gateway.go), so the device keeps running
// one event at a time. docs/rest-api.md lists the routes.
package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/sphere-emu/sphere-emu/gateway/restapi"
	"github.com/sphere-emu/sphere-emu/kernel"
)

// Files the server writes to its data directory (boot --rest-data DIR):
// clients read the URL and trust the CA from there.
const (
	URLFile = "url"
	CAFile  = "ca.pem"
)

// RequestTimeout bounds how long (wall time) a request waits for the
// device to answer before it gets 503.
const RequestTimeout = time.Minute

// Server is a running device REST API server.
type Server struct {
	gw      *kernel.Gateway
	ln      net.Listener
	srv     *http.Server
	url     string
	caPEM   []byte
	timeout time.Duration
	done    chan struct{}
}

// Listen serves the device REST API on addr (host:port; the host must be a
// loopback address, and an empty host means 127.0.0.1; port 0 picks a free
// port). It makes a CA and a server certificate for this run; clients trust
// the CA (CAPEM, or CAFile once WriteData wrote it).
func Listen(gw *kernel.Gateway, addr string) (*Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: address %q: %w", addr, err)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("gateway: %q is not a loopback address; the device REST API never listens beyond this machine", host)
	}
	caPEM, cert, err := makeCertificates(ip)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	s := &Server{gw: gw, ln: ln, caPEM: caPEM, timeout: RequestTimeout, done: make(chan struct{}),
		url: "https://" + ln.Addr().String()}
	s.srv = &http.Server{
		Handler:           s,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       RequestTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(io.Discard, "", 0), // a client's bad handshake is its own business
	}
	go func() {
		defer close(s.done)
		_ = s.srv.ServeTLS(ln, "", "")
	}()
	return s, nil
}

// URL is the server's base URL, https://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// CAPEM is the PEM of the CA that signed the server's certificate.
func (s *Server) CAPEM() []byte { return s.caPEM }

// WriteData writes the CA and then the URL to dir, for `sphere-emu device
// --rest-data DIR`; the URL file appears last and whole, so a client that
// finds it finds the CA too.
func (s *Server) WriteData(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, CAFile), s.caPEM, 0o644); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	tmp := filepath.Join(dir, URLFile+".tmp")
	if err := os.WriteFile(tmp, []byte(s.url+"\n"), 0o644); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, URLFile)); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}

// Close stops the server; requests under way are answered 503 by the
// gateway once it is closed (kernel.Gateway.Close).
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	<-s.done
	return err
}

// ServeHTTP reads the request and hands it to the kernel; nothing here
// looks at the device.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(restapi.VersionHeader, restapi.APIVersion)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, kernel.MaxGatewayBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeError(w, http.StatusRequestEntityTooLarge, restapi.ErrBodyTooLarge)
			return
		}
		writeError(w, http.StatusBadRequest, restapi.ErrInvalidJSON)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	resp, err := s.gw.Do(ctx, kernel.GatewayRequest{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: body})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, restapi.ErrDeviceUnavailable)
		return
	}
	w.Header().Set("Content-Type", resp.ContentType)
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

func writeError(w http.ResponseWriter, status int, code uint32) {
	b, _ := json.Marshal(restapi.Error{Code: code})
	w.Header().Set("Content-Type", restapi.ContentTypeJSON)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// makeCertificates makes this run's CA and the server's certificate for ip
// (the real device pins a certificate of its own; the emulator's is new
// every run).
func makeCertificates(ip net.IP) (caPEM []byte, cert tls.Certificate, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sphere-emu device REST API CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "sphere-emu device"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{ip},
		DNSNames:     []string{"localhost", "*.devices.sphere.azure.local"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return caPEM, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
