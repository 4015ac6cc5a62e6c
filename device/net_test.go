package device_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The tests of the emulated network drive testdata/apps/net-client, one
// action per run chosen by CmdArgs, in an image built per case. Every
// address the app may reach is on the loopback interface: the resolver
// table maps names to 127.0.0.x and Dial sends allowed connections to
// servers the test starts.

const zeroTenant = "00000000-0000-0000-0000-000000000000"

// netApp is the manifest of one net-client run.
type netApp struct {
	args    []string
	allowed []string // AllowedConnections
	tcp     []int    // AllowedTcpServerPorts
	udp     []int    // AllowedUdpServerPorts
	tenant  string   // DeviceAuthentication
}

func (a netApp) manifest(t testing.TB) string {
	caps := map[string]any{}
	if a.allowed != nil {
		caps["AllowedConnections"] = a.allowed
	}
	if a.tcp != nil {
		caps["AllowedTcpServerPorts"] = a.tcp
	}
	if a.udp != nil {
		caps["AllowedUdpServerPorts"] = a.udp
	}
	if a.tenant != "" {
		caps["DeviceAuthentication"] = a.tenant
	}
	m, err := json.Marshal(map[string]any{"SchemaVersion": 1, "Name": "NetClient", "ComponentId": blinkCID,
		"EntryPoint": "/bin/app", "CmdArgs": a.args, "Capabilities": caps, "ApplicationType": "Default"})
	require.NoError(t, err)
	return string(m)
}

var netClientWasm = sync.OnceValues(func() ([]byte, error) { return os.ReadFile("../testdata/apps/net-client/app.wasm") })

// netImage builds a flash image of net-client with the manifest of a, and
// returns the app's image package too (for a service to know it).
func netImage(t testing.TB, a netApp) (img, pkg []byte) {
	t.Helper()
	wasm, err := netClientWasm()
	require.NoError(t, err)
	appKey := testKey(t, "app-signing")
	platKey := testKey(t, "platform-root")
	cid, err := image.ParseGUID(blinkCID)
	require.NoError(t, err)
	pkg, err = image.BuildApp(image.AppOptions{ComponentID: cid, Name: "NetClient", Key: appKey, BuildDate: 1,
		Files: []image.File{{Path: "app_manifest.json", Mode: 0o644, Data: []byte(a.manifest(t))}, {Path: "bin/app", Mode: 0o755, Data: wasm}}})
	require.NoError(t, err)
	img, err = image.BuildFlash(image.BuildOptions{PlatformKey: platKey, AppKeys: []*ecdsa.PublicKey{&appKey.PublicKey}, Apps: [][]byte{pkg}, SVN: 1, OSVersion: "test", BuildDate: 1})
	require.NoError(t, err)
	return img, pkg
}

// appLines returns the app's Log_Debug lines.
func appLines(rec *trace.Recorder) []string {
	var out []string
	for _, e := range rec.Named("app.log") {
		out = append(out, e.Str("line"))
	}
	return out
}

// runNet boots net-client with a and the network cfg until it exits (or d).
func runNet(t *testing.T, a netApp, cfg *kernel.NetConfig, d int64, mod ...func(*device.Device)) (device.Result, *trace.Recorder) {
	t.Helper()
	img, _ := netImage(t, a)
	rec := &trace.Recorder{}
	dev, err := device.New(device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}, Net: cfg})
	require.NoError(t, err)
	defer dev.Close()
	for _, m := range mod {
		m(dev)
	}
	return dev.Run(d), rec
}

// echoServer is a loopback TCP server that echoes what it reads, until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// udpEchoServer answers each datagram with the same bytes.
func udpEchoServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
	return pc.LocalAddr().String()
}

// testNet is the emulated network of the tests: echo.sphere-emu.test at
// 127.0.0.1 (port 7: the echo server; port 9: refused), other names at
// other loopback addresses. Dial never leaves the loopback interface and
// records what it was asked.
type testNet struct {
	mu     sync.Mutex
	dialed []string
}

