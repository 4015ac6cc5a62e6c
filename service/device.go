package service

import (
	"crypto/ecdsa"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/service/api"
)

// NonceLifetime is how long a challenge nonce stays valid, in service time.
const NonceLifetime = 5 * time.Minute

// SecureState is the Pluton security state attestation requires (SECURE).
const SecureState = 2

// Refusal is a device request the service turned down: the HTTP status
// and the api.Error body it answers with.
type Refusal struct {
	Status int
	Body   api.Error
}

// Error says the refusal's code and reason.
func (r *Refusal) Error() string {
	return fmt.Sprintf("service: refused (%s): %s", r.Body.Code, r.Body.Reason)
}

func refuse(status int, code, format string, args ...any) *Refusal {
	return &Refusal{Status: status, Body: api.Error{Code: code, Reason: fmt.Sprintf(format, args...)}}
}

// Challenge issues a fresh single-use nonce for a device, valid for
// NonceLifetime of service time. Any device may ask; whether it is
// claimed is checked when it presents the nonce.
func (s *Service) Challenge(deviceID string) (api.ChallengeResponse, error) {
	id, err := ParseDeviceID(deviceID)
	if err != nil {
		return api.ChallengeResponse{}, fmt.Errorf("service: challenge: %w", err)
	}
	nonce := make([]byte, attest.NonceSize)
	if err := s.read(nonce); err != nil {
		return api.ChallengeResponse{}, fmt.Errorf("service: challenge: %w", err)
	}
	now := s.now()
	expires := now.Add(NonceLifetime)
	tx, end, err := s.begin()
	if err != nil {
		return api.ChallengeResponse{}, fmt.Errorf("service: challenge: %w", err)
	}
	defer end()
	// Forget nonces that expired a while ago: a late replay then reads as
	// unknown rather than expired, which is refused all the same.
	if _, err := s.pq(tx).ExecContext(s.ctx, sqlDeleteOldNonces, nanos(now.Add(-time.Hour))); err != nil {
		return api.ChallengeResponse{}, fmt.Errorf("service: challenge: expire nonces: %w", err)
	}
	if _, err := s.pq(tx).ExecContext(s.ctx, sqlInsertNonce,
		nonce, id, nanos(expires)); err != nil {
		return api.ChallengeResponse{}, fmt.Errorf("service: challenge: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return api.ChallengeResponse{}, fmt.Errorf("service: challenge: %w", err)
	}
	return api.ChallengeResponse{Nonce: nonce, ExpiresAt: expires.UTC()}, nil
}

// logAttempt appends to a device's attestation log.
func (s *Service) logAttempt(q querier, deviceID string, ok bool, reason, detail string) error {
	_, err := s.pq(q).ExecContext(s.ctx, sqlLogAttempt,
		deviceID, nanos(s.now()), ok, reason, detail)
	if err != nil {
		return fmt.Errorf("service: attestation log: %w", err)
	}
	return nil
}

// refuseLogged records a refusal in the device's log and returns it.
func (s *Service) refuseLogged(deviceID string, r *Refusal) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.logAttempt(s.db, deviceID, false, r.Body.Code, r.Body.Reason); err != nil {
		return err
	}
	return r
}

// measured is one measurement matched to known software.
type measured struct {
	what      string // for people: "NormalWorldKernel 26.11" or "app Blink (component …)"
	component string // anti-rollback key: "os:<type>" or "app:<component ID>"
	svn       uint32
	versions  []string // OS images: the versions of the releases that hold the digest
}

