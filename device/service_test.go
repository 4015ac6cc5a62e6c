package device_test

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/service/api"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// cloud is an in-process security service on the clock of whichever device
// is running, and the device side of the connection to it.
type cloud struct {
	svc    *service.Service
	tenant service.Tenant
	dev    *device.Device // the device whose clock the service reads
	onNew  func(*device.Device)
	via    *kernel.ServiceLink // if set, the device reaches the service through it
}

func newCloud(t *testing.T) *cloud {
	t.Helper()
	c := &cloud{}
	svc, err := service.New(service.Config{
		Now:  func() time.Time { return c.now() },
		Rand: rand.NewChaCha8([32]byte{1}),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Close() })
	c.svc = svc
	c.tenant, err = svc.CreateTenant("Contoso")
	require.NoError(t, err)
	return c
}

func (c *cloud) now() time.Time {
	if c.dev == nil {
		return time.Unix(0, 1767225600*1e9).UTC()
	}
	return c.dev.WallTime()
}

func (c *cloud) link() *kernel.ServiceLink {
	if c.via != nil {
		return c.via
	}
	return &kernel.ServiceLink{URL: "https://as3.sphere-emu.test", RootCAs: c.svc.ServiceCAPool(), Dial: c.svc.DialContext}
}

func (c *cloud) addImages(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := c.svc.AddImage(c.tenant.ID, readImage(t, n))
		require.NoError(t, err, n)
	}
}

// boot builds a device connected to the cloud, optionally claims it, runs
// it, and returns it (still open) with its trace.
func (c *cloud) boot(t *testing.T, img []byte, claim bool, d int64, mod ...func(*device.Config)) (*device.Device, *trace.Recorder) {
	t.Helper()
	rec := &trace.Recorder{}
	cfg := device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}, Service: c.link()}
	for _, m := range mod {
		m(&cfg)
	}
	dev, err := device.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Close() })
	if c.onNew != nil {
		c.onNew(dev)
	}
	if claim {
		_, err := c.svc.ClaimDevice(c.tenant.ID, dev.DeviceID(), "")
		require.NoError(t, err)
	}
	c.dev = dev
	dev.Run(d)
	return dev, rec
}

func refusal(rec *trace.Recorder) string {
	if e, ok := rec.First("service.refused"); ok {
		return e.Str("code")
	}
	return ""
}

func TestFreshDeviceAttestsAndGetsCertificates(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	dev, rec := c.boot(t, readImage(t, "blink.bin"), true, 3*sim.Second)
	e, ok := rec.First("service.attested")
	require.True(t, ok, "refused: %s", refusal(rec))
	require.Equal(t, c.tenant.ID, e.Str("tenant"))
	_, ok = rec.First("clientkey.commit")
	require.True(t, ok, "the client key is committed only after the service certified it")
	log, err := c.svc.DeviceAttestations(dev.DeviceID())
	require.NoError(t, err)
	require.NotEmpty(t, log)
	require.True(t, log[len(log)-1].OK)
}

func TestAttestationRefusals(t *testing.T) {
	cases := []struct {
		name   string
		image  []byte
		claim  bool
		images []string
		want   string
	}{
		{"unclaimed device", nil, false, []string{"blink.imagepackage"}, api.ReasonUnclaimed},
		{"app the tenant never added", nil, true, nil, api.ReasonUnknownSoftware},
		{"OS the service does not know", buildImage(t, readTestWasm(t), blinkManifest), true, []string{"blink.imagepackage"}, api.ReasonUnknownSoftware},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCloud(t)
			c.addImages(t, tc.images...)
			img := tc.image
			if img == nil {
				img = readImage(t, "blink.bin")
			}
			dev, rec := c.boot(t, img, tc.claim, 3*sim.Second)
			require.Equal(t, tc.want, refusal(rec))
			_, attested := rec.First("service.attested")
			require.False(t, attested)
			log, err := c.svc.DeviceAttestations(dev.DeviceID())
			require.NoError(t, err)
			require.NotEmpty(t, log)
			require.Equal(t, tc.want, log[len(log)-1].Reason, "the refusal is recorded per device")
			_, signed := rec.First("key.sign")
			require.False(t, signed, "no certificate, so Pluton never signs a TLS handshake")
		})
	}
}

