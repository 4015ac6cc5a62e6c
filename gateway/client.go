package gateway

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
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sphere-emu/sphere-emu/gateway/restapi"
)

// Client talks to a device REST API.
type Client struct {
	base string
	hc   *http.Client
}

// maxResponse bounds a response body the client reads.
const maxResponse = 16 << 20

// NewClient returns a client for the server at base (https://host:port)
// that trusts the CA in caPEM.
func NewClient(base string, caPEM []byte) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("device REST API URL %q: want https://host:port", base)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("device REST API CA: no PEM certificate")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, Proxy: nil}
	return &Client{base: strings.TrimSuffix(u.String(), "/"), hc: &http.Client{Transport: tr, Timeout: RequestTimeout + 10*time.Second}}, nil
}

// NewClientFromData returns a client for the server whose data directory
// (boot --rest-data DIR) is dir.
func NewClientFromData(dir string) (*Client, error) {
	u, err := os.ReadFile(filepath.Join(dir, URLFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: is `sphere-emu boot --rest ... --rest-data %s` running?", filepath.Join(dir, URLFile), dir)
	}
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		return nil, err
	}
	return NewClient(string(u), ca)
}

// URL is the server's base URL.
func (c *Client) URL() string { return c.base }

// APIError is a failed request: the HTTP status and the device's error code.
type APIError struct {
	Status int
	Code   uint32 // 0 if the body was not the API's error shape
	Body   string // the body, when it was not
}

func (e *APIError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("HTTP %d from the device: %s", e.Status, strings.TrimSpace(e.Body))
	}
	return fmt.Sprintf("HTTP %d from the device: %s", e.Status, restapi.Describe(e.Code))
}

// Response is a raw answer.
type Response struct {
	Status      int
	ContentType string
	APIVersion  string
	Body        []byte
}

// Do sends a request and returns the answer whatever its status.
func (c *Client) Do(ctx context.Context, method, path, contentType string, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", restapi.ContentTypeJSON)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("device REST API: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("device REST API: %w", err)
	}
	return &Response{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
		APIVersion: resp.Header.Get(restapi.VersionHeader), Body: b}, nil
}

// call sends a request; a status other than 2xx is an *APIError.
func (c *Client) call(ctx context.Context, method, path string, in any) (*Response, error) {
	var body []byte
	ctype := ""
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, err
		}
		ctype = restapi.ContentTypeJSON
	}
	r, err := c.Do(ctx, method, path, ctype, body)
	if err != nil {
		return nil, err
	}
	if r.Status < 200 || r.Status > 299 {
		var e restapi.Error
		if json.Unmarshal(r.Body, &e) == nil && e.Code != 0 {
			return nil, &APIError{Status: r.Status, Code: e.Code}
		}
		return nil, &APIError{Status: r.Status, Body: string(r.Body)}
	}
	return r, nil
}

func (c *Client) getJSON(ctx context.Context, path string, out any) error {
	return c.callJSON(ctx, http.MethodGet, path, nil, out)
}

func (c *Client) callJSON(ctx context.Context, method, path string, in, out any) error {
	r, err := c.call(ctx, method, path, in)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		return fmt.Errorf("device REST API %s %s: %w", method, path, err)
	}
	return nil
}

func withCID(pattern, cid string) string {
	return strings.Replace(pattern, "{cid}", url.PathEscape(cid), 1)
}

// Status is GET /status.
func (c *Client) Status(ctx context.Context) (restapi.Status, error) {
	var v restapi.Status
	return v, c.getJSON(ctx, restapi.PathStatus, &v)
}

// OSVersion is GET /osversion.
func (c *Client) OSVersion(ctx context.Context) (restapi.OSVersion, error) {
	var v restapi.OSVersion
	return v, c.getJSON(ctx, restapi.PathOSVersion, &v)
}

// ABIVersions is GET /abi_versions.
func (c *Client) ABIVersions(ctx context.Context) (restapi.ABIVersions, error) {
	var v restapi.ABIVersions
	return v, c.getJSON(ctx, restapi.PathABIVersions, &v)
}

