package service

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Validity of the service CA and of the certificates it issues for the
// server. The CA starts before any device's virtual clock (which starts at
// 2026-01-01) so that simulations and a service on the wall clock agree.
var (
	caNotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	caNotAfter  = caNotBefore.AddDate(10, 0, 0)
)

// Lifetimes the service gives what it issues.
const (
	TenantCALifetime   = 2 * 365 * 24 * time.Hour // a tenant CA, from its creation (the real one lasts 2 years)
	DeviceCertLifetime = 24 * time.Hour           // update and client certificates: the device re-attests daily
)

// ServerName is the DNS name in the server certificate besides localhost.
const ServerName = "as3.sphere-emu.test"

// authority is a CA the service signs with.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// newAuthority builds an authority from its DER certificate and PKCS #8 key.
func newAuthority(certDER, keyDER []byte) (*authority, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(keyDER)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("CA key is a %T, want ECDSA", k)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("CA key does not match its certificate")
	}
	return &authority{cert: cert, key: key, pem: pemCert(certDER)}, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// newKey derives a P-256 private key from the random source. Go's
// ecdsa.GenerateKey ignores the reader it is given, so a seeded run would
// not be reproducible; a raw scalar read from Rand is (values out of range
// are drawn again, as FIPS 186-5 rejection sampling does).
func (s *Service) newKey() (*ecdsa.PrivateKey, error) {
	for range 64 {
		var b [32]byte
		if err := s.read(b[:]); err != nil {
			return nil, err
		}
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b[:])
		if err == nil {
			return k, nil
		}
	}
	return nil, errors.New("service: random source gives no valid P-256 scalar")
}

// newSerial returns a random positive 128-bit certificate serial number.
func (s *Service) newSerial() (*big.Int, error) {
	var b [16]byte
	if err := s.read(b[:]); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	b[0] |= 0x01 // never zero, never a leading zero byte
	return new(big.Int).SetBytes(b[:]), nil
}

// sign creates a certificate. Signing with a nil reader gives RFC 6979
// deterministic ECDSA signatures, so certificates are reproducible too.
func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.CreateCertificate(nil, tmpl, parent, pub, key)
	if err != nil {
		return nil, fmt.Errorf("sign certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return der, nil
}

// newCA creates a self-signed CA certificate and its key.
func (s *Service) newCA(cn string, notBefore, notAfter time.Time) (certDER, keyDER []byte, err error) {
	key, err := s.newKey()
	if err != nil {
		return nil, nil, err
	}
	serial, err := s.newSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"sphere-emu"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	certDER, err = sign(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err = x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode CA key: %w", err)
	}
	return certDER, keyDER, nil
}

// Settings keys of the service's own identity.
const (
	settingCAKey      = "service_ca_key"
	settingCACert     = "service_ca_cert"
	settingServerKey  = "server_key"
	settingServerCert = "server_cert"
	settingAdminToken = "admin_token"
)

// loadIdentity reads the service CA, server certificate and admin token
// from the database, creating them on the first start.
func (s *Service) loadIdentity() error {
	tx, end, err := s.begin()
	if err != nil {
		return fmt.Errorf("service: load identity: %w", err)
	}
	defer end()
	get := func(key string) ([]byte, error) {
		var v []byte
		err := tx.QueryRowContext(s.ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return v, err
	}
	vals := map[string][]byte{}
	for _, k := range []string{settingCAKey, settingCACert, settingServerKey, settingServerCert, settingAdminToken} {
		v, err := get(k)
		if err != nil {
			return fmt.Errorf("service: load identity: %s: %w", k, err)
		}
		if v != nil {
			vals[k] = v
		}
	}
	if len(vals) == 0 {
		if vals, err = s.newIdentity(); err != nil {
			return fmt.Errorf("service: create identity: %w", err)
		}
		for k, v := range vals {
			if _, err := tx.ExecContext(s.ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, k, v); err != nil {
				return fmt.Errorf("service: create identity: store %s: %w", k, err)
			}
		}
	} else if len(vals) != 5 {
		return fmt.Errorf("service: load identity: the database holds %d of the 5 identity settings", len(vals))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("service: load identity: commit: %w", err)
	}

	ca, err := newAuthority(vals[settingCACert], vals[settingCAKey])
	if err != nil {
		return fmt.Errorf("service: load identity: service %w", err)
	}
	s.ca, s.caPEM = ca, ca.pem
	k, err := x509.ParsePKCS8PrivateKey(vals[settingServerKey])
	if err != nil {
		return fmt.Errorf("service: load identity: server key: %w", err)
	}
	leaf, err := x509.ParseCertificate(vals[settingServerCert])
	if err != nil {
		return fmt.Errorf("service: load identity: server certificate: %w", err)
	}
	s.serverCert = tls.Certificate{Certificate: [][]byte{vals[settingServerCert], ca.cert.Raw}, PrivateKey: k, Leaf: leaf}
	s.adminToken = string(vals[settingAdminToken])
	return nil
}

// newIdentity creates the service CA, the server certificate and the admin token.
func (s *Service) newIdentity() (map[string][]byte, error) {
	caDER, caKeyDER, err := s.newCA("sphere-emu security service CA", caNotBefore, caNotAfter)
	if err != nil {
		return nil, err
	}
	ca, err := newAuthority(caDER, caKeyDER)
	if err != nil {
		return nil, err
	}
	key, err := s.newKey()
	if err != nil {
		return nil, err
	}
	serial, err := s.newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: ServerName, Organization: []string{"sphere-emu"}},
		NotBefore:             caNotBefore,
		NotAfter:              caNotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost", ServerName},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	serverDER, err := sign(tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	serverKeyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode server key: %w", err)
	}
	var tok [32]byte
	if err := s.read(tok[:]); err != nil {
		return nil, err
	}
	return map[string][]byte{
		settingCAKey:      caKeyDER,
		settingCACert:     caDER,
		settingServerKey:  serverKeyDER,
		settingServerCert: serverDER,
		settingAdminToken: []byte(hex.EncodeToString(tok[:])),
	}, nil
}