// Attest checks an attestation token and, if the device may be trusted,
// issues its certificates. A refusal is a *Refusal (its Status is the
// HTTP status: 400 malformed, 413 too large, 403 otherwise) and, once the
// token's signature verifies, is recorded in the device's attestation log.
//
// The checks, in order: the token parses (ReasonMalformed) and its
// signature verifies with the identity key it names (ReasonBadSignature);
// its nonce was issued to this device, is unexpired and unused
// (ReasonNonce: the nonce is consumed here, whatever follows); a tenant
// claimed the device (ReasonUnclaimed); Pluton is in the SECURE state
// (ReasonSecurityState); every measurement is an image of a registered OS
// release or of the device's tenant (ReasonUnknownSoftware); no SVN is
// below what the device attested before for that component
// (ReasonRollback); and the OSVersion claim is the version of the release
// the OS measurements belong to (ReasonOSVersionMismatch).
//
// On success it raises the device's SVN high-water marks and issues an
// update certificate (CN = device ID, key = UpdateKey, by the service CA)
// and a client certificate (CN = device ID, key = ClientKey, by the tenant
// CA), both valid DeviceCertLifetime from service time.
func (s *Service) Attest(token []byte) (*api.Certificates, error) {
	if len(token) > attest.MaxTokenSize {
		return nil, refuse(http.StatusRequestEntityTooLarge, api.ReasonTooLarge, "the token is %d bytes, the limit is %d", len(token), attest.MaxTokenSize)
	}
	claims, _, err := attest.Parse(token)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, api.ReasonMalformed, "%v", err)
	}
	deviceID := hex.EncodeToString(claims.DeviceID)
	if _, err := attest.Verify(token); err != nil {
		return nil, s.refuseLogged(deviceID, refuse(http.StatusForbidden, api.ReasonBadSignature, "%v", err))
	}
	updateKey, clientKey, err := certKeys(claims)
	if err != nil {
		return nil, s.refuseLogged(deviceID, refuse(http.StatusBadRequest, api.ReasonMalformed, "%v", err))
	}

	// The checks that only read are made first and reported in their
	// place, after the nonce's; the nonce and the SVN marks are checked,
	// and the outcome recorded, in one write transaction.
	tenantID, ms, early, err := s.precheck(deviceID, claims)
	if err != nil {
		return nil, fmt.Errorf("service: attest: %w", err)
	}
	versionRefusal := checkOSVersion(claims.OSVersion, ms)

	// Sign before the transaction, to keep it short, unless a refusal is
	// already certain: a replayed token must not buy two signatures.
	var out *api.Certificates
	var issued []issuedCert
	if early == nil && versionRefusal == nil && s.nonceLooksUsable(deviceID, claims.Nonce) {
		if out, issued, err = s.issue(tenantID, deviceID, updateKey, clientKey); err != nil {
			return nil, fmt.Errorf("service: attest: %w", err)
		}
	}

	tx, end, err := s.begin()
	if err != nil {
		return nil, fmt.Errorf("service: attest: %w", err)
	}
	defer end()
	refusal, err := s.consumeNonce(tx, deviceID, claims.Nonce)
	if err != nil {
		return nil, fmt.Errorf("service: attest: %w", err)
	}
	if refusal == nil {
		refusal = early
	}
	if refusal == nil {
		if refusal, err = s.checkRollback(tx, deviceID, ms); err != nil {
			return nil, fmt.Errorf("service: attest: %w", err)
		}
	}
	if refusal == nil {
		refusal = versionRefusal
	}
	if refusal == nil && out == nil {
		// The nonce was consumed since it was looked at; consumeNonce found
		// it usable, so this cannot happen.
		return nil, fmt.Errorf("service: attest: the nonce changed state during the attestation")
	}
	if refusal != nil {
		if err := s.logAttempt(tx, deviceID, false, refusal.Body.Code, refusal.Body.Reason); err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("service: attest: %w", err)
		}
		return nil, refusal
	}
	now := nanos(s.now())
	for _, m := range ms {
		if _, err := s.pq(tx).ExecContext(s.ctx, sqlRaiseSVN, deviceID, m.component, m.svn, now); err != nil {
			return nil, fmt.Errorf("service: attest: SVN high-water mark: %w", err)
		}
	}
	for _, c := range issued {
		if _, err := s.pq(tx).ExecContext(s.ctx, sqlInsertCert, c.serial, deviceID, c.kind, c.issuer, nanos(c.notBefore), nanos(c.notAfter), c.der); err != nil {
			return nil, fmt.Errorf("service: attest: record certificate: %w", err)
		}
	}
	detail := fmt.Sprintf("attested OS %s with %d measurements; certificates valid until %s",
		claims.OSVersion, len(ms), out.NotAfter.Format(time.RFC3339))
	if err := s.logAttempt(tx, deviceID, true, "", detail); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("service: attest: %w", err)
	}
	return out, nil
}

