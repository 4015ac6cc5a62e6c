package service

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/sphere-emu/sphere-emu/service/api"
)

// PathTelemetry is the company cloud's route: POST a JSON body with a
// client certificate issued by a tenant CA (mutual TLS), as an Azure IoT
// Hub trusting the tenant CA would accept it.
const PathTelemetry = "/cloud/v1/telemetry"

// MaxTelemetryBytes bounds one telemetry message.
const MaxTelemetryBytes = 64 << 10

// TelemetryAccepted answers a stored telemetry message.
type TelemetryAccepted struct {
	ID int64 `json:"id"`
}

// AuthenticateTenantDevice checks a client certificate chain presented to
// the company cloud: the leaf must chain to some tenant's CA, be valid at
// service time and allow client authentication. It returns the tenant and
// the device ID (the CN).
func (s *Service) AuthenticateTenantDevice(chain []*x509.Certificate) (tenantID, deviceID string, err error) {
	if len(chain) == 0 {
		return "", "", refuse(http.StatusUnauthorized, api.ReasonUnauthenticated,
			"no client certificate: the cloud accepts devices by the client certificate their tenant CA issued")
	}
	roots := x509.NewCertPool()
	s.mu.RLock()
	for _, ca := range s.tenantCAs {
		roots.AddCert(ca.cert)
	}
	s.mu.RUnlock()
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	chains, err := chain[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   s.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return "", "", refuse(http.StatusUnauthorized, api.ReasonUnauthenticated,
			"the client certificate is not issued by a tenant CA or not valid now: %v", err)
	}
	root := chains[0][len(chains[0])-1]
	s.mu.RLock()
	for id, ca := range s.tenantCAs {
		if ca.cert.Equal(root) {
			tenantID = id
		}
	}
	s.mu.RUnlock()
	if tenantID == "" {
		return "", "", fmt.Errorf("service: the verified chain ends at an unknown CA")
	}
	deviceID, err = ParseDeviceID(chain[0].Subject.CommonName)
	if err != nil {
		return "", "", refuse(http.StatusUnauthorized, api.ReasonUnauthenticated, "the certificate's subject is not a device: %v", err)
	}
	return tenantID, deviceID, nil
}

// RecordTelemetry stores a telemetry message of an authenticated device
// (see AuthenticateTenantDevice): a JSON value of at most
// MaxTelemetryBytes.
func (s *Service) RecordTelemetry(tenantID, deviceID string, body []byte) (TelemetryAccepted, error) {
	if len(body) > MaxTelemetryBytes {
		return TelemetryAccepted{}, fmt.Errorf("service: telemetry: %w", invalidf("a body of %d bytes exceeds %d", len(body), MaxTelemetryBytes))
	}
	if !json.Valid(body) {
		return TelemetryAccepted{}, fmt.Errorf("service: telemetry: %w", invalidf("the body is not JSON"))
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(s.ctx, `INSERT INTO telemetry (tenant_id, device_id, time, body) VALUES (?, ?, ?, ?)`,
		tenantID, deviceID, nanos(s.now()), string(body))
	if err != nil {
		return TelemetryAccepted{}, fmt.Errorf("service: telemetry: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return TelemetryAccepted{}, fmt.Errorf("service: telemetry: %w", err)
	}
	return TelemetryAccepted{ID: id}, nil
}