// TestRolledBackDeviceIsRefused: a device attests with security version 2
// of the OS; the same device (its fuses replaced, so Pluton's own
// anti-rollback check cannot stop it) then boots version 1, and the service
// refuses it.
func TestRolledBackDeviceIsRefused(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	_, err := c.svc.AddOSRelease(readImage(t, "blink-svn2.bin"))
	require.NoError(t, err)
	_, rec := c.boot(t, readImage(t, "blink-svn2.bin"), true, 3*sim.Second)
	_, ok := rec.First("service.attested")
	require.True(t, ok, "refused: %s", refusal(rec))
	_, rec = c.boot(t, readImage(t, "blink.bin"), false, 3*sim.Second)
	require.Equal(t, api.ReasonRollback, refusal(rec))
}

func TestReplayedTokenIsRefused(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	var token []byte
	c.onNew = func(d *device.Device) { d.Bus().SetTap(tapTokens(&token)) }
	_, rec := c.boot(t, readImage(t, "blink.bin"), true, 3*sim.Second)
	_, ok := rec.First("service.attested")
	require.True(t, ok)
	require.NotEmpty(t, token)
	_, err := c.svc.Attest(token)
	var r *service.Refusal
	require.True(t, errors.As(err, &r), "%v", err)
	require.Equal(t, api.ReasonNonce, r.Body.Code)
}

func TestAppCrashReachesTheErrorReportOnceCounted(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "crash.imagepackage")
	dir := t.TempDir()
	state := func(cfg *device.Config) { cfg.StateDir = dir }
	img := readImage(t, "crash.bin")
	// Each run crashes once; each boot uploads what earlier runs recorded.
	for run := range 3 {
		dev, rec := c.boot(t, img, run == 0, 3*sim.Second, state)
		require.NoError(t, dev.Close(), "run %d", run)
		_, ok := rec.First("service.attested")
		require.True(t, ok, "run %d refused: %s", run, refusal(rec))
	}
	var buf bytes.Buffer
	require.NoError(t, c.svc.ErrorReportCSV(c.tenant.ID, &buf))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"Device ID", "Event Type", "Event Class", "Event Count", "Description", "Start Time", "End Time"}, rows[0])
	var crashes [][]string
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[4], "AppCrash (") {
			crashes = append(crashes, r)
		}
	}
	require.Len(t, crashes, 1, "one row for the same crash on the same day: %q", rows)
	require.Equal(t, "Unplanned", crashes[0][1])
	require.Equal(t, "Application", crashes[0][2])
	require.Equal(t, "2", crashes[0][3], "the first two runs' crashes were uploaded, each once")
}

func TestSameSeedSameTraceWithTheService(t *testing.T) {
	run := func() string {
		c := newCloud(t)
		c.addImages(t, "blink.imagepackage")
		var buf bytes.Buffer
		jl := trace.NewJSONL(&buf)
		_, _ = c.boot(t, readImage(t, "blink.bin"), true, 2*sim.Second, func(cfg *device.Config) { cfg.Sinks = append(cfg.Sinks, jl) })
		require.NoError(t, jl.Flush())
		return buf.String()
	}
	a, b := run(), run()
	require.Contains(t, a, "service.attested")
	require.Equal(t, a, b)
}

// tapTokens copies every attestation token Pluton hands out.
func tapTokens(out *[]byte) mailbox.Tap {
	return func(from, to mailbox.Addr, b []byte) ([]byte, bool) {
		if m, err := mailbox.Unmarshal(b); err == nil && from == mailbox.Pluton && m.Kind == plutonmsg.KindProcessAttestation.Reply() {
			*out = append([]byte(nil), m.Payload...)
		}
		return b, false
	}
}

func readTestWasm(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/apps/blink/app.wasm")
	require.NoError(t, err)
	return b
}

// TestOfflineDeviceRetriesWhenTheNetworkReturns: with the access point out
// of reach the OS cannot attest; it retries an hour later and succeeds once
// a scenario-style network input brought the network back.
func TestOfflineDeviceRetriesWhenTheNetworkReturns(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	c.onNew = func(d *device.Device) {
		d.SetNetworkUp(false)
		d.Sim().Schedule(30*60*sim.Second, func() { d.SetNetworkUp(true) })
	}
	_, rec := c.boot(t, readImage(t, "blink.bin"), true, 61*60*sim.Second)
	e, ok := rec.First("service.error")
	require.True(t, ok)
	require.Contains(t, e.Str("reason"), "the network is down")
	a, ok := rec.First("service.attested")
	require.True(t, ok, "attested after the retry")
	require.Greater(t, a.T, 60*60*sim.Second)
}