// precheck makes the read-only checks: claimed, security state, known
// software. It returns the first refusal among them, if any.
func (s *Service) precheck(deviceID string, claims *attest.Claims) (tenantID string, ms []measured, r *Refusal, err error) {
	switch err := s.pq(s.db).QueryRowContext(s.ctx, sqlDeviceTenant, deviceID).Scan(&tenantID); {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil, refuse(http.StatusForbidden, api.ReasonUnclaimed, "no tenant has claimed device %s", truncate(deviceID, 16)), nil
	case err != nil:
		return "", nil, nil, err
	}
	if claims.SecurityState != SecureState {
		return tenantID, nil, refuse(http.StatusForbidden, api.ReasonSecurityState,
			"Pluton's security state is %d, not %d (SECURE)", claims.SecurityState, SecureState), nil
	}
	ms, r, err = s.matchMeasurements(tenantID, claims.Measurements)
	return tenantID, ms, r, err
}

// certKeys decodes the keys the certificates are for.
func certKeys(c *attest.Claims) (update, client *ecdsa.PublicKey, err error) {
	if c.UpdateKey == nil {
		return nil, nil, errors.New("the token carries no update key")
	}
	if c.ClientKey == nil {
		return nil, nil, errors.New("the token carries no client key")
	}
	if update, err = attest.PublicKey(c.UpdateKey); err != nil {
		return nil, nil, fmt.Errorf("update key: %w", err)
	}
	if client, err = attest.PublicKey(c.ClientKey); err != nil {
		return nil, nil, fmt.Errorf("client key: %w", err)
	}
	return update, client, nil
}

// nonceLooksUsable reports whether a nonce is, for now, issued to this
// device, unused and unexpired (consumeNonce decides, atomically).
func (s *Service) nonceLooksUsable(deviceID string, nonce []byte) bool {
	var owner string
	var expires int64
	var used bool
	err := s.pq(s.db).QueryRowContext(s.ctx, sqlSelectNonce, nonce).Scan(&owner, &expires, &used)
	return err == nil && !used && owner == deviceID && !s.now().After(fromNanos(expires))
}

// consumeNonce marks a nonce used and says why it is not acceptable, if it is not.
func (s *Service) consumeNonce(tx *sql.Tx, deviceID string, nonce []byte) (*Refusal, error) {
	var owner string
	var expires int64
	var used bool
	err := s.pq(tx).QueryRowContext(s.ctx, sqlSelectNonce, nonce).Scan(&owner, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return refuse(http.StatusForbidden, api.ReasonNonce, "the nonce is not one this service issued (or it expired long ago)"), nil
	}
	if err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	if !used {
		if _, err := s.pq(tx).ExecContext(s.ctx, sqlUseNonce, nonce); err != nil {
			return nil, fmt.Errorf("nonce: %w", err)
		}
	}
	now := s.now()
	switch {
	case used:
		return refuse(http.StatusForbidden, api.ReasonNonce, "the nonce was already used: a replayed token"), nil
	case owner != deviceID:
		return refuse(http.StatusForbidden, api.ReasonNonce, "the nonce was issued to another device (%s)", truncate(owner, 16)), nil
	case now.After(fromNanos(expires)):
		return refuse(http.StatusForbidden, api.ReasonNonce, "the nonce expired at %s (service time %s)",
			fromNanos(expires).Format(time.RFC3339), now.UTC().Format(time.RFC3339)), nil
	}
	return nil, nil
}

