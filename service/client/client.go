// Package client is a Go client of the security service's admin routes
// (service.Admin*), used by the sphere-emu admin commands.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/api"
)

// Client calls one service's admin routes.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// New returns a client of the service at baseURL (e.g.
// "https://127.0.0.1:8443") that authenticates with token and trusts the
// service CA in caPEM (nil: the system's roots).
func New(baseURL, token string, caPEM []byte) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: service URL %q: %w", baseURL, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("client: service URL %q is not https://HOST:PORT", baseURL)
	}
	if token == "" {
		return nil, errors.New("client: no admin token")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("client: the service CA file holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	return NewWithHTTPClient(u.String(), token, &http.Client{
		Timeout:   2 * time.Minute,
		Transport: &http.Transport{TLSClientConfig: cfg, Proxy: http.ProxyFromEnvironment},
	})
}

// NewWithHTTPClient returns a client that sends its requests with hc (for
// example one dialling service.Service.DialContext).
func NewWithHTTPClient(baseURL, token string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: service URL %q: %w", baseURL, err)
	}
	return &Client{base: u, token: token, http: hc}, nil
}

// Error is a refusal from the service.
type Error struct {
	Status int    // HTTP status
	Code   string // api.Error code, e.g. "not-found"
	Reason string // the service's sentence
}

// Error returns the service's reason, or the HTTP status without one.
func (e *Error) Error() string {
	if e.Reason != "" {
		return e.Reason
	}
	return fmt.Sprintf("the service answered %d %s", e.Status, http.StatusText(e.Status))
}

// Unwrap maps the status to service.ErrInvalid, ErrNotFound or ErrConflict.
func (e *Error) Unwrap() error {
	switch e.Status {
	case http.StatusBadRequest:
		return service.ErrInvalid
	case http.StatusNotFound:
		return service.ErrNotFound
	case http.StatusConflict:
		return service.ErrConflict
	}
	return nil
}

// request is one admin call.
type request struct {
	method, path string
	tenant       string
	query        url.Values
	json         any       // request body to encode
	raw          []byte    // request body as is (application/octet-stream)
	out          any       // JSON answer to decode
	w            io.Writer // raw answer
}

func (c *Client) do(ctx context.Context, r request) error {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + r.path
	q := r.query
	if q == nil {
		q = url.Values{}
	}
	if r.tenant != "" {
		q.Set("tenant", r.tenant)
	}
	u.RawQuery = q.Encode()
	var body io.Reader
	ctype := ""
	switch {
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			return fmt.Errorf("client: encode %s: %w", r.path, err)
		}
		body, ctype = bytes.NewReader(b), "application/json"
	case r.raw != nil:
		body, ctype = bytes.NewReader(r.raw), "application/octet-stream"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		var uerr x509.UnknownAuthorityError
		if errors.As(err, &uerr) {
			return fmt.Errorf("client: %w (is the service CA given with --ca or --data?)", err)
		}
		return fmt.Errorf("client: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		e := &Error{Status: resp.StatusCode}
		var ae api.Error
		if json.Unmarshal(b, &ae) == nil {
			e.Code, e.Reason = ae.Code, ae.Reason
		}
		return e
	}
	switch {
	case r.w != nil:
		if _, err := io.Copy(r.w, resp.Body); err != nil {
			return fmt.Errorf("client: read %s: %w", r.path, err)
		}
	case r.out != nil:
		if err := json.NewDecoder(resp.Body).Decode(r.out); err != nil {
			return fmt.Errorf("client: decode the answer of %s: %w", r.path, err)
		}
	}
	return nil
}

// CreateTenant creates a tenant and its CA.
func (c *Client) CreateTenant(ctx context.Context, name string) (service.Tenant, error) {
	var t service.Tenant
	err := c.do(ctx, request{method: "POST", path: service.AdminTenants, json: service.CreateTenantRequest{Name: name}, out: &t})
	return t, err
}

// ListTenants lists the tenants.
func (c *Client) ListTenants(ctx context.Context) ([]service.Tenant, error) {
	var v []service.Tenant
	err := c.do(ctx, request{method: "GET", path: service.AdminTenants, out: &v})
	return v, err
}

// CreateProduct creates a product (with its default device groups).
func (c *Client) CreateProduct(ctx context.Context, tenant, name, description string) (service.Product, error) {
	var p service.Product
	err := c.do(ctx, request{method: "POST", path: service.AdminProducts, tenant: tenant,
		json: service.CreateProductRequest{Name: name, Description: description}, out: &p})
	return p, err
}

// ListProducts lists a tenant's products.
func (c *Client) ListProducts(ctx context.Context, tenant string) ([]service.Product, error) {
	var v []service.Product
	err := c.do(ctx, request{method: "GET", path: service.AdminProducts, tenant: tenant, out: &v})
	return v, err
}

// CreateDeviceGroup creates a device group.
func (c *Client) CreateDeviceGroup(ctx context.Context, tenant string, spec service.DeviceGroupSpec) (service.DeviceGroup, error) {
	var g service.DeviceGroup
	err := c.do(ctx, request{method: "POST", path: service.AdminDeviceGroups, tenant: tenant, json: spec, out: &g})
	return g, err
}

// ListDeviceGroups lists a tenant's device groups.
func (c *Client) ListDeviceGroups(ctx context.Context, tenant string) ([]service.DeviceGroup, error) {
	var v []service.DeviceGroup
	err := c.do(ctx, request{method: "GET", path: service.AdminDeviceGroups, tenant: tenant, out: &v})
	return v, err
}