// TestOSUpdateIsConfirmedByAttestation: the new OS boots on trial, attests,
// and only then is made final and its anti-rollback fuses burnt; from then
// on the previous OS is refused at install.
func TestOSUpdateIsConfirmedByAttestation(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	_, err := c.svc.AddOSRelease(readImage(t, "blink-svn2.bin"))
	require.NoError(t, err)
	kern, rootfs := osPackages(t, readImage(t, "blink-svn2.bin"))
	oldKern, oldRootfs := osPackages(t, readImage(t, "blink.bin"))
	update := func(k, r []byte) kernel.Update {
		return kernel.Update{Source: "test", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleKernel, Package: k}, {Role: secmonmsg.RoleRootFS, Package: r}}}
	}
	c.onNew = func(d *device.Device) {
		d.UpdateAt(2*sim.Second, update(kern, rootfs))
		d.UpdateAt(8*sim.Second, update(oldKern, oldRootfs))
	}
	// The group takes no updates over the air: the test installs them.
	_, err = c.svc.CreateProduct(c.tenant.ID, "Blinker", "")
	require.NoError(t, err)
	_, err = c.svc.CreateDeviceGroup(c.tenant.ID, service.DeviceGroupSpec{Product: "Blinker", Name: "Lab", UpdatePolicy: service.UpdatePolicyNone})
	require.NoError(t, err)
	rec := c.bootInGroup(t, readImage(t, "blink.bin"), "Blinker/Lab", 10*sim.Second)
	attests := rec.Named("service.attested")
	require.Len(t, attests, 2, "once per boot: %s", refusal(rec))
	confirm, ok := rec.First("update.confirm")
	require.True(t, ok)
	require.Greater(t, confirm.T, attests[1].T, "confirmed only after the new OS attested")
	burn, ok := rec.First("fuse.burn", "counter", "NormalWorldKernel", "value", "2")
	require.True(t, ok)
	require.GreaterOrEqual(t, burn.T, confirm.T-sim.Second)
	failed, ok := rec.First("update.failed")
	require.True(t, ok, "the older OS is refused")
	require.Contains(t, failed.Str("reason"), "below the anti-rollback counter")
}

// fieldGroup makes a product with a device group that takes every update,
// and returns the group's path.
func (c *cloud) fieldGroup(t *testing.T) string {
	t.Helper()
	_, err := c.svc.CreateProduct(c.tenant.ID, "Blinker", "")
	require.NoError(t, err)
	_, err = c.svc.CreateDeviceGroup(c.tenant.ID, service.DeviceGroupSpec{Product: "Blinker", Name: "Beta", UpdatePolicy: service.UpdatePolicyAll})
	require.NoError(t, err)
	return "Blinker/Beta"
}

// bootInGroup boots a device claimed into group.
func (c *cloud) bootInGroup(t *testing.T, img []byte, group string, d int64) *trace.Recorder {
	t.Helper()
	prev := c.onNew
	c.onNew = func(dev *device.Device) {
		_, err := c.svc.ClaimDevice(c.tenant.ID, dev.DeviceID(), group)
		require.NoError(t, err)
		if prev != nil {
			prev(dev)
		}
	}
	defer func() { c.onNew = prev }()
	_, rec := c.boot(t, img, false, d)
	return rec
}

func TestDeploymentReachesTheDevice(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	v2 := repackApp(t, readImage(t, "blink.imagepackage"), 2)
	im, err := c.svc.AddImage(c.tenant.ID, v2)
	require.NoError(t, err)
	group := c.fieldGroup(t)
	_, err = c.svc.CreateDeployment(c.tenant.ID, group, []string{im.ID})
	require.NoError(t, err)

	rec := c.bootInGroup(t, c.productionImage(t), group, 5*sim.Second)
	avail, ok := rec.First("update.available")
	require.True(t, ok, "refused: %s", refusal(rec))
	require.Equal(t, "1", avail.Str("images"), "only the app: the OS is current")
	_, ok = rec.First("update.installed")
	require.True(t, ok)
	require.Equal(t, im.Digest, lastVerified(rec, "app:"+blinkCID), "the deployed version, re-signed by the service, runs")
	require.NotEqual(t, digestHex(t, v2), im.Digest)
}

