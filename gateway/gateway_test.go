package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/gateway"
	"github.com/sphere-emu/sphere-emu/gateway/restapi"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

const blinkCID = "da24e045-eb65-4f85-9654-8f843d5735a2"

var cache = wazero.NewCompilationCache()

func readImage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "images", name))
	require.NoError(t, err)
	return b
}

// lockedRecorder is a trace recorder a test may read while the device runs.
type lockedRecorder struct {
	mu  sync.Mutex
	rec trace.Recorder
}

func (l *lockedRecorder) Event(e *trace.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rec.Event(e)
}

func (l *lockedRecorder) named(ev string) []trace.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec.Named(ev)
}

// rig is a device running in the background, paced to the wall clock,
// with its REST API on loopback.
type rig struct {
	dev      *device.Device
	gw       *kernel.Gateway
	srv      *gateway.Server
	c        *gateway.Client
	rec      *lockedRecorder
	deviceID string
	res      chan device.Result
}

func start(t *testing.T, img []byte, mod ...func(*device.Config)) *rig {
	t.Helper()
	return startWith(t, img, nil, mod...)
}

// startWith runs setup on the device before its run begins.
func startWith(t *testing.T, img []byte, setup func(*device.Device), mod ...func(*device.Config)) *rig {
	t.Helper()
	r := &rig{gw: kernel.NewGateway(), rec: &lockedRecorder{}, res: make(chan device.Result, 1)}
	cfg := device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Gateway: r.gw, Sinks: []trace.Sink{r.rec}}
	for _, m := range mod {
		m(&cfg)
	}
	d, err := device.New(cfg)
	require.NoError(t, err)
	r.dev = d
	r.deviceID = d.DeviceID()
	r.srv, err = gateway.Listen(r.gw, "127.0.0.1:0")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, r.srv.WriteData(dir))
	r.c, err = gateway.NewClientFromData(dir)
	require.NoError(t, err)
	if setup != nil {
		setup(d)
	}
	d.Sim().SetRealtime(time.Now())
	go func() { r.res <- d.Run(10 * 60 * sim.Second) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends the run (once) and returns how it ended.
func (r *rig) stop(t *testing.T) device.Result {
	r.gw.Stop("test over")
	res, ok := <-r.res
	if ok {
		close(r.res)
		r.gw.Close()
		require.NoError(t, r.srv.Close())
		require.NoError(t, r.dev.Close())
	}
	return res
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// eventually polls f until it holds (the device runs at wall-clock pace).
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func apiCode(t *testing.T, err error) (int, uint32) {
	t.Helper()
	var ae *gateway.APIError
	require.True(t, errors.As(err, &ae), "want an API error, got %v", err)
	return ae.Status, ae.Code
}

func TestRoutesOfARunningDevice(t *testing.T) {
	r := start(t, sphereemu.SampleImage)
	c, cx := r.c, ctx(t)
	eventually(t, "the app to run", func() bool {
		st, err := c.AppStatus(cx, blinkCID)
		return err == nil && st.State == restapi.StateRunning
	})

	st, err := c.Status(cx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, st.Uptime, int64(0))
	osv, err := c.OSVersion(cx)
	require.NoError(t, err)
	require.NotEmpty(t, osv.OSVersion)
	abi, err := c.ABIVersions(cx)
	require.NoError(t, err)
	require.Equal(t, restapi.ABIVersions{SecureWorldRuntime: 1, OSRuntime: 1, ApplicationRuntime: 1}, abi)

	imgs, err := c.Images(cx)
	require.NoError(t, err)
	require.Len(t, imgs.Components, 1)
	comp := imgs.Components[0]
	require.Equal(t, blinkCID, comp.UID)
	require.Equal(t, 10, comp.ImageType)
	require.Len(t, comp.Images, 1)
	require.Greater(t, comp.Images[0].LengthInBytes, int64(1000))
	require.Len(t, comp.Images[0].UID, 36)

	q, err := c.AppQuota(cx, blinkCID)
	require.NoError(t, err)
	require.Equal(t, restapi.AppQuota{}, q, "blink has no mutable storage")

	mem, err := c.MemoryStats(cx)
	require.NoError(t, err)
	require.Greater(t, mem.MemoryStats.UserModeMemoryUsageInByte, int64(0))
	require.Greater(t, mem.MemoryStats.CurrentMemoryUsageInBytes, mem.MemoryStats.UserModeMemoryUsageInByte)

	caps, err := c.Capabilities(cx)
	require.NoError(t, err)
	require.NotNil(t, caps.DeviceCapabilities)
	require.Empty(t, caps.DeviceCapabilities)

	sec, err := c.SecurityState(cx)
	require.NoError(t, err)
	require.Equal(t, restapi.SecurityState{SecurityState: "SECURE", DeviceIdentifier: r.deviceID}, sec)

	ifs, err := c.NetInterfaces(cx)
	require.NoError(t, err)
	require.Len(t, ifs.Interfaces, 2)
	require.Equal(t, "wlan0", ifs.Interfaces[0].InterfaceName)
	require.True(t, ifs.Interfaces[0].ConnectedToInternet)
	require.Equal(t, "azspheresvc", ifs.Interfaces[1].InterfaceName)
	ns, err := c.NetStatus(cx)
	require.NoError(t, err)
	require.Equal(t, restapi.NetStatus{NetworkTimeSync: "enabled", Proxy: "disabled"}, ns)
	fw, err := c.FirewallRulesets(cx)
	require.NoError(t, err)
	require.Len(t, fw.Rulesets, 5)
	require.Equal(t, "OUTPUT", fw.Rulesets[3].Hook)
	require.Len(t, fw.Rulesets[3].Rules, 3, "no allowed connections: established, related, drop")
	require.Equal(t, "drop", fw.Rulesets[3].Rules[2].Action)

	eventually(t, "an app log line", func() bool {
		l, err := c.Log(cx)
		return err == nil && strings.Contains(l, blinkCID+" log: LED1 red")
	})
	l, err := c.Log(cx)
	require.NoError(t, err)
	require.Contains(t, l, "app "+blinkCID+" (Blink) started")

	// Stop: the app gets SIGTERM; the answer comes once it has exited, and
	// it stays stopped (no error report, no end of the run).
	s, err := c.SetAppStatus(cx, blinkCID, restapi.TriggerStop)
	require.NoError(t, err)
	require.Equal(t, restapi.StateStopped, s.State)
	s, err = c.AppStatus(cx, blinkCID)
	require.NoError(t, err)
	require.Equal(t, restapi.StateStopped, s.State)
	s, err = c.SetAppStatus(cx, blinkCID, restapi.TriggerStop)
	require.NoError(t, err, "stopping a stopped app is no error")
	require.Equal(t, restapi.StateStopped, s.State)
	mem, err = c.MemoryStats(cx)
	require.NoError(t, err)
	require.Equal(t, restapi.AppMemory{}, mem.MemoryStats)
	require.Len(t, r.rec.named("app.stopped"), 1)
	require.Empty(t, r.rec.named("errorreport.record"), "an app the OS stops records nothing")

	s, err = c.SetAppStatus(cx, blinkCID, restapi.TriggerStart)
	require.NoError(t, err)
	require.Equal(t, restapi.StateRunning, s.State)
	eventually(t, "the app to start again", func() bool { return len(r.rec.named("app.start")) == 2 })

	// The errors: the real shape, the real categories.
	_, err = c.AppStatus(cx, "6770fc06-e7db-11ec-8fea-0242ac120002")
	status, code := apiCode(t, err)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, restapi.ErrAppNotPresent, code)
	require.Equal(t, uint32(14), code>>20)
	_, err = c.AppQuota(cx, "not-a-guid")
	status, code = apiCode(t, err)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, restapi.ErrInvalidComponentID, code)
	_, err = c.SetAppStatus(cx, blinkCID, restapi.TriggerStartDebug)
	status, code = apiCode(t, err)
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, restapi.ErrAppDevelopmentRequired, code)
	_, err = c.SetAppStatus(cx, blinkCID, "reboot")
	status, code = apiCode(t, err)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, restapi.ErrInvalidField, code)

	raw := func(method, path, ctype, body string) *gateway.Response {
		resp, err := c.Do(cx, method, path, ctype, []byte(body))
		require.NoError(t, err)
		require.Equal(t, restapi.APIVersion, resp.APIVersion)
		return resp
	}
	for _, tc := range []struct {
		method, path, ctype, body string
		status                    int
		code                      uint32
	}{
		{"GET", "/no/such/route", "", "", 404, restapi.ErrRouteNotFound},
		{"DELETE", "/status", "", "", 404, restapi.ErrRouteNotFound},
		{"GET", "/app/status/../status", "", "", 404, restapi.ErrRouteNotFound},
		{"PATCH", "/app/status/" + blinkCID, "application/json", "{\"trigger\":", 400, restapi.ErrInvalidJSON},
		{"PATCH", "/app/status/" + blinkCID, "application/json", "[1,2]", 400, restapi.ErrInvalidJSON},
		{"PATCH", "/app/status/" + blinkCID, "application/json", `{"trigger":"stop"} {}`, 400, restapi.ErrInvalidJSON},
		{"PATCH", "/app/status/" + blinkCID, "text/plain", `{"trigger":"stop"}`, 415, restapi.ErrUnsupportedMediaType},
		{"PATCH", "/app/status/" + blinkCID, "application/json", `{"trigger":"` + strings.Repeat("x", 70000) + `"}`, 413, restapi.ErrBodyTooLarge},
	} {
		resp := raw(tc.method, tc.path, tc.ctype, tc.body)
		require.Equal(t, tc.status, resp.Status, "%s %s", tc.method, tc.path)
		require.Equal(t, restapi.ContentTypeJSON, resp.ContentType)
		require.JSONEq(t, `{"error":`+itoa(tc.code)+`}`, string(resp.Body), "%s %s", tc.method, tc.path)
	}
	// A body beyond the host's limit never reaches the device.
	resp := raw("PUT", "/update/stage", "application/octet-stream", string(bytes.Repeat([]byte{1}, kernel.MaxGatewayBody+1)))
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.Status)

	res := r.stop(t)
	require.Equal(t, "test over", res.Stop)
	require.False(t, res.AppExited)
	require.NotEmpty(t, r.rec.named("rest.request"))
}

