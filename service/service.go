// Package service is sphere-emu's security service, the emulator's
// counterpart of the Azure Sphere Security Service (AS3): it attests
// devices against known-good software, issues their update and client
// certificates, collects their error reports, and keeps the tenants,
// products, device groups, images and deployments an administrator
// manages. A company cloud route shows what a tenant's client certificates
// are for.
//
// A Service is embeddable: in-process tests and simulations give it their
// clock and a seeded random source and talk to it over DialContext (an
// in-memory pipe), so runs stay deterministic and use no host sockets. The
// `sphere-emu service` command serves the same handler on a TCP port.
// State lives in an embedded SQLite database (package service/store); the
// device↔service wire format is package service/api.
package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	crand "crypto/rand"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/service/store"
)

// Files New writes in a data directory.
const (
	ServiceCAFile  = "service-ca.pem" // the service CA certificate (PEM), for clients to trust
	AdminTokenFile = "admin-token"    // the bearer token of the admin routes (mode 0600)
	URLFile        = "url"            // written by `sphere-emu service`: the URL it listens on
)

// Config configures a Service.
type Config struct {
	// DataDir holds the database and the files above; "" keeps everything
	// in memory (tests).
	DataDir string
	// Now is the service's clock; nil means time.Now. Simulations pass
	// their virtual clock.
	Now func() time.Time
	// Rand is the source of everything the service generates: nonces,
	// serial numbers, IDs, the admin token and CA keys. nil means
	// crypto/rand; tests pass a seeded reader for reproducible runs.
	Rand io.Reader
	// PlatformKey signs the OS releases the service trusts; nil means the
	// bundled TEST platform key (testdata/keys/platform-root.pub.pem).
	PlatformKey *ecdsa.PublicKey
	// CapabilityKey signs the capability files the service issues
	// (appDevelopment, fieldServicing); devices trust it as a platform key.
	// nil means the bundled TEST platform private key, whose public half the
	// sample images' keystores hold.
	CapabilityKey *ecdsa.PrivateKey
	// ErrorLog receives the HTTP server's errors (failed TLS handshakes,
	// broken connections); nil discards them.
	ErrorLog *log.Logger
}

// Service is a running security service. Its methods are safe for
// concurrent use.
type Service struct {
	db          *sql.DB
	capKey      *ecdsa.PrivateKey
	prodKey     *ecdsa.PrivateKey // re-signs tenant images (production.go)
	now         func() time.Time
	rand        *lockedReader
	platformKey *ecdsa.PublicKey
	dataDir     string
	errorLog    *log.Logger

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	ca         *authority // the service CA: server, update certificates
	caPEM      []byte
	serverCert tls.Certificate
	adminToken string
	tlsConfig  *tls.Config

	stmts map[string]*sql.Stmt // prepared statements of the attestation path
	wmu   sync.Mutex           // held by every write: see begin

	mu        sync.RWMutex
	tenantCAs map[string]*authority     // tenant ID → its CA, loaded at start and on CreateTenant
	releases  map[[32]byte][]releaseRef // OS image digest → the releases holding it

	srv       *http.Server
	mem       *memListener
	closeOnce sync.Once
	closeErr  error
}

// lockedReader serialises reads of the configured random source, which
// need not be safe for concurrent use (a seeded math/rand reader is not).
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return io.ReadFull(l.r, p)
}

// read fills p from the random source.
func (s *Service) read(p []byte) error {
	if _, err := s.rand.Read(p); err != nil {
		return fmt.Errorf("service: random source: %w", err)
	}
	return nil
}

// testPlatformKey is the bundled TEST platform key, which signs the
// bundled sample image.
var testPlatformKey = func() *ecdsa.PublicKey {
	k, err := image.ParsePublicKeyPEM(sphereemu.TestPlatformPublicKey)
	if err != nil {
		panic("service: the bundled test platform key does not parse: " + err.Error())
	}
	return k
}()

// New opens (or creates) the service's state and returns it ready to
// serve. On the first start it creates the service CA (ECDSA P-256,
// self-signed, valid 2025-01-01 for 10 years), the server certificate and
// the admin token; with a DataDir it writes service-ca.pem and admin-token
// there. At every start it registers the OS release of the sample image
// bundled in the binary, if it is not registered yet and the platform key
// is the bundled test key that signs it.
func New(cfg Config) (*Service, error) {
	s := &Service{
		now:         cfg.Now,
		platformKey: cfg.PlatformKey,
		dataDir:     cfg.DataDir,
		errorLog:    cfg.ErrorLog,
		tenantCAs:   make(map[string]*authority),
	}
	if s.errorLog == nil {
		s.errorLog = log.New(io.Discard, "", 0)
	}
	if s.now == nil {
		s.now = time.Now
	}
	r := cfg.Rand
	if r == nil {
		r = crand.Reader
	}
	s.rand = &lockedReader{r: r}
	if s.platformKey == nil {
		s.platformKey = testPlatformKey
	}
	s.capKey = cfg.CapabilityKey
	if s.capKey == nil {
		k, err := image.ParsePrivateKeyPEM(sphereemu.TestPlatformPrivateKey)
		if err != nil {
			return nil, fmt.Errorf("service: the bundled test platform key does not parse: %w", err)
		}
		s.capKey = k
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	db, err := store.Open(s.ctx, cfg.DataDir)
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("service: %w", err)
	}
	s.db = db
	if err := s.start(); err != nil {
		s.cancel()
		db.Close()
		return nil, err
	}
	return s, nil
}

