package device_test

import (
	"bytes"
	"crypto/ecdsa"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

const blinkCID = "da24e045-eb65-4f85-9654-8f843d5735a2"

// cache is shared by the tests so each app compiles once.
var cache = wazero.NewCompilationCache()

func readImage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "images", name))
	require.NoError(t, err)
	return b
}

// boot runs an image for d of virtual time and returns the result and trace.
func boot(t testing.TB, img []byte, d int64, mod ...func(*device.Config)) (device.Result, *trace.Recorder) {
	t.Helper()
	rec := &trace.Recorder{}
	cfg := device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}}
	for _, m := range mod {
		m(&cfg)
	}
	dev, err := device.New(cfg)
	require.NoError(t, err)
	res := dev.Run(d)
	require.NoError(t, dev.Close())
	return res, rec
}

func stagesVerified(rec *trace.Recorder) []string {
	var out []string
	for _, e := range rec.Named("stage.verify") {
		if e.Str("ok") == "true" {
			out = append(out, e.Str("stage"))
		}
	}
	return out
}

func TestBlinkBootsThroughTheChainOfTrust(t *testing.T) {
	res, rec := boot(t, sphereemu.SampleImage, 3500*sim.Millisecond)
	require.False(t, res.Halted, res.HaltReason)
	require.True(t, res.AppStarted)
	require.Equal(t, "until", res.Stop)

	require.Equal(t, []string{"keystore", "1bl", "pluton-runtime", "secmon", "kernel", "rootfs", "app:" + blinkCID}, stagesVerified(rec))
	for _, e := range rec.Named("stage.verify") {
		require.Len(t, e.Str("measurement"), 64, "measurement is a hex SHA-256")
	}
	start, ok := rec.First("app.start", "cid", blinkCID)
	require.True(t, ok)
	verifyApp, _ := rec.First("stage.verify", "stage", "app:"+blinkCID)
	require.Greater(t, start.T, verifyApp.T, "the app starts only after Pluton verified it")

	// The LED toggles once per virtual second: low at start, then high, low, high.
	var levels []string
	var times []int64
	for _, e := range rec.Named("gpio.set") {
		require.Equal(t, "8", e.Str("gpio"))
		levels = append(levels, e.Str("value"))
		times = append(times, e.T)
	}
	require.Equal(t, []string{"1", "0", "1", "0", "1"}, levels, "initial high (off), then on/off/on/off")
	for i := 2; i < len(times); i++ {
		period := times[i] - times[i-1]
		require.GreaterOrEqual(t, period, sim.Second)
		require.Less(t, period, sim.Second+100*sim.Microsecond, "one second of sleep plus two syscalls")
	}

	var lines []string
	for _, e := range rec.Named("app.log") {
		lines = append(lines, e.Str("line"))
	}
	require.Equal(t, []string{"Starting blink sample", "LED1 red on", "LED1 red off", "LED1 red on", "LED1 red off"}, lines)
}

func TestSameSeedGivesByteIdenticalTrace(t *testing.T) {
	run := func(seed uint64) []byte {
		var buf bytes.Buffer
		jl := trace.NewJSONL(&buf)
		boot(t, sphereemu.SampleImage, 2*sim.Second, func(c *device.Config) {
			c.Seed = seed
			c.Sinks = []trace.Sink{jl}
		})
		require.NoError(t, jl.Flush())
		return buf.Bytes()
	}
	a, b := run(7), run(7)
	require.NotEmpty(t, a)
	require.True(t, bytes.Equal(a, b), "two runs with seed 7 differ")
	require.Contains(t, string(a), `"ev":"mbox.send"`)
}

// flip returns a copy of img with the byte at the middle of partition name
// inverted, and the partition.
func flip(t *testing.T, img []byte, name string) []byte {
	t.Helper()
	loc, err := image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	p, ok := image.FindPartition(loc, name)
	require.True(t, ok, name)
	off := p.Offset + p.Length/2
	if strings.HasPrefix(name, "locator") {
		off = p.Offset + 20 // inside the first entry: the rest of the block is unused padding
	}
	c := bytes.Clone(img)
	c[off] ^= 0xFF
	return c
}

