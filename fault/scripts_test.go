package fault_test

import (
	"crypto/ecdsa"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// TestCompromiseScriptsAreRefused plays each named compromise script of the
// issue's list against a sample image, with the invariant checker watching:
// every move is refused by the Security Monitor, Pluton or the kernel (the
// refusal named below), nothing breaks an invariant, and the rest of the
// device runs on.
func TestCompromiseScriptsAreRefused(t *testing.T) {
	cases := []struct {
		img, domain, script string
		// refusals: (dom, event, a field value) that must appear at least min times.
		refusals []refusal
		// alive: an event after the attack that shows the victims still run.
		alive refusal
	}{
		{img: "rt-gpio-adc.bin", domain: "kernel", script: fault.ScriptMapCompartment,
			refusals: []refusal{
				{"secmon", "request.reject", "kind", "secmon.PeripheralRelease", "stays mapped to rtcore0 while it runs", 3},
				{"secmon", "request.reject", "kind", "secmon.PeripheralAcquire", "already in use by another application", 3},
				{"secmon", "request.reject", "kind", "secmon.StartRtCore", "is not mapped to rtcore1", 3},
			},
			alive: refusal{dom: "hw", ev: "adc.sample"}},
		{img: "intercore.bin", domain: "kernel", script: fault.ScriptStartUnsignedRT,
			refusals: []refusal{
				{"secmon", "update.refused", "image", "Applications", "is not in the trusted keystore", 1},
				{"secmon", "update.refused", "image", "Applications", "bad signature", 1},
				{"secmon", "request.reject", "kind", "secmon.UpdateInstall", "nothing is staged", 2},
				{"secmon", "request.reject", "kind", "secmon.StartRtCore", "no application image with component ID", 1},
			},
			alive: refusal{dom: "kernel", ev: "intercore.recv"}},
		{img: "dev", domain: "kernel", script: fault.ScriptSideloadNoCapability,
			refusals: []refusal{
				{"secmon", "update.refused", "image", "Applications", "appDevelopment", 1},
				{"secmon", "request.reject", "kind", "secmon.UpdateInstall", "nothing is staged", 1},
			},
			alive: refusal{dom: "appcore", ev: "app.log"}},
		{img: "rt-irq-snoop.bin", domain: "rtcore0", script: fault.ScriptForgeIntercore,
			refusals: []refusal{
				{"kernel", "intercore.drop", "", "", "", 1},
				{"kernel", "intercore.corrupt", "", "", "block size 65535", 1},
				{"kernel", "intercore.corrupt", "", "", "outside the 4032-byte ring", 1},
				{"secmon", "request.reject", "kind", "secmon.RTStopped", "reports", 1},
			},
			alive: refusal{dom: "hw", ev: "rt.uart", key: "core", val: "1"}},
	}
	for _, c := range cases {
		t.Run(c.script, func(t *testing.T) {
			img := devImage(t)
			if c.img != "dev" {
				img = readImage(t, c.img)
			}
			p := plan(at(int64(2*sim.Second), fault.Action{Compromise: &fault.CompromiseAction{Domain: c.domain, Script: c.script}}))
			var ch *fault.Checker
			res, rec, trace1 := run(t, img, p, 4*sim.Second, func(d *device.Device) { ch = fault.NewChecker(d) })
			require.Empty(t, ch.Finish(), ch.Summary())
			require.False(t, res.Halted)
			in := injects(rec)
			require.Len(t, in, 1)
			require.Equal(t, c.script, in[0].Str("script"))
			require.Empty(t, in[0].Str("error"))
			_, errs := rec.First("fault.error")
			require.False(t, errs, "every step reached its target")
			for _, r := range c.refusals {
				require.GreaterOrEqual(t, r.count(rec), r.min, "%s %s %s=%s %q", r.dom, r.ev, r.key, r.val, r.says)
			}
			require.Zero(t, refusal{dom: "rtcore1", ev: "rt.stop"}.countAfter(rec, 2*sim.Second), "the other core's app runs on")
			require.NotZero(t, c.alive.countAfter(rec, 2*sim.Second+500*sim.Millisecond), "%s %s after the attack", c.alive.dom, c.alive.ev)
			_, _, trace2 := run(t, img, p, 4*sim.Second)
			require.Equal(t, trace1, trace2, "a compromise replays bit for bit")
		})
	}
	_, err := fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"compromise":{"domain":"kernel","script":"forge-intercore"}}}]}`))
	require.ErrorContains(t, err, "played by a real-time core")
}

// refusal is a trace event that counts as a refusal of a hostile move.
type refusal struct {
	dom, ev, key, val, says string
	min                     int
}

func (r refusal) count(rec *trace.Recorder) int { return r.countAfter(rec, -1) }

func (r refusal) countAfter(rec *trace.Recorder, t int64) int {
	n := 0
	for _, e := range rec.Named(r.ev) {
		if e.T <= t || e.Dom != r.dom || (r.key != "" && e.Str(r.key) != r.val) {
			continue
		}
		text := e.Str("reason") + e.Str("error")
		if strings.Contains(text, r.says) {
			n++
		}
	}
	return n
}

// devImage is blink built to trust the SDK test key (as `image build
// --trust-test` does): test-signed packages run on it only with the
// appDevelopment capability.
func devImage(t *testing.T) []byte {
	t.Helper()
	keys := filepath.Join("..", "testdata", "keys")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(keys, name))
		require.NoError(t, err)
		return b
	}
	pk, err := image.ParsePrivateKeyPEM(read("platform-root.key.pem"))
	require.NoError(t, err)
	app, err := image.ParsePublicKeyPEM(read("app-signing.pub.pem"))
	require.NoError(t, err)
	test, err := image.ParsePublicKeyPEM(read("sdk-test.pub.pem"))
	require.NoError(t, err)
	img, err := image.BuildFlash(image.BuildOptions{PlatformKey: pk, AppKeys: []*ecdsa.PublicKey{app}, TestAppKeys: []*ecdsa.PublicKey{test},
		Apps: [][]byte{readImage(t, "blink.imagepackage")}, SVN: 1, OSVersion: "26.11", BuildDate: 1767225600})
	require.NoError(t, err)
	return img
}
