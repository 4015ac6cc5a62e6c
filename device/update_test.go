package device_test

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// repackApp signs the files of an app package again with the test app key
// and another build date: the same app, a new image.
func repackApp(t testing.TB, pkg []byte, buildDate uint64) []byte {
	t.Helper()
	key := testKey(t, "app-signing")
	out, err := image.RebuildApp(pkg, key, buildDate)
	require.NoError(t, err)
	return out
}

// osPackages returns the kernel and root file system packages of a flash image.
func osPackages(t testing.TB, img []byte) (kernelPkg, rootfs []byte) {
	t.Helper()
	loc, err := image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	get := func(it image.ImageType) []byte {
		p, ok := loc.Find(image.PartitionTypeFirmware, it)
		require.True(t, ok)
		b, err := image.PartitionData(img, p)
		require.NoError(t, err)
		return append([]byte(nil), b...)
	}
	return get(image.ImageTypeNormalWorldKernel), get(image.ImageTypeRootFs)
}

func digestHex(t testing.TB, pkg []byte) string {
	t.Helper()
	p, err := image.ParsePackage(pkg)
	require.NoError(t, err)
	d := p.Digest()
	return hex.EncodeToString(d[:])
}

// lastVerified is the measurement of the last successful verification of a
// boot or load stage.
func lastVerified(rec *trace.Recorder, stage string) string {
	m := ""
	for _, e := range rec.Named("stage.verify") {
		if e.Str("stage") == stage && e.Str("ok") == "true" && e.Str("copy") != "staged" {
			m = e.Str("measurement")
		}
	}
	return m
}

func runDevice(t *testing.T, img []byte, setup func(*device.Device), d int64) (*device.Device, *trace.Recorder, device.Result) {
	t.Helper()
	rec := &trace.Recorder{}
	dev, err := device.New(device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}, RestartApps: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Close() })
	if setup != nil {
		setup(dev)
	}
	return dev, rec, dev.Run(d)
}

func appUpdate(t testing.TB) (kernel.Update, string) {
	v2 := repackApp(t, readImage(t, "blink.imagepackage"), 2)
	return kernel.Update{Source: "test", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleApp, Package: v2}}}, digestHex(t, v2)
}

func TestAppUpdateRestartsTheNewVersion(t *testing.T) {
	u, v2 := appUpdate(t)
	v1 := digestHex(t, readImage(t, "blink.imagepackage"))
	_, rec, res := runDevice(t, readImage(t, "blink.bin"), func(d *device.Device) { d.UpdateAt(3*sim.Second, u) }, 8*sim.Second)
	require.False(t, res.Halted)
	require.Zero(t, res.Reboots, "an app update needs no reboot")
	_, ok := rec.First("update.installed")
	require.True(t, ok)
	_, ok = rec.First("update.confirm")
	require.True(t, ok, "an app-only update is final at once")
	require.Equal(t, v2, lastVerified(rec, "app:"+blinkCID))
	launches := rec.Named("app.launch")
	require.Len(t, launches, 2, "the old version stopped, the new one launched")
	first, _ := rec.First("stage.verify", "stage", "app:"+blinkCID)
	require.Equal(t, v1, first.Str("measurement"))
	// The LED keeps blinking under the new version.
	var after int
	for _, e := range rec.Named("gpio.set") {
		if e.T > launches[1].T {
			after++
		}
	}
	require.Greater(t, after, 2)
}

func TestOSUpdateRunsOnTrialUntilConfirmed(t *testing.T) {
	kern, rootfs := osPackages(t, readImage(t, "blink-svn2.bin"))
	u := kernel.Update{Source: "test", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleKernel, Package: kern}, {Role: secmonmsg.RoleRootFS, Package: rootfs}}}
	_, rec, res := runDevice(t, readImage(t, "blink.bin"), func(d *device.Device) { d.UpdateAt(2*sim.Second, u) }, 6*sim.Second)
	require.False(t, res.Halted, res.HaltReason)
	require.Equal(t, 1, res.Reboots, "an OS update reboots into the new layout")
	require.Equal(t, digestHex(t, kern), lastVerified(rec, "kernel"))
	require.Equal(t, digestHex(t, rootfs), lastVerified(rec, "rootfs"))
	_, trial := rec.First("update.trial")
	require.True(t, trial)
	_, deferred := rec.First("fuse.defer", "counter", "NormalWorldKernel", "value", "2")
	require.True(t, deferred, "no fuse is burnt for an update on trial")
	_, burnt := rec.First("fuse.burn", "counter", "NormalWorldKernel", "value", "2")
	require.False(t, burnt, "without an attestation the update is never confirmed")
	_, ok := rec.First("app.start")
	require.True(t, ok)
}

