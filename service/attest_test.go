package service_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/api"
)

func TestAttestIssuesCertificates(t *testing.T) {
	f := newFixture(t)
	certs, err := f.dev.attest(t, f.s, f.ms, nil)
	require.NoError(t, err)
	assert.Equal(t, f.tenant.ID, certs.TenantID)
	assert.Equal(t, start.Add(24*time.Hour), certs.NotAfter)
	assert.Equal(t, string(f.s.ServiceCAPEM()), certs.ServiceCA)

	tenantPEM, err := f.s.TenantCACertificatePEM("Contoso")
	require.NoError(t, err)
	assert.Equal(t, string(tenantPEM), certs.TenantCA)

	for _, tc := range []struct {
		name string
		cert string
		key  []byte
		root string
	}{
		{"update", certs.UpdateCertificate, xy(f.dev.update), certs.ServiceCA},
		{"client", certs.ClientCertificate, xy(f.dev.client), certs.TenantCA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := parseCert(t, tc.cert)
			assert.Equal(t, f.dev.ID(), c.Subject.CommonName)
			assert.Equal(t, start, c.NotBefore)
			assert.Equal(t, start.Add(service.DeviceCertLifetime), c.NotAfter)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, c.ExtKeyUsage)
			pub := image.PublicKeyBytes(c.PublicKey.(*ecdsaPublicKey))
			assert.Equal(t, tc.key, pub[:])
			roots := x509.NewCertPool()
			require.True(t, roots.AppendCertsFromPEM([]byte(tc.root)))
			_, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: start.Add(time.Hour),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			assert.NoError(t, err)
		})
	}

	log, err := f.s.DeviceAttestations(f.dev.ID())
	require.NoError(t, err)
	require.Len(t, log, 1)
	assert.True(t, log[0].OK)
	assert.Contains(t, log[0].Detail, "OS 26.11")

	d, err := f.s.ShowDevice(f.dev.ID())
	require.NoError(t, err)
	require.NotNil(t, d.LastAttestation)
	assert.True(t, d.LastAttestation.OK)
	assert.Equal(t, "Blinker/Field Test", d.DeviceGroup)
}

// refusalCode returns the code of a *service.Refusal, failing otherwise.
func refusalCode(t *testing.T, err error) (int, string) {
	t.Helper()
	var r *service.Refusal
	require.True(t, errors.As(err, &r), "want a refusal, got %v", err)
	return r.Status, r.Body.Code
}