// ClaimDevice claims a device for a tenant, optionally into a device group.
func (c *Client) ClaimDevice(ctx context.Context, tenant, deviceID, deviceGroup string) (service.Device, error) {
	var d service.Device
	err := c.do(ctx, request{method: "POST", path: service.AdminDevices, tenant: tenant,
		json: service.ClaimDeviceRequest{DeviceID: deviceID, DeviceGroup: deviceGroup}, out: &d})
	return d, err
}

// AssignDevice moves a claimed device to a device group.
func (c *Client) AssignDevice(ctx context.Context, tenant, deviceID, deviceGroup string) (service.Device, error) {
	var d service.Device
	err := c.do(ctx, request{method: "PATCH", path: service.AdminDevices + "/" + url.PathEscape(deviceID), tenant: tenant,
		json: service.AssignDeviceRequest{DeviceGroup: deviceGroup}, out: &d})
	return d, err
}

// ListDevices lists a tenant's devices.
func (c *Client) ListDevices(ctx context.Context, tenant string) ([]service.Device, error) {
	var v []service.Device
	err := c.do(ctx, request{method: "GET", path: service.AdminDevices, tenant: tenant, out: &v})
	return v, err
}

// ShowDevice returns a claimed device.
func (c *Client) ShowDevice(ctx context.Context, deviceID string) (service.Device, error) {
	var d service.Device
	err := c.do(ctx, request{method: "GET", path: service.AdminDevices + "/" + url.PathEscape(deviceID), out: &d})
	return d, err
}

// DeviceAttestations returns a device's attestation log, oldest first.
func (c *Client) DeviceAttestations(ctx context.Context, deviceID string) ([]service.AttestationEntry, error) {
	var v []service.AttestationEntry
	err := c.do(ctx, request{method: "GET", path: service.AdminDevices + "/" + url.PathEscape(deviceID) + "/attestations", out: &v})
	return v, err
}

// TenantCACertificatePEM returns a tenant's CA certificate (PEM).
func (c *Client) TenantCACertificatePEM(ctx context.Context, tenant string) ([]byte, error) {
	var buf bytes.Buffer
	err := c.do(ctx, request{method: "GET", path: service.AdminCACertificate, tenant: tenant, w: &buf})
	return buf.Bytes(), err
}

// AddImage uploads an application image package to a tenant.
func (c *Client) AddImage(ctx context.Context, tenant string, pkg []byte) (service.Image, error) {
	var im service.Image
	err := c.do(ctx, request{method: "POST", path: service.AdminImages, tenant: tenant, raw: nonNil(pkg), out: &im})
	return im, err
}

// ListImages lists a tenant's images.
func (c *Client) ListImages(ctx context.Context, tenant string) ([]service.Image, error) {
	var v []service.Image
	err := c.do(ctx, request{method: "GET", path: service.AdminImages, tenant: tenant, out: &v})
	return v, err
}

// AddOSRelease registers the OS of a flash image.
func (c *Client) AddOSRelease(ctx context.Context, flash []byte) (service.OSRelease, error) {
	var r service.OSRelease
	err := c.do(ctx, request{method: "POST", path: service.AdminOSReleases, raw: nonNil(flash), out: &r})
	return r, err
}

// ListOSReleases lists the registered OS releases.
func (c *Client) ListOSReleases(ctx context.Context) ([]service.OSRelease, error) {
	var v []service.OSRelease
	err := c.do(ctx, request{method: "GET", path: service.AdminOSReleases, out: &v})
	return v, err
}

// CreateDeployment targets images at a device group.
func (c *Client) CreateDeployment(ctx context.Context, tenant, deviceGroup string, imageIDs []string) (service.Deployment, error) {
	var d service.Deployment
	err := c.do(ctx, request{method: "POST", path: service.AdminDeployments, tenant: tenant,
		json: service.CreateDeploymentRequest{DeviceGroup: deviceGroup, ImageIDs: imageIDs}, out: &d})
	return d, err
}

// ListDeployments lists a tenant's deployments, newest first.
func (c *Client) ListDeployments(ctx context.Context, tenant string) ([]service.Deployment, error) {
	var v []service.Deployment
	err := c.do(ctx, request{method: "GET", path: service.AdminDeployments, tenant: tenant, out: &v})
	return v, err
}

// ErrorReportCSV writes a tenant's error report CSV to w.
func (c *Client) ErrorReportCSV(ctx context.Context, tenant string, w io.Writer) error {
	return c.do(ctx, request{method: "GET", path: service.AdminErrorReport, tenant: tenant, w: w})
}

// ListTelemetry lists the newest telemetry messages of a tenant's devices
// (limit ≤ 0: the service's default).
func (c *Client) ListTelemetry(ctx context.Context, tenant string, limit int) ([]service.TelemetryRecord, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var v []service.TelemetryRecord
	err := c.do(ctx, request{method: "GET", path: service.AdminTelemetry, tenant: tenant, query: q, out: &v})
	return v, err
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// DeviceCapabilityFile asks the service for a capability file granting caps
// ("appDevelopment", "fieldServicing") to a claimed device.
func (c *Client) DeviceCapabilityFile(ctx context.Context, deviceID string, caps []string) ([]byte, error) {
	var buf bytes.Buffer
	err := c.do(ctx, request{method: "POST", path: service.AdminDevices + "/" + url.PathEscape(deviceID) + "/capabilities",
		json: service.CapabilityRequest{Capabilities: caps}, w: &buf})
	return buf.Bytes(), err
}