// TestTamperedPartitions flips a byte inside every signed partition of the
// sample and checks the device refuses it at the right stage, or recovers
// from the backup copy where the real device has one.
func TestTamperedPartitions(t *testing.T) {
	img := readImage(t, "blink.bin")
	loc, err := image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	want := map[string]struct {
		haltAt   string // "" = boots
		fallback string // stage recovered from its backup
		appRuns  bool
	}{
		"locator":               {appRuns: true},
		"locator-backup":        {appRuns: true},
		"keystore":              {haltAt: "keystore"},
		"1bl":                   {fallback: "1bl", appRuns: true},
		"1bl-backup":            {appRuns: true},
		"pluton-runtime":        {fallback: "pluton-runtime", appRuns: true},
		"pluton-runtime-backup": {appRuns: true},
		"secmon":                {fallback: "secmon", appRuns: true},
		"secmon-backup":         {appRuns: true},
		"kernel":                {haltAt: "kernel"},
		"rootfs":                {haltAt: "rootfs"},
		"app0":                  {},
	}
	names := image.PartitionNames(loc)
	tested := 0
	for i, name := range names {
		if loc.Partitions[i].Length == 0 {
			continue // erased partitions are not in the image file
		}
		w, ok := want[name]
		require.True(t, ok, "no expectation for partition %s", name)
		tested++
		t.Run(name, func(t *testing.T) {
			res, rec := boot(t, flip(t, img, name), 1500*sim.Millisecond)
			if w.haltAt != "" {
				require.True(t, res.Halted, "device booted with a corrupt %s", name)
				require.Equal(t, w.haltAt, res.HaltStage)
				h, ok := rec.First("boot.halt", "stage", w.haltAt)
				require.True(t, ok)
				require.NotEmpty(t, h.Str("reason"))
				require.False(t, res.AppStarted)
				return
			}
			require.False(t, res.Halted, res.HaltReason)
			require.Equal(t, w.appRuns, res.AppStarted)
			if w.fallback != "" {
				_, rejected := rec.First("stage.verify", "stage", w.fallback, "copy", "primary", "ok", "false")
				require.True(t, rejected, "primary %s not rejected", w.fallback)
				_, ok := rec.First("stage.verify", "stage", w.fallback, "copy", "backup", "ok", "true")
				require.True(t, ok, "backup %s not used", w.fallback)
			}
			if name == "locator" {
				_, ok := rec.First("locator.fallback")
				require.True(t, ok)
			}
			if name == "app0" {
				e, ok := rec.First("app.refused")
				require.True(t, ok)
				require.Contains(t, e.Str("reason"), "not trusted")
				require.Empty(t, rec.Named("app.start"))
			}
		})
	}
	require.Equal(t, len(want), tested)
}

func TestBothCopiesCorruptHalts(t *testing.T) {
	img := flip(t, flip(t, readImage(t, "blink.bin"), "secmon"), "secmon-backup")
	res, rec := boot(t, img, sim.Second)
	require.True(t, res.Halted)
	require.Equal(t, "secmon", res.HaltStage)
	require.Contains(t, res.HaltReason, "primary:")
	require.Contains(t, res.HaltReason, "backup:")
	require.Empty(t, rec.Named("secmon.start"), "no Security Monitor code may run")
}

func TestUnsignedPaddingIsHarmless(t *testing.T) {
	img := readImage(t, "blink.bin")
	loc, err := image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	p, ok := image.FindPartition(loc, "kernel")
	require.True(t, ok)
	require.Greater(t, p.Size, p.Length)
	c := bytes.Clone(img)
	c[p.Offset+p.Length] ^= 0xFF // first byte after the package: not signed, not read
	res, _ := boot(t, c, sim.Second)
	require.False(t, res.Halted, res.HaltReason)
	require.True(t, res.AppStarted)
}

func TestAntiRollback(t *testing.T) {
	state := t.TempDir()
	res, rec := boot(t, readImage(t, "blink-svn2.bin"), sim.Second, func(c *device.Config) { c.StateDir = state })
	require.True(t, res.AppStarted)
	_, burnt := rec.First("fuse.burn", "counter", "SecurityMonitor", "value", "2")
	require.True(t, burnt)

	res, rec = boot(t, readImage(t, "blink.bin"), sim.Second, func(c *device.Config) { c.StateDir = state })
	require.True(t, res.Halted, "an older image booted after the fuses were burnt")
	require.Equal(t, "keystore", res.HaltStage)
	require.Contains(t, res.HaltReason, "below the anti-rollback counter 2")
	require.False(t, res.AppStarted)

	// A fresh device (no state) still boots the old image.
	res, _ = boot(t, readImage(t, "blink.bin"), sim.Second)
	require.True(t, res.AppStarted)
}