func TestAttestRefusals(t *testing.T) {
	other := newDevice(t)
	tests := []struct {
		name   string
		run    func(t *testing.T, f *fixture) error
		status int
		code   string
		detail string // in the log entry and the reason
		// unlogged: refused before the token names a device it proves to be.
		unlogged bool
	}{
		{
			name: "unclaimed device",
			run: func(t *testing.T, f *fixture) error {
				_, err := other.attest(t, f.s, f.ms, nil)
				return err
			},
			status: 403, code: api.ReasonUnclaimed, detail: "no tenant has claimed",
		},
		{
			name: "nonce never issued",
			run: func(t *testing.T, f *fixture) error {
				_, err := f.dev.attest(t, f.s, f.ms, func(c *attest.Claims) { c.Nonce = digest("made up") })
				return err
			},
			status: 403, code: api.ReasonNonce, detail: "not one this service issued",
		},
		{
			name: "nonce replayed",
			run: func(t *testing.T, f *fixture) error {
				ch, err := f.s.Challenge(f.dev.ID())
				require.NoError(t, err)
				tok := f.dev.token(t, f.dev.claims(ch.Nonce, f.ms))
				_, err = f.s.Attest(tok)
				require.NoError(t, err)
				_, err = f.s.Attest(tok)
				return err
			},
			status: 403, code: api.ReasonNonce, detail: "already used",
		},
		{
			name: "nonce issued to another device",
			run: func(t *testing.T, f *fixture) error {
				ch, err := f.s.Challenge(other.ID())
				require.NoError(t, err)
				_, err = f.s.Attest(f.dev.token(t, f.dev.claims(ch.Nonce, f.ms)))
				return err
			},
			status: 403, code: api.ReasonNonce, detail: "issued to another device",
		},
		{
			name: "nonce expired",
			run: func(t *testing.T, f *fixture) error {
				ch, err := f.s.Challenge(f.dev.ID())
				require.NoError(t, err)
				f.clock.Advance(service.NonceLifetime + time.Second)
				_, err = f.s.Attest(f.dev.token(t, f.dev.claims(ch.Nonce, f.ms)))
				return err
			},
			status: 403, code: api.ReasonNonce, detail: "expired",
		},
		{
			name: "nonce consumed by a refused attempt",
			run: func(t *testing.T, f *fixture) error {
				ch, err := f.s.Challenge(f.dev.ID())
				require.NoError(t, err)
				c := f.dev.claims(ch.Nonce, f.ms)
				c.SecurityState = 1
				_, err = f.s.Attest(f.dev.token(t, c))
				_, code := refusalCode(t, err)
				require.Equal(t, api.ReasonSecurityState, code)
				c.SecurityState = 2
				_, err = f.s.Attest(f.dev.token(t, c))
				return err
			},
			status: 403, code: api.ReasonNonce, detail: "already used",
		},
		{
			name: "not in the SECURE state",
			run: func(t *testing.T, f *fixture) error {
				_, err := f.dev.attest(t, f.s, f.ms, func(c *attest.Claims) { c.SecurityState = 0 })
				return err
			},
			status: 403, code: api.ReasonSecurityState, detail: "security state is 0",
		},
		{
			name: "unknown OS image",
			run: func(t *testing.T, f *fixture) error {
				ms := append([]attest.Measurement(nil), f.ms...)
				ms[4] = attest.Measurement{Type: uint32(image.ImageTypeNormalWorldKernel), Digest: digest("evil kernel")}
				_, err := f.dev.attest(t, f.s, ms, nil)
				return err
			},
			status: 403, code: api.ReasonUnknownSoftware, detail: "NormalWorldKernel image",
		},
		{
			name: "OS digest measured as another image type",
			run: func(t *testing.T, f *fixture) error {
				ms := append([]attest.Measurement(nil), f.ms...)
				ms[4].Type = uint32(image.ImageTypeRootFs)
				_, err := f.dev.attest(t, f.s, ms, nil)
				return err
			},
			status: 403, code: api.ReasonUnknownSoftware, detail: "belongs to no registered OS release",
		},
		{
			name: "app the tenant never added",
			run: func(t *testing.T, f *fixture) error {
				ms := measurements(t, testdata(t, "images/crash.bin"))
				_, err := f.dev.attest(t, f.s, ms, nil)
				return err
			},
			status: 403, code: api.ReasonUnknownSoftware, detail: "no image of the device's tenant",
		},
		{
			name: "app another tenant added",
			run: func(t *testing.T, f *fixture) error {
				_, err := f.s.CreateTenant("Fabrikam")
				require.NoError(t, err)
				_, err = f.s.AddImage("Fabrikam", testdata(t, "images/crash.imagepackage"))
				require.NoError(t, err)
				_, err = f.dev.attest(t, f.s, measurements(t, testdata(t, "images/crash.bin")), nil)
				return err
			},
			status: 403, code: api.ReasonUnknownSoftware, detail: "no image of the device's tenant",
		},
		{
			name: "no OS measured",
			run: func(t *testing.T, f *fixture) error {
				_, err := f.dev.attest(t, f.s, f.ms[len(f.ms)-1:], nil)
				return err
			},
			status: 403, code: api.ReasonUnknownSoftware, detail: "measures no OS image",
		},
		{
			name: "OS rollback",
			run: func(t *testing.T, f *fixture) error {
				svn2 := testdata(t, "images/blink-svn2.bin")
				_, err := f.s.AddOSRelease(svn2)
				require.NoError(t, err)
				_, err = f.dev.attest(t, f.s, measurements(t, svn2), nil)
				require.NoError(t, err)
				_, err = f.dev.attest(t, f.s, f.ms, nil)
				return err
			},
			status: 403, code: api.ReasonRollback, detail: "SVN 1, below the 2",
		},
		{
			name: "OS version claim differs from the measured release",
			run: func(t *testing.T, f *fixture) error {
				_, err := f.dev.attest(t, f.s, f.ms, func(c *attest.Claims) { c.OSVersion = "22.09" })
				return err
			},
			status: 403, code: api.ReasonOSVersionMismatch, detail: `claims OS version "22.09"`,
		},
		{
			name: "signed by another key",
			run: func(t *testing.T, f *fixture) error {
				ch, err := f.s.Challenge(f.dev.ID())
				require.NoError(t, err)
				tok, err := attest.Sign(f.dev.claims(ch.Nonce, f.ms), signWith(other.identity))
				require.NoError(t, err)
				_, err = f.s.Attest(tok)
				return err
			},
			status: 403, code: api.ReasonBadSignature, detail: "signature does not verify",
		},
		{
			name: "no client key",
			run: func(t *testing.T, f *fixture) error {
				_, err := f.dev.attest(t, f.s, f.ms, func(c *attest.Claims) { c.ClientKey = nil })
				return err
			},
			status: 400, code: api.ReasonMalformed, detail: "no client key",
		},
		{
			name: "not a token",
			run: func(t *testing.T, f *fixture) error {
				_, err := f.s.Attest([]byte("hello"))
				return err
			},
			status: 400, code: api.ReasonMalformed, detail: "not a COSE_Sign1", unlogged: true,
		},
		{
			name: "too large",
			run: func(t *testing.T, f *fixture) error {
				_, err := f.s.Attest(make([]byte, attest.MaxTokenSize+1))
				return err
			},
			status: 413, code: api.ReasonTooLarge, detail: "limit", unlogged: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			err := tc.run(t, f)
			status, code := refusalCode(t, err)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, err.Error(), tc.detail)
			if tc.unlogged {
				return
			}
			id := f.dev.ID()
			if tc.code == api.ReasonUnclaimed {
				id = other.ID()
			}
			log, err := f.s.DeviceAttestations(id)
			require.NoError(t, err)
			require.NotEmpty(t, log)
			last := log[len(log)-1]
			assert.False(t, last.OK)
			assert.Equal(t, tc.code, last.Reason)
			assert.Contains(t, last.Detail, tc.detail)
		})
	}
}