func TestCorruptedTrialRevertsToThePreviousOS(t *testing.T) {
	kern, rootfs := osPackages(t, readImage(t, "blink-svn2.bin"))
	u := kernel.Update{Source: "test", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleKernel, Package: kern}, {Role: secmonmsg.RoleRootFS, Package: rootfs}}}
	oldKernel, _ := osPackages(t, readImage(t, "blink.bin"))
	var dev *device.Device
	_, rec, _ := runDevice(t, readImage(t, "blink.bin"), func(d *device.Device) {
		dev = d
		d.UpdateAt(2*sim.Second, u)
	}, 1)
	// Stop just after the install, flip a bit of the new kernel in flash,
	// and let the device reboot into its trial.
	for dev.Sim().Now() < 6*sim.Second {
		r := dev.Run(dev.Sim().Now() + 10*sim.Millisecond)
		if _, ok := rec.First("update.installed"); ok && r.Reboots == 0 {
			e, _ := rec.First("update.staged", "image", "NormalWorldKernel")
			off := parseHex(t, e.Str("offset"))
			require.NoError(t, dev.Flash().FlipBit(uint32(off)+200, 3))
			break
		}
	}
	res := dev.Run(10 * sim.Second)
	require.False(t, res.Halted, res.HaltReason)
	e, ok := rec.First("update.revert")
	require.True(t, ok)
	require.Equal(t, "kernel", e.Str("stage"))
	require.Equal(t, digestHex(t, oldKernel), lastVerified(rec, "kernel"), "the previous kernel runs again")
	recs, err := dev.ErrorRecords()
	require.NoError(t, err)
	found := false
	for _, r := range recs {
		found = found || strings.HasPrefix(r.Description, "UpdateReverted")
	}
	require.True(t, found, "the revert is in the error report")
}

func parseHex(t testing.TB, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	require.NoError(t, err)
	return v
}

// appVersion builds version svn of the blink app (the test app key).
func appVersion(t *testing.T, svn uint32) []byte {
	t.Helper()
	p, err := image.ParsePackage(readImage(t, "blink.imagepackage"))
	require.NoError(t, err)
	fs, err := image.ParseFS(p.Payload)
	require.NoError(t, err)
	key := testKey(t, "app-signing")
	out, err := image.BuildApp(image.AppOptions{ComponentID: p.Metadata.Identity.ComponentID, Name: "Blink", Files: fs.Files(), Key: key,
		BuildDate: uint64(svn), SVN: svn})
	require.NoError(t, err)
	return out
}

// TestOlderAppVersionIsRefusedOnceANewerRan: each app has its own
// anti-rollback counter; once version 2 ran, version 1 is refused at
// staging, and another app is not affected.
func TestOlderAppVersionIsRefusedOnceANewerRan(t *testing.T) {
	app := func(pkg []byte) kernel.Update {
		return kernel.Update{Source: "test", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleApp, Package: pkg}}}
	}
	v1, v2 := appVersion(t, 1), appVersion(t, 2)
	_, rec, res := runDevice(t, readImage(t, "blink.bin"), func(d *device.Device) {
		d.UpdateAt(2*sim.Second, app(v2))
		d.UpdateAt(6*sim.Second, app(v1))
	}, 8*sim.Second)
	require.False(t, res.Halted)
	_, ok := rec.First("fuse.burn", "counter", "app:"+blinkCID, "value", "2")
	require.True(t, ok, "version 2 ran: its counter is burnt")
	e, ok := rec.First("update.failed")
	require.True(t, ok)
	require.Contains(t, e.Str("reason"), "security version 1 is below the anti-rollback counter 2 for app:"+blinkCID)
	require.Equal(t, digestHex(t, v2), lastVerified(rec, "app:"+blinkCID))
}