// matchMeasurements finds each measurement among the registered OS
// releases (OS images) or the tenant's images (applications).
func (s *Service) matchMeasurements(tenantID string, list []attest.Measurement) ([]measured, *Refusal, error) {
	var out []measured
	osCount := 0
	for i, m := range list {
		t := image.ImageType(m.Type)
		if t == image.ImageTypeApplications {
			var cid, imgID, name string
			var svn uint32
			err := s.pq(s.db).QueryRowContext(s.ctx, sqlTenantImage,
				tenantID, m.Digest, m.Digest).Scan(&imgID, &cid, &name, &svn)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, refuse(http.StatusForbidden, api.ReasonUnknownSoftware,
					"measurement %d, an application with SHA-256 %x…, is no image of the device's tenant", i, m.Digest[:8]), nil
			}
			if err != nil {
				return nil, nil, err
			}
			out = append(out, measured{what: fmt.Sprintf("app %q (image %s)", name, imgID), component: "app:" + cid, svn: svn})
			continue
		}
		mm := measured{what: t.String(), component: fmt.Sprintf("os:%d", m.Type)}
		found := false
		for _, ref := range s.releasesOf(m.Digest) {
			if ref.imageType == m.Type {
				found = true
				mm.svn = ref.svn
				if !slices.Contains(mm.versions, ref.version) {
					mm.versions = append(mm.versions, ref.version)
				}
			}
		}
		if !found {
			return nil, refuse(http.StatusForbidden, api.ReasonUnknownSoftware,
				"measurement %d, a %v image with SHA-256 %x…, belongs to no registered OS release", i, t, m.Digest[:8]), nil
		}
		osCount++
		out = append(out, mm)
	}
	if osCount == 0 {
		return nil, refuse(http.StatusForbidden, api.ReasonUnknownSoftware, "the token measures no OS image"), nil
	}
	return out, nil, nil
}

// checkRollback compares SVNs with the device's high-water marks.
func (s *Service) checkRollback(tx *sql.Tx, deviceID string, ms []measured) (*Refusal, error) {
	for _, m := range ms {
		var hw uint32
		err := s.pq(tx).QueryRowContext(s.ctx, sqlDeviceSVN, deviceID, m.component).Scan(&hw)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.svn < hw {
			return refuse(http.StatusForbidden, api.ReasonRollback,
				"%s has SVN %d, below the %d this device attested before", m.what, m.svn, hw), nil
		}
	}
	return nil, nil
}

// checkOSVersion checks the OSVersion claim against the releases the OS
// measurements belong to.
func checkOSVersion(claimed string, ms []measured) *Refusal {
	for _, m := range ms {
		if m.versions != nil && !slices.Contains(m.versions, claimed) {
			return refuse(http.StatusForbidden, api.ReasonOSVersionMismatch,
				"the token claims OS version %q but the measured %s belongs to release %s", claimed, m.what, strings.Join(m.versions, ", "))
		}
	}
	return nil
}

// issuedCert is a certificate to record.
type issuedCert struct {
	serial, kind, issuer string
	notBefore, notAfter  time.Time
	der                  []byte
}

// issue signs a device's update and client certificates.
func (s *Service) issue(tenantID, deviceID string, updateKey, clientKey *ecdsa.PublicKey) (*api.Certificates, []issuedCert, error) {
	tca, ok := s.tenantCA(tenantID)
	if !ok {
		return nil, nil, fmt.Errorf("tenant %s has no CA loaded", tenantID)
	}
	now := s.now()
	us, err := s.newSerial()
	if err != nil {
		return nil, nil, err
	}
	cs, err := s.newSerial()
	if err != nil {
		return nil, nil, err
	}
	upd, err := issueDeviceCert(s.ca, deviceID, updateKey, us, now)
	if err != nil {
		return nil, nil, fmt.Errorf("update certificate: %w", err)
	}
	cli, err := issueDeviceCert(tca, deviceID, clientKey, cs, now)
	if err != nil {
		return nil, nil, fmt.Errorf("client certificate: %w", err)
	}
	notAfter := upd.NotAfter
	if cli.NotAfter.Before(notAfter) {
		notAfter = cli.NotAfter
	}
	out := &api.Certificates{
		TenantID:          tenantID,
		UpdateCertificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: upd.Raw})),
		ClientCertificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cli.Raw})),
		TenantCA:          string(tca.pem),
		ServiceCA:         string(s.caPEM),
		NotAfter:          notAfter.UTC(),
	}
	return out, []issuedCert{
		{serial: upd.SerialNumber.Text(16), kind: "update", issuer: "service", notBefore: upd.NotBefore, notAfter: upd.NotAfter, der: upd.Raw},
		{serial: cli.SerialNumber.Text(16), kind: "client", issuer: tenantID, notBefore: cli.NotBefore, notAfter: cli.NotAfter, der: cli.Raw},
	}, nil
}