// An app's SVN is checked per component: a newer image of the app raises
// the mark, and the older one is then refused.
func TestAttestAppRollback(t *testing.T) {
	f := newFixture(t)
	// A second build of the Blink component with SVN 3, signed by the test app key.
	old := flashPackages(t, testdata(t, "images/blink.bin"))
	app := old[len(old)-1]
	key, err := image.ParsePrivateKeyPEM(testdata(t, "keys/app-signing.key.pem"))
	require.NoError(t, err)
	md := app.Metadata
	svn := uint32(3)
	md.SVN = &svn
	id := *md.Identity
	id.ImageID = image.DeriveImageID(id.ComponentID, app.Payload, svn, 0)
	md.Identity = &id
	newer, err := image.BuildPackage(app.Payload, md, key)
	require.NoError(t, err)
	im, err := f.s.AddImage("", newer)
	require.NoError(t, err)
	assert.Equal(t, uint32(3), im.SVN)
	np, err := image.ParsePackage(newer)
	require.NoError(t, err)
	nd := np.Digest()

	ms := append([]attest.Measurement(nil), f.ms...)
	ms[len(ms)-1] = attest.Measurement{Type: uint32(image.ImageTypeApplications), Digest: nd[:]}
	_, err = f.dev.attest(t, f.s, ms, nil)
	require.NoError(t, err)

	_, err = f.dev.attest(t, f.s, f.ms, nil)
	_, code := refusalCode(t, err)
	assert.Equal(t, api.ReasonRollback, code)
	assert.Contains(t, err.Error(), `app "Blink"`)

	// Another device is unaffected: marks are per device.
	d2 := newDevice(t)
	_, err = f.s.ClaimDevice("", d2.ID(), "")
	require.NoError(t, err)
	_, err = d2.attest(t, f.s, f.ms, nil)
	assert.NoError(t, err)
}

