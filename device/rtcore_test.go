package device_test

import (
	"crypto/ecdsa"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/sim"
)

type appSpec struct {
	cid, manifest, wasm string
}

// buildApps packs apps (manifest JSON and a committed app.wasm) signed by
// the test keys into one flash image.
func buildApps(t *testing.T, apps ...appSpec) []byte {
	t.Helper()
	return buildAppsFrom(t, nil, apps...)
}

// buildAppsFrom is buildApps with some modules given as bytes (by name)
// instead of read from testdata/apps.
func buildAppsFrom(t *testing.T, modules map[string][]byte, apps ...appSpec) []byte {
	t.Helper()
	key := func(name string) *ecdsa.PrivateKey {
		b, err := os.ReadFile("../testdata/keys/" + name)
		require.NoError(t, err)
		k, err := image.ParsePrivateKeyPEM(b)
		require.NoError(t, err)
		return k
	}
	appKey, platKey := key("app-signing.key.pem"), key("platform-root.key.pem")
	var pkgs [][]byte
	for _, a := range apps {
		wasm, ok := modules[a.wasm]
		if !ok {
			var err error
			wasm, err = os.ReadFile("../testdata/apps/" + a.wasm + "/app.wasm")
			require.NoError(t, err)
		}
		cid, err := image.ParseGUID(a.cid)
		require.NoError(t, err)
		pkg, err := image.BuildApp(image.AppOptions{ComponentID: cid, Name: a.wasm, Key: appKey, BuildDate: 1,
			Files: []image.File{{Path: "app_manifest.json", Mode: 0o644, Data: []byte(a.manifest)}, {Path: "bin/app", Mode: 0o755, Data: wasm}}})
		require.NoError(t, err)
		pkgs = append(pkgs, pkg)
	}
	img, err := image.BuildFlash(image.BuildOptions{PlatformKey: platKey, AppKeys: []*ecdsa.PublicKey{&appKey.PublicKey}, Apps: pkgs, SVN: 1, OSVersion: "test", BuildDate: 1})
	require.NoError(t, err)
	return img
}

const (
	hlCID   = "25025d2c-66da-4448-bae1-ac26fcdd3627"
	echoCID = "005180bc-402f-4cb3-a662-72937dbcde47"
	hlApp   = `{"SchemaVersion":1,"Name":"IntercoreHL","ComponentId":"25025d2c-66da-4448-bae1-ac26fcdd3627","EntryPoint":"/bin/app","CmdArgs":[],"Capabilities":{"AllowedApplicationConnections":["005180bc-402f-4cb3-a662-72937dbcde47"]},"ApplicationType":"Default"}`
)

// TestIntercoreNeedsBothManifests: the RT app's manifest does not list the
// HL app, so the kernel refuses its sends with EPERM (errno 63 in
// wasi-libc's numbering), though the HL manifest lists the RT app.
func TestIntercoreNeedsBothManifests(t *testing.T) {
	img := buildApps(t,
		appSpec{hlCID, hlApp, "intercore-hl"},
		appSpec{echoCID, `{"SchemaVersion":1,"Name":"rt-echo","ComponentId":"005180bc-402f-4cb3-a662-72937dbcde47","EntryPoint":"/bin/app","Capabilities":{},"ApplicationType":"RealTimeCapable"}`, "rt-echo"})
	res, rec := boot(t, img, 1500*sim.Millisecond)
	require.Empty(t, res.Panic)
	_, ok := rec.First("app.log", "line", "ERROR: Unable to send message: 63 (Operation not permitted)")
	require.True(t, ok, "EPERM expected")
	_, ok = rec.First("syscall.error", "call", "sock_send", "errno", "EPERM")
	require.True(t, ok)
}

// TestBothRealTimeCoresRun: two real-time apps run at once, one per core,
// each paired with the high-level app as the hardware allows.
func TestBothRealTimeCoresRun(t *testing.T) {
	img := buildApps(t,
		appSpec{hlCID, hlApp, "intercore-hl"},
		appSpec{echoCID, `{"SchemaVersion":1,"Name":"rt-echo","ComponentId":"005180bc-402f-4cb3-a662-72937dbcde47","EntryPoint":"/bin/app","Capabilities":{"AllowedApplicationConnections":["25025d2c-66da-4448-bae1-ac26fcdd3627"]},"ApplicationType":"RealTimeCapable"}`, "rt-echo"},
		appSpec{"70a4238b-74bd-4d6f-b656-96b6bbc52387", `{"SchemaVersion":1,"Name":"rt-hello","ComponentId":"70a4238b-74bd-4d6f-b656-96b6bbc52387","EntryPoint":"/bin/app","Capabilities":{},"ApplicationType":"RealTimeCapable"}`, "rt-hello"})
	res, rec := boot(t, img, 2500*sim.Millisecond)
	require.Empty(t, res.Panic)
	starts := rec.Named("rt.start")
	require.Len(t, starts, 2)
	require.ElementsMatch(t, []string{"rtcore0", "rtcore1"}, []string{starts[0].Dom, starts[1].Dom})
	_, ok := rec.First("app.log", "line", "Received 13 bytes: 'rt-echo: hl-1'.")
	require.True(t, ok, "intercore works with both cores busy")
	_, ok = rec.First("rt.uart", "core", "1", "line", "Hello from the RT core: tick 2")
	require.True(t, ok, "IO1 runs rt-hello")

	// A third real-time app finds no free core.
	img = buildApps(t,
		appSpec{hlCID, hlApp, "intercore-hl"},
		appSpec{echoCID, `{"SchemaVersion":1,"Name":"a","ComponentId":"005180bc-402f-4cb3-a662-72937dbcde47","EntryPoint":"/bin/app","Capabilities":{},"ApplicationType":"RealTimeCapable"}`, "rt-hello"},
		appSpec{"70a4238b-74bd-4d6f-b656-96b6bbc52387", `{"SchemaVersion":1,"Name":"b","ComponentId":"70a4238b-74bd-4d6f-b656-96b6bbc52387","EntryPoint":"/bin/app","Capabilities":{},"ApplicationType":"RealTimeCapable"}`, "rt-hello"},
		appSpec{"a48ecafc-c4f1-424b-a573-7d945e52a40d", `{"SchemaVersion":1,"Name":"c","ComponentId":"a48ecafc-c4f1-424b-a573-7d945e52a40d","EntryPoint":"/bin/app","Capabilities":{},"ApplicationType":"RealTimeCapable"}`, "rt-hello"})
	_, rec = boot(t, img, 500*sim.Millisecond)
	e, ok := rec.First("app.refused")
	require.True(t, ok)
	require.Contains(t, e.Str("reason"), "both real-time cores are in use")
}