func (n *testNet) config(t *testing.T) *kernel.NetConfig {
	echo, udp := echoServer(t), udpEchoServer(t)
	return &kernel.NetConfig{
		Hosts: map[string]string{
			"echo.sphere-emu.test":    "127.0.0.1",
			"blocked.sphere-emu.test": "127.0.0.2",
			"other.sphere-emu.test":   "127.0.0.3",
		},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			n.mu.Lock()
			n.dialed = append(n.dialed, network+" "+addr)
			n.mu.Unlock()
			var d net.Dialer
			switch network + " " + addr {
			case "tcp 127.0.0.1:7":
				return d.DialContext(ctx, "tcp", echo)
			case "udp 127.0.0.1:7":
				return d.DialContext(ctx, "udp", udp)
			}
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		},
	}
}

func TestFirewallOutbound(t *testing.T) {
	cases := []struct {
		name    string
		app     netApp
		want    string // the app's last log line
		deny    string // host of the expected net.deny, "" for none
		dialled bool
	}{
		{"declared host connects and exchanges bytes", netApp{args: []string{"connect", "echo.sphere-emu.test", "7", "hello"}, allowed: []string{"echo.sphere-emu.test"}},
			"echo: hello", "", true},
		{"wildcard domain", netApp{args: []string{"connect", "echo.sphere-emu.test", "7", "wild"}, allowed: []string{"*.sphere-emu.test"}},
			"echo: wild", "", true},
		{"IP literal listed", netApp{args: []string{"connect", "127.0.0.1", "7", "literal"}, allowed: []string{"127.0.0.1"}},
			"echo: literal", "", true},
		{"undeclared host is blocked", netApp{args: []string{"connect", "blocked.sphere-emu.test", "7", "x"}, allowed: []string{"echo.sphere-emu.test"}},
			"connect: errno=63 (EPERM)", "blocked.sphere-emu.test", false},
		{"IP literal not listed is blocked", netApp{args: []string{"connect", "127.0.0.4", "7", "x"}, allowed: []string{"echo.sphere-emu.test"}},
			"connect: errno=63 (EPERM)", "127.0.0.4", false},
		{"IP literal of a name not listed is blocked", netApp{args: []string{"connect", "127.0.0.3", "7", "x"}, allowed: []string{"echo.sphere-emu.test"}},
			"connect: errno=63 (EPERM)", "other.sphere-emu.test", false},
		{"no AllowedConnections at all", netApp{args: []string{"connect", "echo.sphere-emu.test", "7", "x"}},
			"connect: errno=63 (EPERM)", "echo.sphere-emu.test", false},
		{"unknown name", netApp{args: []string{"connect", "nowhere.sphere-emu.test", "7", "x"}, allowed: []string{"nowhere.sphere-emu.test"}},
			"getaddrinfo: -2 (Name does not resolve)", "", false},
		{"host refuses", netApp{args: []string{"connect", "echo.sphere-emu.test", "9", "x"}, allowed: []string{"echo.sphere-emu.test"}},
			"connect: errno=14 (ECONNREFUSED)", "", true},
		{"non-blocking connect with an EventLoop", netApp{args: []string{"nbconnect", "echo.sphere-emu.test", "7", "async"}, allowed: []string{"echo.sphere-emu.test"}},
			"echo: async", "", true},
		{"non-blocking connect refused: SO_ERROR", netApp{args: []string{"nbconnect", "echo.sphere-emu.test", "9", "x"}, allowed: []string{"echo.sphere-emu.test"}},
			"connect(SO_ERROR): errno=14 (ECONNREFUSED)", "", true},
		{"non-blocking connect blocked at once", netApp{args: []string{"nbconnect", "blocked.sphere-emu.test", "7", "x"}, allowed: []string{"echo.sphere-emu.test"}},
			"connect: errno=63 (EPERM)", "blocked.sphere-emu.test", false},
		{"UDP to a declared host", netApp{args: []string{"udp", "echo.sphere-emu.test", "7", "dgram"}, allowed: []string{"echo.sphere-emu.test"}},
			"datagram: dgram", "", true},
		{"UDP to an undeclared host", netApp{args: []string{"udp", "blocked.sphere-emu.test", "7", "x"}, allowed: []string{"echo.sphere-emu.test"}},
			"connect: errno=63 (EPERM)", "blocked.sphere-emu.test", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tn testNet
			res, rec := runNet(t, tc.app, tn.config(t), 10*sim.Second)
			lines := appLines(rec)
			require.NotEmpty(t, lines)
			assert.Equal(t, "ready=1", lines[0])
			assert.Equal(t, tc.want, lines[len(lines)-1], "log: %q", lines)
			require.True(t, res.AppExited, "stop: %s", res.Stop)
			if strings.HasPrefix(tc.want, "echo:") || strings.HasPrefix(tc.want, "datagram:") {
				assert.Equal(t, int32(0), res.ExitCode)
			} else {
				assert.Equal(t, int32(1), res.ExitCode)
			}
			deny, denied := rec.First("net.deny")
			if tc.deny == "" {
				assert.False(t, denied, "unexpected net.deny: %v", deny)
			} else {
				require.True(t, denied)
				assert.Equal(t, tc.deny, deny.Str("host"))
				assert.Equal(t, ruleAllowedConnections, deny.Str("rule"))
				port, _ := deny.Get("port")
				assert.EqualValues(t, 7, port)
				assert.Equal(t, blinkCID, deny.Str("cid"))
			}
			tn.mu.Lock()
			defer tn.mu.Unlock()
			assert.Equal(t, tc.dialled, len(tn.dialed) > 0, "dialled %v", tn.dialed)
		})
	}
}