// TestDeviceRefusesImagesSignedByAnUntrustedService: a device whose
// keystore does not trust the service's production key refuses what the
// service re-signed.
func TestDeviceRefusesImagesSignedByAnUntrustedService(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	im, err := c.svc.AddImage(c.tenant.ID, repackApp(t, readImage(t, "blink.imagepackage"), 2))
	require.NoError(t, err)
	group := c.fieldGroup(t)
	_, err = c.svc.CreateDeployment(c.tenant.ID, group, []string{im.ID})
	require.NoError(t, err)
	rec := c.bootInGroup(t, readImage(t, "blink.bin"), group, 5*sim.Second)
	e, ok := rec.First("update.failed")
	require.True(t, ok)
	require.Contains(t, e.Str("reason"), "not in the trusted keystore")
}

// productionImage is the blink sample built for devices of this cloud:
// their keystore also trusts the service's production key, and the service
// knows the resulting OS release.
func (c *cloud) productionImage(t *testing.T) []byte {
	t.Helper()
	plat := testKey(t, "platform-root")
	appPEM, err := os.ReadFile("../testdata/keys/app-signing.pub.pem")
	require.NoError(t, err)
	app, err := image.ParsePublicKeyPEM(appPEM)
	require.NoError(t, err)
	img, err := image.BuildFlash(image.BuildOptions{PlatformKey: plat, AppKeys: []*ecdsa.PublicKey{app, c.svc.ProductionAppKey()},
		Apps: [][]byte{readImage(t, "blink.imagepackage")}, SVN: 1, OSVersion: "26.11", BuildDate: 1767225600})
	require.NoError(t, err)
	_, err = c.svc.AddOSRelease(img)
	require.NoError(t, err)
	return img
}

func TestOTAUpdatesTheOSAndConfirmsIt(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "blink.imagepackage")
	_, err := c.svc.AddOSRelease(readImage(t, "blink-svn2.bin"))
	require.NoError(t, err)
	kern, rootfs := osPackages(t, readImage(t, "blink-svn2.bin"))
	rec := c.bootInGroup(t, readImage(t, "blink.bin"), c.fieldGroup(t), 6*sim.Second)
	_, ok := rec.First("update.installed", "reboot", "true")
	require.True(t, ok, "refused: %s", refusal(rec))
	require.Equal(t, digestHex(t, kern), lastVerified(rec, "kernel"))
	require.Equal(t, digestHex(t, rootfs), lastVerified(rec, "rootfs"))
	_, ok = rec.First("update.confirm")
	require.True(t, ok, "the new OS attested and was confirmed")
	_, ok = rec.First("fuse.burn", "counter", "NormalWorldKernel", "value", "2")
	require.True(t, ok)
	_, ok = rec.First("update.none")
	require.True(t, ok, "after the update the device runs what the service wants")
}

// TestAppDefersAnUpdate: an app with SoftwareUpdateDeferral is told an OS
// update is ready, defers it by five minutes, and is told again; when it
// lets it go, it gets the Final notice and the OS installs and reboots.
func TestAppDefersAnUpdate(t *testing.T) {
	c := newCloud(t)
	c.addImages(t, "update-deferral.imagepackage")
	_, err := c.svc.AddOSRelease(readImage(t, "blink-svn2.bin"))
	require.NoError(t, err)
	rec := c.bootInGroup(t, readImage(t, "update-deferral.bin"), c.fieldGroup(t), 8*60*sim.Second)
	var logs []string
	for _, e := range rec.Named("app.log") {
		logs = append(logs, e.Str("line"))
	}
	require.Contains(t, logs, "update ready: status 1, type 2, may defer 1440 minutes")
	require.Contains(t, logs, "deferred the update by 5 minutes")
	require.Contains(t, logs, "update ready: status 1, type 2, may defer 1435 minutes", "asked again when the deferral ran out")
	require.Contains(t, logs, "update ready: status 2, type 2, may defer 0 minutes", "the Final notice")
	pending, ok := rec.First("update.pending")
	require.True(t, ok)
	installed, ok := rec.First("update.installed")
	require.True(t, ok, "%q", logs)
	require.GreaterOrEqual(t, installed.T-pending.T, 5*60*sim.Second, "not before the deferral ran out")
	require.Less(t, installed.T-pending.T, 6*60*sim.Second)
}