// loadTenantCAs fills the tenant CA cache from the database.
func (s *Service) loadTenantCAs() error {
	rows, err := s.db.QueryContext(s.ctx, `SELECT id, ca_cert, ca_key FROM tenants`)
	if err != nil {
		return fmt.Errorf("service: load tenant CAs: %w", err)
	}
	defer rows.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for rows.Next() {
		var id string
		var certDER, keyDER []byte
		if err := rows.Scan(&id, &certDER, &keyDER); err != nil {
			return fmt.Errorf("service: load tenant CAs: %w", err)
		}
		a, err := newAuthority(certDER, keyDER)
		if err != nil {
			return fmt.Errorf("service: tenant %s: %w", id, err)
		}
		s.tenantCAs[id] = a
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("service: load tenant CAs: %w", err)
	}
	return nil
}

// tenantCA returns the CA of a tenant.
func (s *Service) tenantCA(id string) (*authority, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.tenantCAs[id]
	return a, ok
}

// issueDeviceCert issues a client-authentication certificate (CN = device
// ID) for pub, signed by issuer.
func issueDeviceCert(issuer *authority, deviceID string, pub *ecdsa.PublicKey, serial *big.Int, now time.Time) (*x509.Certificate, error) {
	notBefore := now.UTC().Truncate(time.Second)
	notAfter := notBefore.Add(DeviceCertLifetime)
	if notAfter.After(issuer.cert.NotAfter) {
		notAfter = issuer.cert.NotAfter
	}
	if !notBefore.Before(notAfter) || notBefore.Before(issuer.cert.NotBefore) {
		return nil, fmt.Errorf("issuer %q is not valid at %s", issuer.cert.Subject.CommonName, now.UTC().Format(time.RFC3339))
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: deviceID},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := sign(tmpl, issuer.cert, pub, issuer.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse issued certificate: %w", err)
	}
	return cert, nil
}

// Fingerprint returns the SHA-256 fingerprint of a DER certificate as
// colon-separated upper-case hex, the form browsers and openssl print.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	out := make([]byte, 0, len(sum)*3)
	for i, b := range sum {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, "0123456789ABCDEF"[b>>4], "0123456789ABCDEF"[b&15])
	}
	return string(out)
}

// ServiceCAFingerprint returns the SHA-256 fingerprint of the service CA.
func (s *Service) ServiceCAFingerprint() string { return Fingerprint(s.ca.cert.Raw) }