const ruleAllowedConnections = "AllowedConnections"

func TestNetworkDown(t *testing.T) {
	app := netApp{args: []string{"connect", "127.0.0.1", "7", "x"}, allowed: []string{"127.0.0.1", "echo.sphere-emu.test"}}
	cases := []struct {
		name string
		cfg  func(*kernel.NetConfig)
		dev  func(*device.Device)
		app  netApp
		want string
	}{
		{"NetConfig.Offline", func(c *kernel.NetConfig) { c.Offline = true }, nil, app, "connect: errno=40 (ENETUNREACH)"},
		{"taken down through the Go API", nil, func(d *device.Device) { d.SetNetworkUp(false) }, app, "connect: errno=40 (ENETUNREACH)"},
		{"names do not resolve while down", nil, func(d *device.Device) { d.SetNetworkUp(false) },
			netApp{args: []string{"connect", "echo.sphere-emu.test", "7", "x"}, allowed: []string{"echo.sphere-emu.test"}}, "getaddrinfo: -3 (Try again)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tn testNet
			cfg := tn.config(t)
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			var mods []func(*device.Device)
			var dev *device.Device
			mods = append(mods, func(d *device.Device) { dev = d })
			if tc.dev != nil {
				mods = append(mods, tc.dev)
			}
			res, rec := runNet(t, tc.app, cfg, 10*sim.Second, mods...)
			lines := appLines(rec)
			require.Len(t, lines, 2, "log: %q", lines)
			assert.Equal(t, "ready=0", lines[0])
			assert.Equal(t, tc.want, lines[1])
			assert.Equal(t, int32(1), res.ExitCode)
			assert.False(t, dev.NetworkReady())
			assert.Empty(t, tn.dialed)
			_, denied := rec.First("net.deny")
			assert.False(t, denied, "ENETUNREACH is not a firewall denial")
		})
	}
}

// TestNetworkComesBack takes the network down and up again between runs.
func TestNetworkComesBack(t *testing.T) {
	var tn testNet
	img, _ := netImage(t, netApp{args: []string{"connect", "echo.sphere-emu.test", "7", "back"}, allowed: []string{"echo.sphere-emu.test"}})
	rec := &trace.Recorder{}
	dev, err := device.New(device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}, Net: tn.config(t)})
	require.NoError(t, err)
	defer dev.Close()
	dev.SetNetworkUp(false)
	require.False(t, dev.NetworkReady())
	dev.SetNetworkUp(true)
	require.True(t, dev.NetworkReady())
	res := dev.Run(10 * sim.Second)
	require.True(t, res.AppExited)
	assert.Equal(t, []string{"ready=1", "echo: back"}, appLines(rec))
	links := rec.Named("net.link")
	require.Len(t, links, 2)
}