func itoa(v uint32) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
		if v == 0 {
			return string(b)
		}
	}
}

// POST /restart reboots the device through the OS's own path: SIGTERM to
// the app, a Reboot error-report event, a reset. The telemetry partition
// shows the event; DELETE /telemetry clears it.
func TestRestartAndTelemetry(t *testing.T) {
	r := start(t, readImage(t, "storage-counter.bin"))
	c, cx := r.c, ctx(t)
	eventually(t, "the app to run", func() bool {
		imgs, err := c.Images(cx)
		if err != nil || len(imgs.Components) == 0 {
			return false
		}
		st, err := c.AppStatus(cx, imgs.Components[0].UID)
		return err == nil && st.State == restapi.StateRunning
	})
	imgs, err := c.Images(cx)
	require.NoError(t, err)
	app := imgs.Components[0].UID
	q, err := c.AppQuota(cx, app)
	require.NoError(t, err)
	require.Equal(t, restapi.AppQuota{UsageKB: 0, LimitKB: 8}, q, "its manifest's MutableStorage; nothing written yet")

	require.NoError(t, c.Restart(cx))
	eventually(t, "the reboot", func() bool { return len(r.rec.named("power.reset")) == 1 })
	eventually(t, "the OS after the reboot", func() bool {
		st, err := c.AppStatus(cx, app)
		return err == nil && st.State == restapi.StateRunning
	})
	st, err := c.Status(cx)
	require.NoError(t, err)
	require.Less(t, st.Uptime, int64(10), "uptime counts from the reboot")

	recs, err := c.Telemetry(cx)
	require.NoError(t, err)
	require.NotEmpty(t, recs)
	last := recs[len(recs)-1]
	require.Equal(t, "Reboot (reason=REST POST /restart)", last.Description)
	require.Equal(t, "Planned", last.TypeName())
	require.Equal(t, "OS", last.ClassName())
	require.False(t, last.Uploaded)

	require.NoError(t, c.DeleteTelemetry(cx))
	recs, err = c.Telemetry(cx)
	require.NoError(t, err)
	require.Empty(t, recs)
	require.Len(t, r.rec.named("telemetry.clear"), 1)
}

