package service_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/api"
	"github.com/sphere-emu/sphere-emu/service/store"
)

func TestAdminRoutesNeedTheToken(t *testing.T) {
	s, _ := newService(t)
	h := s.Handler()
	tests := []struct {
		name, auth, path string
		status           int
		reason           string
	}{
		{"no header", "", service.AdminTenants, 401, "no Authorization header"},
		{"wrong scheme", "Basic " + s.AdminToken(), service.AdminTenants, 401, "not \"Bearer <token>\""},
		{"wrong token", "Bearer nope", service.AdminTenants, 401, "the admin token is wrong"},
		{"unknown route without a token", "", service.AdminPrefix + "/secrets", 401, "no Authorization header"},
		{"right token", "Bearer " + s.AdminToken(), service.AdminTenants, 200, ""},
		{"unknown route with the token", "Bearer " + s.AdminToken(), service.AdminPrefix + "/secrets", 404, "no admin route"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			if tc.status == 200 {
				return
			}
			var e api.Error
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
			assert.Contains(t, e.Reason, tc.reason)
			if tc.status == 401 {
				assert.Equal(t, api.ReasonUnauthenticated, e.Code)
				assert.NotEmpty(t, rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

// admin calls an admin route with the token.
func admin(t *testing.T, s *service.Service, method, path string, body any) (int, []byte) {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	default:
		var err error
		b, err = json.Marshal(v)
		require.NoError(t, err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+s.AdminToken())
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func TestAdminRoutes(t *testing.T) {
	s, _ := newService(t)
	code, body := admin(t, s, "POST", service.AdminTenants, service.CreateTenantRequest{Name: "Contoso"})
	require.Equal(t, 201, code, string(body))
	var tn service.Tenant
	require.NoError(t, json.Unmarshal(body, &tn))
	assert.Equal(t, "Contoso", tn.Name)

	steps := []struct {
		method, path string
		body         any
		status       int
		contains     string
	}{
		{"POST", service.AdminTenants, service.CreateTenantRequest{Name: "Contoso"}, 409, "already exists"},
		{"POST", service.AdminTenants, service.CreateTenantRequest{Name: "a/b"}, 400, "contains '/'"},
		{"POST", service.AdminTenants, []byte(`{"name":"x","extra":1}`), 400, "unknown field"},
		{"POST", service.AdminProducts, service.CreateProductRequest{Name: "Blinker"}, 201, `"name":"Blinker"`},
		{"POST", service.AdminProducts + "?tenant=Nobody", service.CreateProductRequest{Name: "X"}, 404, `tenant \"Nobody\" not found`},
		{"GET", service.AdminDeviceGroups, nil, 200, `"path":"Blinker/Development"`},
		{"POST", service.AdminDeviceGroups, service.DeviceGroupSpec{Product: "Blinker", Name: "Beta", UpdatePolicy: "NoUpdates"}, 201, `"updatePolicy":"NoUpdates"`},
		{"POST", service.AdminDeviceGroups, service.DeviceGroupSpec{Product: "Blinker", Name: "Gamma", OSFeed: "Nightly"}, 400, "OS feed"},
		{"POST", service.AdminDevices, service.ClaimDeviceRequest{DeviceID: "abc"}, 400, "128 hex"},
		{"POST", service.AdminDevices, service.ClaimDeviceRequest{DeviceID: newDevice(t).ID(), DeviceGroup: "Blinker/Beta"}, 201, `"deviceGroup":"Blinker/Beta"`},
		{"POST", service.AdminDevices, service.ClaimDeviceRequest{DeviceID: newDevice(t).ID(), DeviceGroup: "Blinker/Nope"}, 404, "device group"},
		{"GET", service.AdminDevices, nil, 200, `"deviceGroup":"Blinker/Beta"`},
		{"POST", service.AdminImages, testdata(t, "images/blink.imagepackage"), 201, `"name":"Blink"`},
		{"POST", service.AdminImages, []byte("junk"), 400, "image package"},
		{"GET", service.AdminImages, nil, 200, `"componentId"`},
		{"GET", service.AdminOSReleases, nil, 200, `"version":"26.11"`},
		{"POST", service.AdminOSReleases, testdata(t, "images/blink.bin"), 409, "already registered"},
		{"POST", service.AdminOSReleases, testdata(t, "images/blink-svn2.bin"), 201, `"svn":2`},
		{"GET", service.AdminCACertificate, nil, 200, "BEGIN CERTIFICATE"},
		{"POST", service.AdminDeployments, service.CreateDeploymentRequest{DeviceGroup: "Blinker/Beta", ImageIDs: []string{"00000000-0000-4000-8000-000000000000"}}, 404, "has no image"},
		{"GET", service.AdminErrorReport, nil, 200, "Device ID,Event Type"},
		{"GET", service.AdminTelemetry + "?limit=0", nil, 400, "limit"},
		{"GET", service.AdminTelemetry, nil, 200, "[]"},
	}
	for _, st := range steps {
		code, body := admin(t, s, st.method, st.path, st.body)
		assert.Equal(t, st.status, code, "%s %s: %s", st.method, st.path, body)
		assert.Contains(t, string(body), st.contains, "%s %s", st.method, st.path)
	}

	imgs, err := s.ListImages("")
	require.NoError(t, err)
	require.Len(t, imgs, 1)
	code, body = admin(t, s, "POST", service.AdminDeployments, service.CreateDeploymentRequest{DeviceGroup: "Blinker/Beta", ImageIDs: []string{imgs[0].ID}})
	require.Equal(t, 201, code, string(body))
	code, body = admin(t, s, "GET", service.AdminDeployments, nil)
	require.Equal(t, 200, code)
	var deps []service.Deployment
	require.NoError(t, json.Unmarshal(body, &deps))
	require.Len(t, deps, 1)
	assert.Equal(t, []string{imgs[0].ID}, deps[0].ImageIDs)
	assert.Equal(t, "Blinker/Beta", deps[0].DeviceGroup)

	devs, err := s.ListDevices("")
	require.NoError(t, err)
	require.Len(t, devs, 1)
	code, body = admin(t, s, "PATCH", service.AdminDevices+"/"+devs[0].ID, service.AssignDeviceRequest{DeviceGroup: "Blinker/Production"})
	require.Equal(t, 200, code, string(body))
	assert.Contains(t, string(body), `"deviceGroup":"Blinker/Production"`)
	code, body = admin(t, s, "GET", service.AdminDevices+"/"+devs[0].ID+"/attestations", nil)
	require.Equal(t, 200, code, string(body))
	assert.Equal(t, "[]\n", string(body))
}

func TestTenantSelection(t *testing.T) {
	s, _ := newService(t)
	_, err := s.ListProducts("")
	assert.ErrorIs(t, err, service.ErrNotFound)
	assert.ErrorContains(t, err, "tenant create")
	a, err := s.CreateTenant("A")
	require.NoError(t, err)
	_, err = s.CreateTenant("B")
	require.NoError(t, err)
	_, err = s.ListProducts("")
	assert.ErrorIs(t, err, service.ErrInvalid)
	assert.ErrorContains(t, err, "several tenants")
	_, err = s.ListProducts(a.ID)
	assert.NoError(t, err)
	_, err = s.ListProducts("B")
	assert.NoError(t, err)
	_, err = s.CreateTenant(a.ID)
	assert.ErrorContains(t, err, "form of an ID")
}

func TestClaimDevice(t *testing.T) {
	s, _ := newService(t)
	_, err := s.CreateTenant("A")
	require.NoError(t, err)
	_, err = s.CreateTenant("B")
	require.NoError(t, err)
	d := newDevice(t)
	upper := bytes.ToUpper([]byte(d.ID()))
	got, err := s.ClaimDevice("A", string(upper), "")
	require.NoError(t, err)
	assert.Equal(t, d.ID(), got.ID, "device IDs are kept in lower case")
	_, err = s.ClaimDevice("A", d.ID(), "")
	assert.NoError(t, err, "claiming again for the same tenant is harmless")
	_, err = s.ClaimDevice("B", d.ID(), "")
	assert.ErrorIs(t, err, service.ErrConflict)
	_, err = s.AssignDevice("B", d.ID(), "P/Development")
	assert.ErrorIs(t, err, service.ErrNotFound)
	devs, err := s.ListDevices("B")
	require.NoError(t, err)
	assert.Empty(t, devs)
}

func TestOSReleases(t *testing.T) {
	s, _ := newService(t)
	rs, err := s.ListOSReleases()
	require.NoError(t, err)
	require.Len(t, rs, 1, "the bundled sample's OS is registered at start")
	r := rs[0]
	assert.Equal(t, "26.11", r.Version)
	var types []string
	for _, im := range r.Images {
		types = append(types, im.Type)
		assert.Equal(t, uint32(1), im.SVN)
	}
	assert.Equal(t, []string{"OneBL", "PlutonRuntime", "SecurityMonitor", "NormalWorldKernel", "RootFs", "TrustedKeystore"}, types)
	appKey, err := image.ParsePublicKeyPEM(testdata(t, "keys/app-signing.pub.pem"))
	require.NoError(t, err)
	tp := image.Thumbprint(appKey)
	assert.Contains(t, r.TrustedAppKeys, hexs(tp[:]))

	// Every sample image shares that OS.
	_, err = s.AddOSRelease(testdata(t, "images/dw100.bin"))
	assert.ErrorIs(t, err, service.ErrConflict)

	// An OS signed by another platform key is not known-good.
	other, err := image.GenerateKey()
	require.NoError(t, err)
	flash, err := image.BuildFlash(image.BuildOptions{PlatformKey: other, SVN: 1, OSVersion: "26.11"})
	require.NoError(t, err)
	_, err = s.AddOSRelease(flash)
	assert.ErrorIs(t, err, service.ErrInvalid)
	assert.ErrorContains(t, err, "not signed by the platform key")

	// ... unless the service trusts that key.
	s2, err := service.New(service.Config{Now: newClock().Now, Rand: seeded(2), PlatformKey: &other.PublicKey})
	require.NoError(t, err)
	defer s2.Close()
	r2, err := s2.AddOSRelease(flash)
	require.NoError(t, err)
	assert.Equal(t, "26.11", r2.Version)
	rs2, err := s2.ListOSReleases()
	require.NoError(t, err)
	assert.Len(t, rs2, 1, "the bundled sample is signed by the test key, which this service does not trust")

	for _, bad := range [][]byte{nil, []byte("junk"), testdata(t, "images/blink.imagepackage")} {
		_, err = s.AddOSRelease(bad)
		assert.ErrorIs(t, err, service.ErrInvalid)
	}
	// Packages directly: an application is refused.
	_, err = s.AddOSReleasePackages("test", testdata(t, "images/blink.imagepackage"))
	assert.ErrorContains(t, err, "is an application")
}

func TestAddImage(t *testing.T) {
	s, _ := newService(t)
	_, err := s.CreateTenant("A")
	require.NoError(t, err)
	im, err := s.AddImage("A", testdata(t, "images/blink.imagepackage"))
	require.NoError(t, err)
	p, err := image.ParsePackage(testdata(t, "images/blink.imagepackage"))
	require.NoError(t, err)
	d := p.Digest()
	assert.NotEqual(t, hexs(d[:]), im.Digest, "the service re-signs the upload")
	assert.Equal(t, p.Metadata.Identity.ImageID.String(), im.ID, "keeping its identity")
	// The delivered package is signed by the production key and is the
	// same image otherwise.
	sum, err := hex.DecodeString(im.Digest)
	require.NoError(t, err)
	dev := newDevice(t)
	_, err = s.ClaimDevice("A", dev.ID(), "")
	require.NoError(t, err)
	delivered, err := s.ImagePackage(dev.ID(), sum)
	require.NoError(t, err)
	dp, err := image.ParsePackage(delivered)
	require.NoError(t, err)
	assert.Equal(t, image.Thumbprint(s.ProductionAppKey()), dp.Metadata.Signing.Thumbprint)
	assert.NoError(t, dp.VerifySignature(s.ProductionAppKey()))
	assert.Equal(t, p.Payload, dp.Payload)
	assert.Equal(t, p.Metadata.Identity, dp.Metadata.Identity)
	assert.Equal(t, p.Metadata.Identity.ComponentID.String(), im.ComponentID)

	_, err = s.AddImage("A", testdata(t, "images/blink.imagepackage"))
	assert.ErrorIs(t, err, service.ErrConflict)

	// Signed by a key no release's keystore trusts.
	k, err := image.GenerateKey()
	require.NoError(t, err)
	pkg, err := image.BuildApp(image.AppOptions{ComponentID: p.Metadata.Identity.ComponentID, Name: "rogue", Key: k,
		Files: []image.File{{Path: "app_manifest.json", Data: []byte("{}")}}})
	require.NoError(t, err)
	_, err = s.AddImage("A", pkg)
	assert.ErrorIs(t, err, service.ErrInvalid)
	assert.ErrorContains(t, err, "no registered OS release's keystore trusts")

	// A tampered package.
	bad := bytes.Clone(testdata(t, "images/blink.imagepackage"))
	bad[100] ^= 1
	_, err = s.AddImage("A", bad)
	assert.ErrorContains(t, err, "signature does not verify")

	// An OS image.
	osPkg := flashPackages(t, testdata(t, "images/blink.bin"))[1]
	_, err = s.AddImage("A", append(bytes.Clone(osPkg.Signed), osPkg.Signature[:]...))
	assert.ErrorContains(t, err, "not an application")
}

func TestDeployments(t *testing.T) {
	f := newFixture(t)
	imgs, err := f.s.ListImages("")
	require.NoError(t, err)
	d1, err := f.s.CreateDeployment("", "Blinker/Field Test", []string{imgs[0].ID})
	require.NoError(t, err)
	f.clock.Advance(1)
	d2, err := f.s.CreateDeployment("", "Blinker/Field Test", []string{strings.ToUpper(imgs[0].ID)})
	require.NoError(t, err)
	deps, err := f.s.ListDeployments("")
	require.NoError(t, err)
	require.Len(t, deps, 2)
	assert.Equal(t, []string{d2.ID, d1.ID}, []string{deps[0].ID, deps[1].ID}, "newest first")
	for _, tc := range []struct {
		group string
		ids   []string
		want  error
	}{
		{"", []string{imgs[0].ID}, service.ErrInvalid},
		{"Blinker/Field Test", nil, service.ErrInvalid},
		{"Blinker/Field Test", []string{"not-a-guid"}, service.ErrInvalid},
		{"Blinker/Field Test", []string{imgs[0].ID, imgs[0].ID}, service.ErrInvalid},
		{"Blinker", []string{imgs[0].ID}, service.ErrInvalid},
		{"Blinker/Nope", []string{imgs[0].ID}, service.ErrNotFound},
	} {
		_, err := f.s.CreateDeployment("", tc.group, tc.ids)
		assert.ErrorIs(t, err, tc.want, "%q %v", tc.group, tc.ids)
	}
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	s, err := service.New(service.Config{DataDir: dir, Now: c.Now})
	require.NoError(t, err)
	caPEM, token := s.ServiceCAPEM(), s.AdminToken()
	_, err = s.CreateTenant("Contoso")
	require.NoError(t, err)
	_, err = s.CreateProduct("", "Blinker", "")
	require.NoError(t, err)
	_, err = s.AddImage("", testdata(t, "images/blink.imagepackage"))
	require.NoError(t, err)
	d := newDevice(t)
	_, err = s.ClaimDevice("", d.ID(), "Blinker/Development")
	require.NoError(t, err)
	ms := measurements(t, testdata(t, "images/blink.bin"))
	_, err = d.attest(t, s, ms, nil)
	require.NoError(t, err)
	tenantCA, err := s.TenantCACertificatePEM("")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice is harmless")

	fi, err := os.Stat(filepath.Join(dir, service.AdminTokenFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	tok, err := os.ReadFile(filepath.Join(dir, service.AdminTokenFile))
	require.NoError(t, err)
	assert.Equal(t, token+"\n", string(tok))
	onDisk, err := os.ReadFile(filepath.Join(dir, service.ServiceCAFile))
	require.NoError(t, err)
	assert.Equal(t, caPEM, onDisk)
	fi, err = os.Stat(filepath.Join(dir, store.FileName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	s, err = service.New(service.Config{DataDir: dir, Now: c.Now})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, caPEM, s.ServiceCAPEM())
	assert.Equal(t, token, s.AdminToken())
	again, err := s.TenantCACertificatePEM("Contoso")
	require.NoError(t, err)
	assert.Equal(t, tenantCA, again)
	devs, err := s.ListDevices("")
	require.NoError(t, err)
	require.Len(t, devs, 1)
	assert.Equal(t, "Blinker/Development", devs[0].DeviceGroup)
	require.NotNil(t, devs[0].LastAttestation)
	assert.True(t, devs[0].LastAttestation.OK)
	rs, err := s.ListOSReleases()
	require.NoError(t, err)
	assert.Len(t, rs, 1, "the bundled release is not registered twice")
	// The restarted service attests with the tenant CA it loaded.
	certs, err := d.attest(t, s, ms, nil)
	require.NoError(t, err)
	assert.Equal(t, string(tenantCA), certs.TenantCA)
}

// Everything a service generates comes from Rand: two services with the
// same seed and clock are the same, certificates included.
func TestDeterministic(t *testing.T) {
	run := func() (string, string, string, []byte) {
		s, err := service.New(service.Config{Now: newClock().Now, Rand: seeded(7)})
		require.NoError(t, err)
		defer s.Close()
		tn, err := s.CreateTenant("A")
		require.NoError(t, err)
		ca, err := s.TenantCACertificatePEM("A")
		require.NoError(t, err)
		return string(s.ServiceCAPEM()), s.AdminToken(), tn.ID, ca
	}
	a1, b1, c1, d1 := run()
	a2, b2, c2, d2 := run()
	assert.Equal(t, a1, a2)
	assert.Equal(t, b1, b2)
	assert.Equal(t, c1, c2)
	assert.Equal(t, d1, d2)
}

func TestStoreMigrations(t *testing.T) {
	db, err := store.Open(t.Context(), "")
	require.NoError(t, err)
	defer db.Close()
	v, err := store.Version(t.Context(), db)
	require.NoError(t, err)
	assert.Equal(t, len(store.Migrations), v)
	require.NoError(t, store.Migrate(t.Context(), db), "migrating again does nothing")

	// A database at version 1 gets version 2's index and version 3's table.
	_, err = db.Exec(`DROP INDEX error_events_tenant_received`)
	require.NoError(t, err)
	_, err = db.Exec(`DROP TABLE image_blobs`)
	require.NoError(t, err)
	_, err = db.Exec(`DROP INDEX images_uploaded_digest`)
	require.NoError(t, err)
	_, err = db.Exec(`ALTER TABLE images DROP COLUMN uploaded_digest`)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE schema_version SET version = 1`)
	require.NoError(t, err)
	require.NoError(t, store.Migrate(t.Context(), db))
	v, err = store.Version(t.Context(), db)
	require.NoError(t, err)
	assert.Equal(t, len(store.Migrations), v)
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'error_events_tenant_received'`).Scan(&n))
	assert.Equal(t, 1, n)

	_, err = db.Exec(`UPDATE schema_version SET version = 99`)
	require.NoError(t, err)
	err = store.Migrate(t.Context(), db)
	assert.ErrorContains(t, err, "newer than this sphere-emu")
}

func TestErrorsAreWrapped(t *testing.T) {
	s, _ := newService(t)
	_, err := s.CreateTenant("")
	assert.True(t, errors.Is(err, service.ErrInvalid))
	assert.EqualError(t, err, "service: create tenant: the tenant name is empty")
}