// The HTTP routes answer with the refusal's status and an api.Error body.
func TestDeviceRoutesHTTP(t *testing.T) {
	f := newFixture(t)
	h := f.s.Handler()
	do := func(path, ctype string, body []byte) (*httptest.ResponseRecorder, api.Error) {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var e api.Error
		if rec.Code >= 400 {
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
		}
		return rec, e
	}

	rec, _ := do(api.PathChallenge, "application/json", []byte(`{"deviceId":"`+f.dev.ID()+`"}`))
	require.Equal(t, 200, rec.Code)
	var ch api.ChallengeResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ch))
	assert.Len(t, ch.Nonce, attest.NonceSize)
	assert.Equal(t, start.Add(service.NonceLifetime), ch.ExpiresAt)

	tok := f.dev.token(t, f.dev.claims(ch.Nonce, f.ms))
	rec, e := do(api.PathAttest, "application/json", tok)
	assert.Equal(t, http.StatusUnsupportedMediaType, rec.Code)
	assert.Equal(t, api.ReasonMalformed, e.Code)

	rec, _ = do(api.PathAttest, api.ContentTypeCOSE, tok)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	var certs api.Certificates
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &certs))
	assert.NotEmpty(t, certs.ClientCertificate)

	rec, e = do(api.PathAttest, api.ContentTypeCOSE, tok)
	assert.Equal(t, 403, rec.Code)
	assert.Equal(t, api.ReasonNonce, e.Code)

	rec, e = do(api.PathAttest, api.ContentTypeCOSE, make([]byte, attest.MaxTokenSize+1))
	assert.Equal(t, 413, rec.Code)
	assert.Equal(t, api.ReasonTooLarge, e.Code)

	for _, body := range []string{`{}`, `{"deviceId":"xyz"}`, `{"deviceId":"` + f.dev.ID() + `","x":1}`, `[`, `{"deviceId":"` + f.dev.ID() + `"} {}`} {
		rec, e = do(api.PathChallenge, "application/json", []byte(body))
		assert.Equal(t, 400, rec.Code, body)
		assert.Equal(t, api.ReasonMalformed, e.Code, body)
	}

	// Plain HTTP carries no client certificate.
	rec, e = do(api.PathErrorReports, "application/json", []byte(`{"events":[]}`))
	assert.Equal(t, 401, rec.Code)
	assert.Equal(t, api.ReasonUnauthenticated, e.Code)

	rec, _ = do("/nowhere", "application/json", nil)
	assert.Equal(t, 404, rec.Code)
}

// The whole exchange over the in-memory TLS dialer, as a device does it.
func TestAttestOverDialContext(t *testing.T) {
	f := newFixture(t)
	c := httpClient(f.s, nil)
	var ch api.ChallengeResponse
	require.Equal(t, 200, postJSON(t, c, api.PathChallenge, api.ChallengeRequest{DeviceID: f.dev.ID()}, &ch))
	tok := f.dev.token(t, f.dev.claims(ch.Nonce, f.ms))
	resp, err := c.Post("https://"+service.ServerName+api.PathAttest, api.ContentTypeCOSE, bytes.NewReader(tok))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, 200, resp.StatusCode, string(b))
	var certs api.Certificates
	require.NoError(t, json.Unmarshal(b, &certs))
	assert.Equal(t, f.tenant.ID, certs.TenantID)
}

// Concurrent attestations on a file database all succeed: writers queue
// on the service's write lock, never in SQLite's busy handler.
func TestAttestConcurrently(t *testing.T) {
	s, err := service.New(service.Config{DataDir: t.TempDir(), Now: newClock().Now, Rand: seeded(4)})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.CreateTenant("A")
	require.NoError(t, err)
	_, err = s.AddImage("", testdata(t, "images/blink.imagepackage"))
	require.NoError(t, err)
	ms := measurements(t, testdata(t, "images/blink.bin"))
	devs := make([]*device, 8)
	for i := range devs {
		devs[i] = newDevice(t)
		_, err := s.ClaimDevice("", devs[i].ID(), "")
		require.NoError(t, err)
	}
	errs := make(chan error, len(devs)*5)
	var wg sync.WaitGroup
	for _, d := range devs {
		wg.Go(func() {
			for range 5 {
				_, err := d.attest(t, s, ms, nil)
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	for _, d := range devs {
		log, err := s.DeviceAttestations(d.ID())
		require.NoError(t, err)
		assert.Len(t, log, 5)
	}
}