func TestFirewallInbound(t *testing.T) {
	t.Run("declared port accepts a connection", func(t *testing.T) {
		addr := make(chan string, 1)
		cfg := &kernel.NetConfig{Listen: func(port int) (net.Listener, error) {
			if port != 11000 {
				return nil, fmt.Errorf("unexpected port %d", port)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err == nil {
				addr <- ln.Addr().String()
			}
			return ln, err
		}}
		reply := make(chan string, 1)
		go func() {
			c, err := net.Dial("tcp", <-addr)
			if err != nil {
				reply <- err.Error()
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			_, _ = c.Write([]byte("ping"))
			b, _ := io.ReadAll(c)
			reply <- string(b)
		}()
		res, rec := runNet(t, netApp{args: []string{"serve", "11000"}, tcp: []int{11000}}, cfg, 10*sim.Second)
		require.True(t, res.AppExited, "stop: %s", res.Stop)
		assert.Equal(t, int32(0), res.ExitCode)
		assert.Equal(t, []string{"ready=1", "listening on 11000", "served: ping"}, appLines(rec))
		assert.Equal(t, "pong: ping", <-reply)
		_, denied := rec.First("net.deny")
		assert.False(t, denied)
	})
	t.Run("undeclared port: the firewall drops every connection", func(t *testing.T) {
		listened := false
		cfg := &kernel.NetConfig{Listen: func(port int) (net.Listener, error) {
			listened = true
			return nil, errors.New("must not listen")
		}}
		res, rec := runNet(t, netApp{args: []string{"serve", "12000"}, tcp: []int{11000}}, cfg, 10*sim.Second)
		assert.False(t, res.AppExited, "accept must never return")
		assert.Equal(t, "idle", res.Stop)
		assert.False(t, listened, "the host never listens on an undeclared port")
		assert.Equal(t, []string{"ready=1", "listening on 12000"}, appLines(rec))
		deny, ok := rec.First("net.deny")
		require.True(t, ok)
		assert.Equal(t, "AllowedTcpServerPorts", deny.Str("rule"))
		port, _ := deny.Get("port")
		assert.EqualValues(t, 12000, port)
	})
	t.Run("privileged port", func(t *testing.T) {
		res, rec := runNet(t, netApp{args: []string{"serve", "80"}, tcp: []int{80}}, &kernel.NetConfig{}, 10*sim.Second)
		assert.Equal(t, int32(1), res.ExitCode)
		assert.Equal(t, []string{"ready=1", "bind: errno=2 (EACCES)"}, appLines(rec))
	})
}

func TestDeviceAuthNeedsTheCapability(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"curl with DeviceAuth_CurlSslFunc", []string{"https", "https://echo.sphere-emu.test/x", "deviceauth", "{}"}, "curl=58 (Problem with the local SSL certificate)"},
		{"DeviceAuth_GetCertificatePath", []string{"certpath"}, "DeviceAuth_GetCertificatePath: errno=2 (EACCES)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tn testNet
			res, rec := runNet(t, netApp{args: tc.args, allowed: []string{"echo.sphere-emu.test"}}, tn.config(t), 30*sim.Second)
			lines := appLines(rec)
			require.NotEmpty(t, lines)
			assert.Equal(t, tc.want, lines[len(lines)-1], "log: %q", lines)
			assert.Equal(t, int32(1), res.ExitCode)
			e, ok := rec.First("deviceauth.deny")
			require.True(t, ok)
			assert.Contains(t, e.Str("reason"), "DeviceAuthentication")
			assert.Empty(t, tn.dialed, "no connection is opened")
		})
	}
}

// deviceCloud is an in-process security service (the other side of
// attestation and the company cloud), on the clock of the running device.
type deviceCloud struct {
	svc    *service.Service
	tenant service.Tenant
	dev    *device.Device
}

func newDeviceCloud(t *testing.T) *deviceCloud {
	t.Helper()
	c := &deviceCloud{}
	svc, err := service.New(service.Config{Now: func() time.Time {
		if c.dev == nil {
			return time.Unix(1767225600, 0).UTC()
		}
		return c.dev.WallTime()
	}, Rand: rand.NewChaCha8([32]byte{5})})
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Close() })
	c.svc = svc
	c.tenant, err = svc.CreateTenant("Contoso")
	require.NoError(t, err)
	return c
}

// boot runs net-client with a on a device the cloud knows and has claimed.
func (c *deviceCloud) boot(t *testing.T, a netApp, net *kernel.NetConfig) (*device.Device, device.Result, *trace.Recorder) {
	t.Helper()
	img, pkg := netImage(t, a)
	_, err := c.svc.AddImage(c.tenant.ID, pkg)
	require.NoError(t, err)
	_, err = c.svc.AddOSRelease(img) // the test image's OS ("test") is not the bundled release
	require.NoError(t, err)
	rec := &trace.Recorder{}
	dev, err := device.New(device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}, Net: net,
		Service: &kernel.ServiceLink{URL: "https://" + service.ServerName, RootCAs: c.svc.ServiceCAPool(), Dial: c.svc.DialContext}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Close() })
	_, err = c.svc.ClaimDevice(c.tenant.ID, dev.DeviceID(), "")
	require.NoError(t, err)
	c.dev = dev
	return dev, dev.Run(30 * sim.Second), rec
}