// start loads or creates the identity, writes the data directory's files,
// loads the tenant CAs and registers the bundled OS release.
func (s *Service) start() error {
	if err := s.loadIdentity(); err != nil {
		return err
	}
	if err := s.loadTenantCAs(); err != nil {
		return err
	}
	if err := s.loadProductionKey(); err != nil {
		return err
	}
	if err := s.prepareAll(); err != nil {
		return err
	}
	if s.dataDir != "" {
		if err := writeFileAtomic(filepath.Join(s.dataDir, ServiceCAFile), s.caPEM, 0o644); err != nil {
			return fmt.Errorf("service: %w", err)
		}
		if err := writeFileAtomic(filepath.Join(s.dataDir, AdminTokenFile), []byte(s.adminToken+"\n"), 0o600); err != nil {
			return fmt.Errorf("service: %w", err)
		}
	}
	if err := s.loadReleases(); err != nil {
		return err
	}
	if s.platformKey.Equal(testPlatformKey) {
		if _, err := s.registerRelease(sphereemu.SampleImage, "bundled sample image (blink.bin)", true); err != nil {
			return fmt.Errorf("service: register the bundled sample's OS release: %w", err)
		}
	}
	s.tlsConfig = &tls.Config{
		Certificates: []tls.Certificate{s.serverCert},
		// Client certificates are checked per route, against the service CA
		// (device routes) or the tenant CAs (the cloud route).
		ClientAuth: tls.RequestClientCert,
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		// No session tickets: a TLS 1.3 server writes them right after the
		// handshake, which would block on a synchronous net.Pipe whose
		// client end is itself writing.
		SessionTicketsDisabled: true,
		Time:                   s.now,
	}
	s.mem = newMemListener()
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          s.errorLog,
	}
	go s.srv.Serve(tls.NewListener(s.mem, s.tlsConfig))
	return nil
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// begin starts a write transaction and holds the service's write lock
// until end is called (after Commit, or instead of it: end rolls back an
// uncommitted transaction). Writers queue on the lock rather than in
// SQLite's busy handler, which sleeps for milliseconds at a time.
func (s *Service) begin() (tx *sql.Tx, end func(), err error) {
	s.wmu.Lock()
	tx, err = s.db.BeginTx(s.ctx, nil)
	if err != nil {
		s.wmu.Unlock()
		return nil, nil, err
	}
	return tx, func() { tx.Rollback(); s.wmu.Unlock() }, nil
}

// Close stops serving (the in-memory listener and any Serve calls) and
// closes the database. It is safe to call more than once.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.srv != nil {
			errs = append(errs, s.srv.Close())
		}
		if s.mem != nil {
			s.mem.Close()
		}
		s.cancel()
		errs = append(errs, s.db.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("service: close: %w", err)
		}
	})
	return s.closeErr
}

// AdminToken returns the bearer token the admin routes require.
func (s *Service) AdminToken() string { return s.adminToken }

// ServiceCAPEM returns the service CA certificate in PEM form: clients
// trust it to reach the service, and it issues the update certificates.
func (s *Service) ServiceCAPEM() []byte { return append([]byte(nil), s.caPEM...) }

// ServerTLSConfig returns a copy of the TLS configuration the service
// serves with: its server certificate (SANs localhost, 127.0.0.1, ::1 and
// as3.sphere-emu.test) and tls.RequestClientCert, since each route checks
// client certificates against its own roots.
func (s *Service) ServerTLSConfig() *tls.Config { return s.tlsConfig.Clone() }

// ServiceCAPool returns a pool holding the service CA, for clients.
func (s *Service) ServiceCAPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.ca.cert)
	return p
}

// Errors the admin operations wrap, so callers (and the HTTP layer) can
// tell bad input, missing objects and conflicts apart with errors.Is.
var (
	ErrInvalid  = errors.New("invalid request")
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// kindError is an error message that wraps one of the kinds above without
// repeating its text.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func invalidf(format string, args ...any) error {
	return &kindError{ErrInvalid, fmt.Sprintf(format, args...)}
}

func notFoundf(format string, args ...any) error {
	return &kindError{ErrNotFound, fmt.Sprintf(format, args...)}
}

func conflictf(format string, args ...any) error {
	return &kindError{ErrConflict, fmt.Sprintf(format, args...)}
}

// nanos converts a time to the database's Unix nanoseconds.
func nanos(t time.Time) int64 { return t.UnixNano() }

// fromNanos converts the database's Unix nanoseconds to a UTC time.
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// newID returns a random (version 4) GUID in text form.
func (s *Service) newID() (string, error) {
	var b [16]byte
	if err := s.read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