// Images is GET /images.
func (c *Client) Images(ctx context.Context) (restapi.Images, error) {
	var v restapi.Images
	return v, c.getJSON(ctx, restapi.PathImages, &v)
}

// AppStatus is GET /app/status/{cid}.
func (c *Client) AppStatus(ctx context.Context, cid string) (restapi.AppStatus, error) {
	var v restapi.AppStatus
	return v, c.getJSON(ctx, withCID(restapi.PathAppStatus, cid), &v)
}

// SetAppStatus is PATCH /app/status/{cid} with a trigger (start, startDebug, stop).
func (c *Client) SetAppStatus(ctx context.Context, cid, trigger string) (restapi.AppStatus, error) {
	var v restapi.AppStatus
	return v, c.callJSON(ctx, http.MethodPatch, withCID(restapi.PathAppStatus, cid), restapi.AppStatusChange{Trigger: trigger}, &v)
}

// AppQuota is GET /app/quota/{cid}.
func (c *Client) AppQuota(ctx context.Context, cid string) (restapi.AppQuota, error) {
	var v restapi.AppQuota
	return v, c.getJSON(ctx, withCID(restapi.PathAppQuota, cid), &v)
}

// Capabilities is GET /device/capabilities.
func (c *Client) Capabilities(ctx context.Context) (restapi.DeviceCapabilities, error) {
	var v restapi.DeviceCapabilities
	return v, c.getJSON(ctx, restapi.PathCapabilities, &v)
}

// SecurityState is GET /device/security_state.
func (c *Client) SecurityState(ctx context.Context) (restapi.SecurityState, error) {
	var v restapi.SecurityState
	return v, c.getJSON(ctx, restapi.PathSecurityState, &v)
}

// Restart is POST /restart.
func (c *Client) Restart(ctx context.Context) error {
	return c.callJSON(ctx, http.MethodPost, restapi.PathRestart, nil, nil)
}

// Telemetry is GET /telemetry, decoded.
func (c *Client) Telemetry(ctx context.Context) ([]restapi.TelemetryRecord, error) {
	r, err := c.call(ctx, http.MethodGet, restapi.PathTelemetry, nil)
	if err != nil {
		return nil, err
	}
	return restapi.DecodeTelemetry(r.Body)
}

// DeleteTelemetry is DELETE /telemetry.
func (c *Client) DeleteTelemetry(ctx context.Context) error {
	return c.callJSON(ctx, http.MethodDelete, restapi.PathTelemetry, nil, nil)
}

// Log is GET /log.
func (c *Client) Log(ctx context.Context) (string, error) {
	r, err := c.call(ctx, http.MethodGet, restapi.PathLog, nil)
	if err != nil {
		return "", err
	}
	return string(r.Body), nil
}

// MemoryStats is GET /stats/memory/groups/applications.
func (c *Client) MemoryStats(ctx context.Context) (restapi.MemoryStats, error) {
	var v restapi.MemoryStats
	return v, c.getJSON(ctx, restapi.PathMemoryStats, &v)
}

// NetInterfaces is GET /net/interfaces.
func (c *Client) NetInterfaces(ctx context.Context) (restapi.NetInterfaces, error) {
	var v restapi.NetInterfaces
	return v, c.getJSON(ctx, restapi.PathNetInterfaces, &v)
}

// NetStatus is GET /net/status.
func (c *Client) NetStatus(ctx context.Context) (restapi.NetStatus, error) {
	var v restapi.NetStatus
	return v, c.getJSON(ctx, restapi.PathNetStatus, &v)
}

// FirewallRulesets is GET /net/firewall/rulesets.
func (c *Client) FirewallRulesets(ctx context.Context) (restapi.FirewallRulesets, error) {
	var v restapi.FirewallRulesets
	return v, c.getJSON(ctx, restapi.PathFirewallRulesets, &v)
}