// cloudNet sends the app's connections to the service's company cloud.
func (c *deviceCloud) cloudNet() *kernel.NetConfig {
	return &kernel.NetConfig{Hosts: map[string]string{service.ServerName: "127.0.0.1"}, Dial: c.svc.DialContext, RootCAs: c.svc.ServiceCAPool()}
}

func TestDeviceAuthTelemetryToTheCompanyCloud(t *testing.T) {
	url := "https://" + service.ServerName + service.PathTelemetry
	cases := []struct {
		name       string
		deviceauth bool
		status     string
		stored     bool
	}{
		{"with the device certificate", true, "status=202", true},
		{"without a client certificate", false, "status=401", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newDeviceCloud(t)
			args := []string{"https", url, `{"temperature_c":61.5}`}
			if tc.deviceauth {
				args = []string{"https", url, "deviceauth", `{"temperature_c":61.5}`}
			}
			app := netApp{args: args, allowed: []string{service.ServerName}, tenant: zeroTenant}
			dev, res, rec := c.boot(t, app, c.cloudNet())
			require.True(t, res.AppExited, "stop %s, log %q", res.Stop, appLines(rec))
			lines := appLines(rec)
			assert.Contains(t, lines, tc.status, "log: %q", lines)
			got, err := c.svc.ListTelemetry(c.tenant.ID, 10)
			require.NoError(t, err)
			if !tc.stored {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, lines, "deviceauth ready=1")
			require.Len(t, got, 1)
			assert.Equal(t, dev.DeviceID(), got[0].DeviceID)
			assert.JSONEq(t, `{"temperature_c":61.5}`, string(got[0].Body))
			e, ok := rec.First("net.https")
			require.True(t, ok)
			assert.Equal(t, true, mustGet(t, e, "client_cert"))
		})
	}
}

func mustGet(t *testing.T, e trace.Event, key string) any {
	t.Helper()
	v, ok := e.Get(key)
	require.True(t, ok, "event %s has no %s", e.Ev, key)
	return v
}

// TestDeviceAuthClientCertificate checks what the server sees: a
// certificate for the device ID whose key is not the device's identity
// key, and, on the device, a PEM of it at DeviceAuth_GetCertificatePath.
func TestDeviceAuthClientCertificate(t *testing.T) {
	c := newDeviceCloud(t)
	seen := make(chan *tls.ConnectionState, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.TLS
		fmt.Fprint(w, "ok")
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	defer srv.Close()
	// httptest's certificate is for example.com; the OS trusts its CA.
	cfg := &kernel.NetConfig{Hosts: map[string]string{"example.com": "127.0.0.1"},
		RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", srv.Listener.Addr().String())
		}}
	app := netApp{args: []string{"https", "https://example.com/up", "deviceauth", `{"n":1}`},
		allowed: []string{"example.com"}, tenant: zeroTenant}
	dev, res, rec := c.boot(t, app, cfg)
	require.True(t, res.AppExited, "stop %s, log %q", res.Stop, appLines(rec))
	require.Contains(t, appLines(rec), "status=200")
	st := <-seen
	require.NotEmpty(t, st.PeerCertificates)
	leaf := st.PeerCertificates[0]
	assert.Equal(t, dev.DeviceID(), leaf.Subject.CommonName)
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	require.True(t, ok)
	raw, err := pub.Bytes()
	require.NoError(t, err)
	assert.NotEqual(t, dev.DeviceID(), hex.EncodeToString(raw[1:]), "the client key must not be the identity key")
	_, ok = rec.First("clientkey.commit")
	assert.True(t, ok)
}

// TestDeviceAuthCertificateFile: DeviceAuth_GetCertificatePath names a PEM
// file the app reads with fopen, once the device has attested.
func TestDeviceAuthCertificateFile(t *testing.T) {
	c := newDeviceCloud(t)
	_, res, rec := c.boot(t, netApp{args: []string{"certpath", "wait"}, tenant: zeroTenant}, nil)
	require.True(t, res.AppExited)
	lines := appLines(rec)
	assert.Contains(t, lines, "path=/run/daa/"+strings.ToLower(c.tenant.ID), "log: %q", lines)
	assert.Contains(t, lines, "first line: -----BEGIN CERTIFICATE-----")
	assert.Equal(t, int32(0), res.ExitCode)
}