// The same run with a REST server that no client calls gives the same
// trace, byte for byte, as a run without one.
func TestAnUncalledGatewayKeepsTheTrace(t *testing.T) {
	run := func(gw *kernel.Gateway) []byte {
		var b bytes.Buffer
		jl := trace.NewJSONL(&b)
		d, err := device.New(device.Config{Image: readImage(t, "intercore.bin"), Seed: 3, DeviceSeed: 1, Cache: cache, Gateway: gw, Sinks: []trace.Sink{jl}})
		require.NoError(t, err)
		if gw != nil {
			srv, err := gateway.Listen(gw, "127.0.0.1:0")
			require.NoError(t, err)
			defer srv.Close()
		}
		res := d.Run(3 * sim.Second)
		require.Equal(t, "until", res.Stop)
		require.NoError(t, d.Close())
		require.NoError(t, jl.Flush())
		return b.Bytes()
	}
	plain := run(nil)
	hosted := run(kernel.NewGateway())
	require.Greater(t, len(plain), 1000)
	require.Equal(t, string(plain), string(hosted))
}

// An idle device with a REST API waits for requests instead of ending as
// idle, and a request wakes it: virtual time follows the wall clock
// meanwhile, and the run still ends at its end time.
func TestAnIdleDeviceWaitsForRequests(t *testing.T) {
	gw := kernel.NewGateway()
	d, err := device.New(device.Config{Image: readImage(t, "exit-clean.bin"), Seed: 1, DeviceSeed: 1, Cache: cache, Gateway: gw, RestartApps: true})
	require.NoError(t, err)
	srv, err := gateway.Listen(gw, "127.0.0.1:0")
	require.NoError(t, err)
	defer srv.Close()
	c, err := gateway.NewClient(srv.URL(), srv.CAPEM())
	require.NoError(t, err)
	res := make(chan device.Result, 1)
	go func() { res <- d.Run(2 * sim.Second) }()
	time.Sleep(200 * time.Millisecond)
	st, err := c.Status(ctx(t))
	require.NoError(t, err, "the device answers while idle")
	require.GreaterOrEqual(t, st.Uptime, int64(0))
	got := <-res
	require.Equal(t, "until", got.Stop)
	require.Equal(t, 2*sim.Second, got.Time)
	gw.Close()
	_, err = c.Status(ctx(t))
	status, code := apiCode(t, err)
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, restapi.ErrDeviceUnavailable, code)
	require.NoError(t, d.Close())
}