func TestAppExitStopsTheRun(t *testing.T) {
	res, rec := boot(t, readImage(t, "exit-code.bin"), 10*sim.Second)
	require.Equal(t, "app-exit", res.Stop)
	require.True(t, res.AppExited)
	require.EqualValues(t, 7, res.ExitCode)
	require.Less(t, res.Time, sim.Second)
	e, ok := rec.First("app.exit")
	require.True(t, ok)
	require.Equal(t, "7", e.Str("code"))
}

func TestCapabilitiesAreEnforced(t *testing.T) {
	res, rec := boot(t, readImage(t, "gpio-denied.bin"), 10*sim.Second)
	require.True(t, res.AppExited)
	var lines []string
	for _, e := range rec.Named("app.log") {
		lines = append(lines, e.Str("line"))
	}
	require.EqualValues(t, 0, res.ExitCode, "app checks failed: %s", strings.Join(lines, " | "))
	_, denied := rec.First("syscall.error", "call", "GPIO_OpenAsOutput", "errno", "EACCES")
	require.True(t, denied)
	_, badf := rec.First("syscall.error", "call", "GPIO_SetValue", "errno", "EBADF")
	require.True(t, badf)
	for _, e := range rec.Named("gpio.set") {
		require.Equal(t, "8", e.Str("gpio"), "GPIO 9 must never be driven")
	}
}

func TestForeignRootKeyRefusesEverything(t *testing.T) {
	var other [32]byte
	other[0] = 1
	res, _ := boot(t, sphereemu.SampleImage, sim.Second, func(c *device.Config) { c.RootKeyHash = &other })
	require.True(t, res.Halted)
	require.Equal(t, "keystore", res.HaltStage)
	require.Contains(t, res.HaltReason, "fused root key hash")
}

func TestRunawayAppIsKilledAndTheDeviceSurvives(t *testing.T) {
	res, rec := boot(t, readImage(t, "spin.bin"), 10*sim.Second, func(c *device.Config) { c.RunawayLimit = 200 * sim.Millisecond })
	require.True(t, res.AppExited)
	require.EqualValues(t, 9, res.Signal, "killed")
	e, ok := rec.First("app.crash")
	require.True(t, ok)
	require.Contains(t, e.Str("detail"), "runaway")
}

func TestCrashingAppIsReportedWithASignal(t *testing.T) {
	res, rec := boot(t, readImage(t, "crash.bin"), 10*sim.Second)
	require.True(t, res.AppExited)
	require.EqualValues(t, 11, res.Signal, "SIGSEGV")
	e, ok := rec.First("app.exit")
	require.True(t, ok)
	require.Contains(t, e.Str("detail"), "out of bounds memory access")
	var lines []string
	for _, l := range rec.Named("app.log") {
		lines = append(lines, l.Str("line"))
	}
	require.Equal(t, []string{"about to crash"}, lines)
}

// TestCorruptedSyscallIsRefusedCleanly corrupts the app's first
// GPIO_SetValue message in flight: the kernel refuses it with an error
// reply, the app sees EIO and exits as it was written to, nothing panics,
// and GPIO 8 is never driven by the corrupted call.
func TestCorruptedSyscallIsRefusedCleanly(t *testing.T) {
	rec := &trace.Recorder{}
	d, err := device.New(device.Config{Image: sphereemu.SampleImage, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}})
	require.NoError(t, err)
	defer d.Close()
	corrupted := 0
	d.Bus().SetTap(func(from, to mailbox.Addr, b []byte) ([]byte, bool) {
		m, err := mailbox.Unmarshal(b)
		if err == nil && from == mailbox.Appcore && m.Kind == kernelmsg.KindGPIOSetValue {
			c := bytes.Clone(b)
			c[mailbox.HeaderSize] = 0xEE // the argument count
			corrupted++
			return c, false
		}
		return b, false
	})
	res := d.Run(3500 * sim.Millisecond)
	require.Empty(t, res.Panic)
	require.Equal(t, 1, corrupted)
	rej, ok := rec.First("request.reject", "from", "appcore")
	require.True(t, ok)
	require.Contains(t, rej.Str("reason"), "GPIO_SetValue: syscall arguments: 238 integers exceed 16")
	_, ok = rec.First("app.log", "line", "ERROR: Could not set LED GPIO: I/O error (29).")
	require.True(t, ok, "the app sees EIO")
	require.True(t, res.AppExited)
	require.EqualValues(t, 2, res.ExitCode)
	require.Len(t, rec.Named("gpio.set"), 1, "only GPIO_OpenAsOutput's initial level")
}