// TestDeviceAuthCertificateFileBeforeAttestation: with the capability but
// no service, the path exists and the file does not.
func TestDeviceAuthCertificateFileBeforeAttestation(t *testing.T) {
	res, rec := runNet(t, netApp{args: []string{"certpath"}, tenant: zeroTenant}, nil, 10*sim.Second)
	assert.Equal(t, int32(1), res.ExitCode)
	assert.Equal(t, []string{"ready=1", "path=/run/daa/" + zeroTenant, "fopen: errno=44 (ENOENT)"}, appLines(rec))
}

// netSyscalls are the kinds FuzzNetSyscalls substitutes, with their
// integer argument counts: the networking syscalls and the descriptor
// calls that reach a socket.
var netSyscalls = []struct {
	kind  mailbox.Kind
	nargs int
}{
	{kernelmsg.KindSocket, 3}, {kernelmsg.KindSocketConnect, 3}, {kernelmsg.KindSocketBind, 3}, {kernelmsg.KindSocketListen, 2},
	{kernelmsg.KindSocketAccept, 2}, {kernelmsg.KindSocketGetsockopt, 3}, {kernelmsg.KindSocketAddr, 2}, {kernelmsg.KindResolve, 0},
	{kernelmsg.KindHTTPSPerform, 0}, {kernelmsg.KindDeviceAuthSSLCtx, 0}, {kernelmsg.KindDeviceAuthPath, 0},
	{kernelmsg.KindSockSend, 1}, {kernelmsg.KindSockRecv, 3}, {kernelmsg.KindSockShutdown, 2}, {kernelmsg.KindFdRead, 2},
	{kernelmsg.KindSetsockopt, 3}, {kernelmsg.KindPathOpen, 4}, {kernelmsg.KindFdClose, 1},
}

// FuzzNetSyscalls replaces the index-th syscall of a net-client run (a
// non-blocking connect driven by an EventLoop, with DeviceAuthentication)
// with a networking syscall of arbitrary arguments: the kernel answers or
// refuses it, the app goes on or ends, and the emulator never panics or
// hangs. The network refuses every connection, so nothing leaves the test.
func FuzzNetSyscalls(f *testing.F) {
	f.Add(uint8(3), uint8(0), int64(1), int64(6), int64(0), []byte{})
	f.Add(uint8(4), uint8(1), int64(4), int64(0x7f000001), int64(7), []byte{})
	f.Add(uint8(5), uint8(8), int64(0), int64(0), int64(0), (&kernelmsg.HTTPSRequest{Flags: 1, Method: "GET", URL: "https://echo.sphere-emu.test/"}).Marshal())
	f.Add(uint8(2), uint8(7), int64(0), int64(0), int64(0), []byte("echo.sphere-emu.test"))
	f.Add(uint8(6), uint8(3), int64(4), int64(-1), int64(0), []byte{})
	f.Add(uint8(7), uint8(16), int64(5), int64(0), int64(1), []byte("00000000-0000-0000-0000-000000000000"))
	img, _ := netImage(f, netApp{args: []string{"nbconnect", "echo.sphere-emu.test", "7", "x"}, allowed: []string{"echo.sphere-emu.test"},
		tcp: []int{11000}, tenant: zeroTenant})
	refuse := &kernel.NetConfig{
		Hosts: map[string]string{"echo.sphere-emu.test": "127.0.0.1"},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		},
		Listen: func(port int) (net.Listener, error) { return nil, errors.New("no listening in the fuzzer") },
	}
	f.Fuzz(func(t *testing.T, index, which uint8, a0, a1, a2 int64, data []byte) {
		d, err := device.New(device.Config{Image: img, Seed: 1, Cache: cache, RunawayLimit: 200 * sim.Millisecond, Net: refuse})
		require.NoError(t, err)
		defer d.Close()
		d.Bus().SetTap(rewriteNthSyscall(index, func(m *mailbox.Message) {
			sc := netSyscalls[int(which)%len(netSyscalls)]
			m.Kind = sc.kind
			args := kernelmsg.Args{Ints: []int64{a0, a1, a2, a0 ^ a1}[:sc.nargs], Data: data}
			m.Payload = args.Marshal()
		}))
		res := d.Run(2 * sim.Second)
		require.Empty(t, res.Panic)
	})
}