// The firewall rules come from the running app's manifest: its server
// port opens INPUT, and the names of its AllowedConnections become the
// addresses the resolver table maps them to in OUTPUT, for its uid only.
func TestFirewallRulesFollowTheManifest(t *testing.T) {
	r := start(t, readImage(t, "net-client.bin"), func(c *device.Config) {
		c.RestartApps = true
		c.Net = &kernel.NetConfig{Hosts: map[string]string{"echo.sphere-emu.test": "127.0.0.1", "other.test": "127.0.0.2"},
			Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return nil, errors.New("refused")
			}}
	})
	c, cx := r.c, ctx(t)
	fw, err := c.FirewallRulesets(cx)
	require.NoError(t, err)
	var hooks []string
	for _, rs := range fw.Rulesets {
		hooks = append(hooks, rs.Hook)
		require.True(t, rs.IsValid)
	}
	require.Equal(t, []string{"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}, hooks)
	in := fw.Rulesets[1].Rules
	require.Len(t, in, 4)
	require.Equal(t, "tcp", in[0].Protocol)
	require.Equal(t, restapi.PortRange{Min: 11000, Max: 11000}, in[0].DestinationPortRange)
	require.Equal(t, "accept", in[0].Action)
	require.Equal(t, "drop", in[3].Action)
	out := fw.Rulesets[3].Rules
	require.Len(t, out, 4)
	require.Equal(t, "127.0.0.1", out[0].DestinationIP)
	require.Equal(t, "255.255.255.255", out[0].DestinationMask)
	require.Equal(t, "accept", out[0].Action)
	require.Equal(t, 1000, out[0].UID)
	require.Equal(t, "established", out[1].State)
	require.Equal(t, "drop", out[3].Action)
	require.NotNil(t, out[0].TCPMask, "arrays are [] in JSON, never null")
}

// An app update installed without a reboot shows in GET /images at once:
// the new image replaces the old one in its component.
func TestImagesFollowAnAppUpdate(t *testing.T) {
	old := readImage(t, "blink.imagepackage")
	keyPEM, err := os.ReadFile("../testdata/keys/app-signing.key.pem")
	require.NoError(t, err)
	key, err := image.ParsePrivateKeyPEM(keyPEM)
	require.NoError(t, err)
	v2, err := image.RebuildApp(old, key, 2)
	require.NoError(t, err)
	p, err := image.ParsePackage(old)
	require.NoError(t, err)
	p2, err := image.ParsePackage(v2)
	require.NoError(t, err)
	newID := p2.Metadata.Identity.ImageID.String()

	r := startWith(t, sphereemu.SampleImage, func(d *device.Device) {
		d.UpdateAt(1*sim.Second, kernel.Update{Source: "test", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleApp, Package: v2}}})
	}, func(c *device.Config) { c.RestartApps = true })
	c, cx := r.c, ctx(t)
	imgs, err := c.Images(cx)
	require.NoError(t, err)
	require.Len(t, imgs.Components, 1)
	require.Equal(t, p.Metadata.Identity.ImageID.String(), imgs.Components[0].Images[0].UID)
	eventually(t, "the new version to run", func() bool {
		imgs, err := c.Images(cx)
		return err == nil && len(imgs.Components) == 1 && imgs.Components[0].Images[0].UID == newID
	})
	eventually(t, "the app to run again", func() bool {
		st, err := c.AppStatus(cx, blinkCID)
		return err == nil && st.State == restapi.StateRunning
	})
}

// Garbage on the wire (no TLS, a broken handshake, a request cut short)
// costs the device nothing: the next client is served.
func TestGarbageOnTheWire(t *testing.T) {
	r := start(t, sphereemu.SampleImage)
	addr := strings.TrimPrefix(r.srv.URL(), "https://")
	for _, junk := range []string{"GET /status HTTP/1.1\r\nHost: x\r\n\r\n", "\x16\x03\x01\x00\x05hello", "\x00\xff\x00\xff"} {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, _ = conn.Write([]byte(junk))
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		_, _ = io.ReadAll(conn)
		conn.Close()
	}
	resp, err := r.c.Do(ctx(t), "PATCH", "/app/status/"+blinkCID, "application/json", []byte("{\"trigger\":\"st"))
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.Status)
	st, err := r.c.Status(ctx(t))
	require.NoError(t, err)
	require.GreaterOrEqual(t, st.Uptime, int64(0))
	res := r.stop(t)
	require.Empty(t, res.Panic)
}