// FuzzMailboxCorruption boots the sample while XORing one byte of one
// message in flight (any message, any byte). Whatever is hit, no domain may
// panic, and the app may run only if every stage it depends on verified.
func FuzzMailboxCorruption(f *testing.F) {
	f.Add(uint16(0), uint16(0), byte(1))
	f.Add(uint16(3), uint16(40), byte(0x80))
	f.Add(uint16(9), uint16(12), byte(0xff))
	f.Add(uint16(14), uint16(200), byte(4))
	f.Fuzz(func(t *testing.T, index, offset uint16, xor byte) {
		rec := &trace.Recorder{}
		d, err := device.New(device.Config{Image: sphereemu.SampleImage, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec},
			RunawayLimit: 100 * sim.Millisecond}) // a corrupted module may spin
		require.NoError(t, err)
		defer d.Close()
		n := 0
		d.Bus().SetTap(func(from, to mailbox.Addr, b []byte) ([]byte, bool) {
			defer func() { n++ }()
			if n != int(index) || len(b) == 0 {
				return b, false
			}
			c := bytes.Clone(b)
			c[int(offset)%len(c)] ^= xor
			return c, false
		})
		res := d.Run(1500 * sim.Millisecond)
		require.Empty(t, res.Panic)
		if res.AppStarted {
			for _, st := range []string{"keystore", "1bl", "pluton-runtime", "secmon", "kernel", "rootfs", "app:" + blinkCID} {
				_, ok := rec.First("stage.verify", "stage", st, "ok", "true")
				require.True(t, ok, "app ran without a verified %s", st)
			}
		}
	})
}

// buildImage packs wasm with a manifest, signed by the test app key, into a
// flash image signed by the test platform key.
func buildImage(t *testing.T, wasm []byte, manifestJSON string) []byte {
	t.Helper()
	return buildImageTB(t, wasm, manifestJSON)
}

func buildImageTB(t testing.TB, wasm []byte, manifestJSON string) []byte {
	t.Helper()
	appKey := testKey(t, "app-signing")
	platKey := testKey(t, "platform-root")
	cid, err := image.ParseGUID(blinkCID)
	require.NoError(t, err)
	pkg, err := image.BuildApp(image.AppOptions{ComponentID: cid, Name: "Blink", Key: appKey, BuildDate: 1,
		Files: []image.File{{Path: "app_manifest.json", Mode: 0o644, Data: []byte(manifestJSON)}, {Path: "bin/app", Mode: 0o755, Data: wasm}}})
	require.NoError(t, err)
	img, err := image.BuildFlash(image.BuildOptions{PlatformKey: platKey, AppKeys: []*ecdsa.PublicKey{&appKey.PublicKey}, Apps: [][]byte{pkg}, SVN: 1, OSVersion: "test", BuildDate: 1})
	require.NoError(t, err)
	return img
}

const blinkManifest = `{"SchemaVersion":1,"Name":"Blink","ComponentId":"da24e045-eb65-4f85-9654-8f843d5735a2","EntryPoint":"/bin/app","CmdArgs":[],"Capabilities":{"Gpio":[8]},"ApplicationType":"Default"}`

