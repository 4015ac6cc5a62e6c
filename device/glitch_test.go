package device_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/service/api"
	"github.com/sphere-emu/sphere-emu/sim"
)

// glitchOnce glitches the first decision at point whose detail starts with
// prefix.
func glitchOnce(point glitch.Point, prefix string, e glitch.Effect) glitch.Injector {
	done := false
	return func(p glitch.Point, detail string) glitch.Effect {
		if done || p != point || !strings.HasPrefix(detail, prefix) {
			return glitch.None
		}
		done = true
		return e
	}
}

// TestGlitchedSignatureCheckIsCaughtByAttestation: a voltage glitch makes
// Pluton accept a tampered kernel. The device boots it — a glitch defeats
// secure boot on the chip, as on real silicon — but the tampered kernel's
// measurement goes into the attestation, and the security service refuses
// the device: no certificates, no updates, no cloud.
func TestGlitchedSignatureCheckIsCaughtByAttestation(t *testing.T) {
	tampered := flip(t, readImage(t, "blink.bin"), "kernel")
	cases := []struct {
		name   string
		effect glitch.Effect
	}{{"inverted", glitch.Invert}, {"skipped", glitch.Skip}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCloud(t)
			c.addImages(t, "blink.imagepackage")
			dev, rec := c.boot(t, tampered, true, 3*sim.Second, func(cfg *device.Config) {
				cfg.Glitch = glitchOnce(glitch.PlutonSignature, "NormalWorldKernel", tc.effect)
			})
			e, ok := rec.First("glitch.apply")
			require.True(t, ok)
			require.Equal(t, "false", e.Str("found_ok"), "the check found the tampering")
			require.Equal(t, "true", e.Str("acted_ok"), "the glitch made Pluton accept it")
			_, ok = rec.First("kernel.start")
			require.True(t, ok, "the tampered kernel runs")
			require.Equal(t, api.ReasonUnknownSoftware, refusal(rec), "the attestation gives it away")
			log, err := c.svc.DeviceAttestations(dev.DeviceID())
			require.NoError(t, err)
			require.Contains(t, log[len(log)-1].Detail, "NormalWorldKernel")
		})
	}
}

// TestGlitchOnAPassingCheckHaltsTheBoot: inverting a check that passed makes
// the device refuse a good image — a denial of service, not a breach.
func TestGlitchOnAPassingCheckHaltsTheBoot(t *testing.T) {
	res, rec := boot(t, readImage(t, "blink.bin"), sim.Second, func(cfg *device.Config) {
		cfg.Glitch = glitchOnce(glitch.PlutonSignature, "NormalWorldKernel", glitch.Invert)
	})
	require.True(t, res.Halted)
	require.Equal(t, "kernel", res.HaltStage)
	require.Contains(t, res.HaltReason, "glitched")
	e, ok := rec.First("glitch.apply")
	require.True(t, ok)
	require.Equal(t, "false", e.Str("acted_ok"))
}

// TestGlitchedFirewallLetsAnAccessThrough: a glitch on a real-time core's
// firewall check lets one access to another compartment through — the
// breach the invariant checker (issue 7) must report; the trace shows it.
func TestGlitchedFirewallLetsAnAccessThrough(t *testing.T) {
	_, rec := boot(t, readImage(t, "rt-fault.bin"), 3*sim.Second, func(cfg *device.Config) {
		cfg.RestartApps = true
		cfg.Glitch = glitchOnce(glitch.RTFirewall, "read 0x38070000", glitch.Skip)
	})
	e, ok := rec.First("glitch.apply")
	require.True(t, ok)
	require.Equal(t, "false", e.Str("found_ok"))
	require.Equal(t, "true", e.Str("acted_ok"))
	var lines []string
	for _, u := range rec.Named("rt.uart") {
		lines = append(lines, u.Str("line"))
	}
	require.Contains(t, strings.Join(lines, "\n"), "rt-fault: ERROR: no bus fault at 0x38070000", "the app read another compartment's register")
	f, ok := rec.First("rt.fault")
	require.True(t, ok, "the next, unglitched, check still faults")
	require.Contains(t, f.Str("addr"), "0x50000000")
}
