package client_test

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	mrand "math/rand/v2"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/client"
)

func newPair(t *testing.T) (*service.Service, *client.Client) {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := service.New(service.Config{Now: func() time.Time { return now }, Rand: mrand.NewChaCha8([32]byte{3})})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	hc := &http.Client{Transport: &http.Transport{
		DialContext:     s.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: s.ServiceCAPool(), ServerName: service.ServerName},
	}}
	c, err := client.NewWithHTTPClient("https://"+service.ServerName, s.AdminToken(), hc)
	require.NoError(t, err)
	return s, c
}

func TestClientRoundTrips(t *testing.T) {
	_, c := newPair(t)
	ctx := t.Context()
	tn, err := c.CreateTenant(ctx, "Contoso")
	require.NoError(t, err)
	ts, err := c.ListTenants(ctx)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	assert.Equal(t, tn.ID, ts[0].ID)

	_, err = c.CreateProduct(ctx, "", "Blinker", "")
	require.NoError(t, err)
	g, err := c.CreateDeviceGroup(ctx, "Contoso", service.DeviceGroupSpec{Product: "Blinker", Name: "Beta"})
	require.NoError(t, err)
	assert.Equal(t, "Blinker/Beta", g.Path)
	gs, err := c.ListDeviceGroups(ctx, "")
	require.NoError(t, err)
	assert.Len(t, gs, len(service.DefaultDeviceGroups)+1)

	pkg, err := os.ReadFile(filepath.Join("..", "..", "testdata", "images", "blink.imagepackage"))
	require.NoError(t, err)
	im, err := c.AddImage(ctx, "", pkg)
	require.NoError(t, err)
	dep, err := c.CreateDeployment(ctx, "", "Blinker/Beta", []string{im.ID})
	require.NoError(t, err)
	deps, err := c.ListDeployments(ctx, "")
	require.NoError(t, err)
	require.Len(t, deps, 1)
	assert.Equal(t, dep.ID, deps[0].ID)

	id := bytes.Repeat([]byte("ab"), 64)
	d, err := c.ClaimDevice(ctx, "", string(id), "")
	require.NoError(t, err)
	d, err = c.AssignDevice(ctx, "", d.ID, "Blinker/Beta")
	require.NoError(t, err)
	assert.Equal(t, "Blinker/Beta", d.DeviceGroup)
	shown, err := c.ShowDevice(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.ID, shown.ID)
	log, err := c.DeviceAttestations(ctx, d.ID)
	require.NoError(t, err)
	assert.Empty(t, log)

	pemBytes, err := c.TenantCACertificatePEM(ctx, "")
	require.NoError(t, err)
	assert.Contains(t, string(pemBytes), "BEGIN CERTIFICATE")
	var csv bytes.Buffer
	require.NoError(t, c.ErrorReportCSV(ctx, "", &csv))
	assert.Equal(t, "Device ID,Event Type,Event Class,Event Count,Description,Start Time,End Time\n", csv.String())
	tel, err := c.ListTelemetry(ctx, "", 5)
	require.NoError(t, err)
	assert.Empty(t, tel)
	rs, err := c.ListOSReleases(ctx)
	require.NoError(t, err)
	assert.Len(t, rs, 1)
}

func TestClientErrors(t *testing.T) {
	s, c := newPair(t)
	ctx := t.Context()
	_, err := c.ListProducts(ctx, "Nobody")
	assert.ErrorIs(t, err, service.ErrNotFound)
	assert.EqualError(t, err, `service: list products: tenant "Nobody" not found`)
	_, err = c.CreateTenant(ctx, "")
	assert.ErrorIs(t, err, service.ErrInvalid)
	_, err = c.CreateTenant(ctx, "A")
	require.NoError(t, err)
	_, err = c.CreateTenant(ctx, "A")
	assert.ErrorIs(t, err, service.ErrConflict)
	_, err = c.AddOSRelease(ctx, nil)
	assert.ErrorIs(t, err, service.ErrInvalid)

	hc := &http.Client{Transport: &http.Transport{
		DialContext:     s.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: s.ServiceCAPool(), ServerName: service.ServerName},
	}}
	bad, err := client.NewWithHTTPClient("https://"+service.ServerName, "wrong", hc)
	require.NoError(t, err)
	_, err = bad.ListTenants(ctx)
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 401, ce.Status)
	assert.Equal(t, "the admin token is wrong", ce.Error())

	_, err = client.New("http://127.0.0.1:1", "t", nil)
	assert.ErrorContains(t, err, "not https://")
	_, err = client.New("https://127.0.0.1:1", "", nil)
	assert.ErrorContains(t, err, "no admin token")
	_, err = client.New("https://127.0.0.1:1", "t", []byte("junk"))
	assert.ErrorContains(t, err, "no PEM certificate")
}