// TestMalformedModulesAreRefusedNotFatal boots signed packages whose WASM is
// broken in different ways, including one that makes wazero v1.12.0's
// validator panic: each is reported as app.load-failed, never as a crash of
// the emulator.
func TestMalformedModulesAreRefusedNotFatal(t *testing.T) {
	blink, err := os.ReadFile("../testdata/apps/blink/app.wasm")
	require.NoError(t, err)
	// A one-byte corruption of an earlier blink.wasm, found by
	// FuzzMailboxCorruption, that makes wazero v1.12.0's validator panic.
	panics, err := os.ReadFile("testdata/wazero-validator-panic.wasm")
	require.NoError(t, err)
	cases := map[string]struct {
		wasm []byte
		want string
	}{
		// The fuel pass reads the module first and names the problem.
		"empty":            {nil, "meter fuel: header section, offset 0x0: unexpected end"},
		"not wasm":         {[]byte("#!/bin/sh\necho hi\n"), "not a WebAssembly module (bad magic)"},
		"truncated":        {blink[:len(blink)/2], "unexpected end of code"},
		"validator panics": {panics, "type index 84 out of range"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			res, rec := boot(t, buildImage(t, c.wasm, blinkManifest), sim.Second)
			require.Empty(t, res.Panic)
			require.True(t, res.AppExited)
			require.False(t, res.AppStarted)
			e, ok := rec.First("app.load-failed")
			require.True(t, ok)
			require.Contains(t, e.Str("step")+" "+e.Str("error"), c.want)
		})
	}
}

// TestConflictingPeripheralClaimsAreRefused: a package whose manifest asks
// for two functions on the same pins is refused by the application manager
// with the real error code and text (pack-app would refuse to build it, so
// the test packs it by hand, as an attacker would).
func TestConflictingPeripheralClaimsAreRefused(t *testing.T) {
	blink, err := os.ReadFile("../testdata/apps/blink/app.wasm")
	require.NoError(t, err)
	img := buildImage(t, blink, `{"SchemaVersion":1,"Name":"Blink","ComponentId":"da24e045-eb65-4f85-9654-8f843d5735a2","EntryPoint":"/bin/app","CmdArgs":[],"Capabilities":{"Gpio":[8],"Pwm":["PWM-CONTROLLER-2"]},"ApplicationType":"Default"}`)
	res, rec := boot(t, img, sim.Second)
	require.False(t, res.AppStarted)
	e, ok := rec.First("app.refused")
	require.True(t, ok)
	require.Equal(t, "2097187", e.Str("code"), "RequestedPeripheralsRequireSamePin")
	require.Contains(t, e.Str("reason"), "PWM-CONTROLLER-2 uses GPIO8")
}

// FuzzSyscalls replaces one syscall of the applibs tour in flight with an
// arbitrary kind and payload, as a hostile app core (or a corrupted
// mailbox) could send. The kernel must answer or refuse it and go on; no
// domain may panic.
func FuzzSyscalls(f *testing.F) {
	f.Add(uint8(3), uint16(0x44), []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(uint8(10), uint16(0x10C), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(40), uint16(0x102), []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 'a', 'b', 'c', 'd'})
	f.Add(uint8(7), uint16(0x60), []byte{})
	tour := readImage(f, "applibs-tour.bin")
	f.Fuzz(func(t *testing.T, index uint8, kind uint16, payload []byte) {
		d, err := device.New(device.Config{Image: tour, Seed: 1, Cache: cache, RunawayLimit: 200 * sim.Millisecond})
		require.NoError(t, err)
		defer d.Close()
		d.Bus().SetTap(rewriteNthSyscall(index, func(m *mailbox.Message) {
			m.Kind = mailbox.Kind(kind &^ uint16(mailbox.ReplyFlag))
			m.Payload = payload
		}))
		res := d.Run(2 * sim.Second)
		require.Empty(t, res.Panic)
	})
}

// rewriteNthSyscall is a bus tap that lets rewrite change the index-th
// message from the app core to the kernel (1-based) in flight, as a
// hostile or corrupted app would send it.
func rewriteNthSyscall(index uint8, rewrite func(m *mailbox.Message)) mailbox.Tap {
	n := 0
	return func(from, to mailbox.Addr, b []byte) ([]byte, bool) {
		if from != mailbox.Appcore || to != mailbox.Kernel {
			return b, false
		}
		n++
		if n != int(index) {
			return b, false
		}
		m, err := mailbox.Unmarshal(b)
		if err != nil {
			return b, false
		}
		rewrite(&m)
		return m.Marshal(), false
	}
}

// testKey reads a private key of testdata/keys (e.g. "app-signing").
func testKey(t testing.TB, name string) *ecdsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile("../testdata/keys/" + name + ".key.pem")
	require.NoError(t, err)
	k, err := image.ParsePrivateKeyPEM(b)
	require.NoError(t, err)
	return k
}
