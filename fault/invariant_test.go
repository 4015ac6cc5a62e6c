package fault_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/pluton"
	"github.com/sphere-emu/sphere-emu/secmon"
	"github.com/sphere-emu/sphere-emu/service"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// checked boots img with the checker attached, runs it until until, and
// returns the checker's violations and the trace.
func checked(t *testing.T, img []byte, until int64, mod ...func(*device.Config)) ([]fault.Violation, *trace.Recorder, *fault.Checker) {
	t.Helper()
	rec := &trace.Recorder{}
	cfg := device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}, RestartApps: true}
	for _, m := range mod {
		m(&cfg)
	}
	dev, err := device.New(cfg)
	require.NoError(t, err)
	c := fault.NewChecker(dev)
	res := dev.Run(until)
	require.Empty(t, res.Panic)
	vs := c.Finish()
	require.NoError(t, dev.Close())
	return vs, rec, c
}

func describe(vs []fault.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.String() + "\n")
	}
	return b.String()
}

// TestSampleRunsKeepEveryInvariant boots every sample image for a few
// virtual seconds: no run may report a violation.
func TestSampleRunsKeepEveryInvariant(t *testing.T) {
	imgs, err := filepath.Glob(filepath.Join("..", "testdata", "images", "*.bin"))
	require.NoError(t, err)
	require.NotEmpty(t, imgs)
	for _, path := range imgs {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			vs, rec, c := checked(t, readImage(t, name), 3*sim.Second)
			require.Empty(t, vs, describe(vs))
			require.Empty(t, rec.Named(fault.ViolationEvent))
			require.Equal(t, "no violation of the 6 security invariants", c.Summary())
		})
	}
}

// tamper inverts one byte in the middle of a partition of img.
func tamper(t *testing.T, img []byte, partition string) []byte {
	t.Helper()
	loc, err := image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	p, ok := image.FindPartition(loc, partition)
	require.True(t, ok, partition)
	c := bytes.Clone(img)
	c[p.Offset+p.Length/2] ^= 0xFF
	return c
}

// glitchEvery glitches every decision at point whose detail starts with
// prefix; glitchFirst only the first.
func glitchEvery(point glitch.Point, prefix string, e glitch.Effect) glitch.Injector {
	return func(p glitch.Point, detail string) glitch.Effect {
		if p == point && strings.HasPrefix(detail, prefix) {
			return e
		}
		return glitch.None
	}
}

func glitchFirst(point glitch.Point, prefix string, e glitch.Effect) glitch.Injector {
	done := false
	return func(p glitch.Point, detail string) glitch.Effect {
		if done || p != point || !strings.HasPrefix(detail, prefix) {
			return glitch.None
		}
		done = true
		return e
	}
}

// testOnly sets a test-only switch of a domain for one test.
func testOnly[T any](t *testing.T, v *T, val T) {
	old := *v
	*v = val
	t.Cleanup(func() { *v = old })
}

// cloudLink starts a security service with the blink images registered
// and returns a hook that connects a device to it and claims it.
func cloudLink(t *testing.T) func(*device.Config) func(*device.Device) {
	t.Helper()
	var dev *device.Device
	svc, err := service.New(service.Config{
		Now: func() time.Time {
			if dev == nil {
				return time.Unix(1767225600, 0).UTC()
			}
			return dev.WallTime()
		},
		Rand: rand.NewChaCha8([32]byte{1}),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc.Close() })
	tenant, err := svc.CreateTenant("Contoso")
	require.NoError(t, err)
	_, err = svc.AddImage(tenant.ID, readImage(t, "blink.imagepackage"))
	require.NoError(t, err)
	return func(cfg *device.Config) func(*device.Device) {
		cfg.Service = &kernel.ServiceLink{URL: "https://as3.sphere-emu.test", RootCAs: svc.ServiceCAPool(), Dial: svc.DialContext}
		return func(d *device.Device) {
			dev = d
			_, err := svc.ClaimDevice(tenant.ID, d.DeviceID(), "")
			require.NoError(t, err)
		}
	}
}

// TestEachInvariantCatchesItsBrokenCheck: for each invariant, a run with
// one check deliberately broken (a glitch where the glitch injector models
// the broken check, a TestOnly switch of a domain otherwise) is caught,
// and the same run with the check intact reports nothing.
func TestEachInvariantCatchesItsBrokenCheck(t *testing.T) {
	blink := readImage(t, "blink.bin")
	cutAfterSecondWrite := &fault.Plan{Faults: []fault.Fault{{
		Trigger: fault.Trigger{On: &fault.EventFilter{Event: "storage.write", Nth: 2}},
		Action:  fault.Action{Power: &fault.PowerAction{OffFor: fault.D(10 * sim.Millisecond)}},
	}}}
	mapCompartment := &fault.Plan{Faults: []fault.Fault{{
		Trigger: fault.Trigger{At: fault.D(2 * sim.Second)},
		Action:  fault.Action{Compromise: &fault.CompromiseAction{Domain: "kernel", Script: fault.ScriptMapCompartment}},
	}}}
	cases := []struct {
		name  string
		img   []byte
		until int64
		// setup breaks (or not) a check; it returns a config change and
		// what to do with the device before it runs.
		setup func(t *testing.T, cfg *device.Config) func(*device.Device)
		want  fault.Invariant // "" = no violation
		says  string          // in the violation's detail
	}{
		{name: "tampered kernel, intact signature check: halts, no violation", img: tamper(t, blink, "kernel"), until: sim.Second},
		{name: "tampered kernel, glitched signature check (invert)", img: tamper(t, blink, "kernel"), until: sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				cfg.Glitch = glitchFirst(glitch.PlutonSignature, "NormalWorldKernel", glitch.Invert)
				return nil
			}, want: fault.UnverifiedCode, says: "kernel ran (kernel.release) though its signature check failed"},
		{name: "older image, glitched anti-rollback check", img: blink, until: sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				cfg.StateDir = kernelCounterAt2(t)
				cfg.Glitch = glitchEvery(glitch.PlutonRollback, "", glitch.Skip)
				return nil
			}, want: fault.Rollback, says: "kernel ran (kernel.release) with SVN 1, below the anti-rollback counter NormalWorldKernel = 2"},
		{name: "older image, intact anti-rollback check: refused, no violation", img: blink, until: sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				cfg.StateDir = kernelCounterAt2(t)
				return nil
			}},
		{name: "Pluton leaks its identity key into a verdict reply", img: blink, until: sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				testOnly(t, &pluton.TestOnlyLeak, pluton.LeakInVerdict)
				return nil
			}, want: fault.SecretLeak, says: "of the identity key (as hex) appeared in mailbox pluton>"},
		{name: "Pluton leaks the fused secret into the trace", img: blink, until: sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				testOnly(t, &pluton.TestOnlyLeak, pluton.LeakInTrace)
				return nil
			}, want: fault.SecretLeak, says: "of the uds (as hex) appeared in the trace: dice.derive field debug"},
		{name: "real-time app, glitched firewall check", img: readImage(t, "rt-fault.bin"), until: 3 * sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				cfg.Glitch = glitchFirst(glitch.RTFirewall, "read 0x38070000", glitch.Skip)
				return nil
			}, want: fault.CrossCompartment, says: "a glitch let it through"},
		{name: "hostile kernel remaps a running core's peripherals, intact Security Monitor: refused, no violation", img: readImage(t, "rt-gpio-adc.bin"), until: 3 * sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				cfg.Faults = mapCompartment
				return nil
			}},
		{name: "hostile kernel remaps a running core's peripherals, Security Monitor releases them", img: readImage(t, "rt-gpio-adc.bin"), until: 3 * sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				testOnly(t, &secmon.TestOnlyReleaseRunningCores, true)
				cfg.Faults = mapCompartment
				return nil
			}, want: fault.CrossCompartment, says: "still in its running core's firewall"},
		{name: "hostile kernel maps a running core's peripheral, glitched compartment check", img: readImage(t, "rt-gpio-adc.bin"), until: 3 * sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				cfg.Faults = mapCompartment
				cfg.Glitch = glitchFirst(glitch.SecmonPeripheral, "GPIO 8 for kernel", glitch.Skip)
				return nil
			}, want: fault.CrossCompartment, says: "is mapped to kernel while rtcore0 owns it"},
		{name: "power cut after an acknowledged write, kernel persists first: no violation", img: readImage(t, "storage-counter.bin"), until: 3 * sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				cfg.Faults = cutAfterSecondWrite
				return clickButtonA(sim.Second, 1500*sim.Millisecond, 2*sim.Second)
			}},
		{name: "power cut after an acknowledged write, kernel acknowledges before persisting", img: readImage(t, "storage-counter.bin"), until: 3 * sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				testOnly(t, &kernel.TestOnlyAckStorageBeforePersist, true)
				cfg.Faults = cutAfterSecondWrite
				return clickButtonA(sim.Second, 1500*sim.Millisecond, 2*sim.Second)
			}, want: fault.LostWrite, says: "not the last acknowledged write"},
		{name: "attested to a service, Pluton measures everything: no violation", img: blink, until: 3 * sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				return cloudLink(t)(cfg)
			}},
		{name: "attested to a service, Pluton's token leaves the kernel out", img: blink, until: 3 * sim.Second,
			setup: func(t *testing.T, cfg *device.Config) func(*device.Device) {
				testOnly(t, &pluton.TestOnlyAttestOmitsKernel, true)
				return cloudLink(t)(cfg)
			}, want: fault.AttestationMismatch, says: "it leaves out kernel"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &trace.Recorder{}
			cfg := device.Config{Image: tc.img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec}}
			var before func(*device.Device)
			if tc.setup != nil {
				before = tc.setup(t, &cfg)
			}
			dev, err := device.New(cfg)
			require.NoError(t, err)
			c := fault.NewChecker(dev)
			if before != nil {
				before(dev)
			}
			res := dev.Run(tc.until)
			require.Empty(t, res.Panic)
			vs := c.Finish()
			require.NoError(t, dev.Close())
			if tc.want == "" {
				require.Empty(t, vs, describe(vs))
				return
			}
			require.NotEmpty(t, vs, "the broken check went unnoticed")
			var got []fault.Violation
			for _, v := range vs {
				if v.Invariant == tc.want {
					got = append(got, v)
				}
			}
			require.NotEmpty(t, got, describe(vs))
			require.Contains(t, got[0].Detail, tc.says, describe(vs))
			require.NotEmpty(t, got[0].Evidence)
			evs := rec.Named(fault.ViolationEvent)
			require.Len(t, evs, len(vs), "one fault.violation event each")
			require.Equal(t, string(vs[0].Invariant), evs[0].Str("invariant"))
			require.Contains(t, c.Summary(), string(tc.want))
			t.Log(describe(vs))
		})
	}
}

// kernelCounterAt2 returns a state directory of the device with its
// NormalWorldKernel anti-rollback fuse burnt to 2 (as a kernel of SVN 2
// would), so that the SVN-1 kernel of blink.bin is a downgrade.
func kernelCounterAt2(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dev, err := device.New(device.Config{Image: readImage(t, "blink.bin"), Seed: 1, DeviceSeed: 1, Cache: cache, StateDir: dir})
	require.NoError(t, err)
	require.NoError(t, dev.Close())
	path := filepath.Join(dir, "fuses.json")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var fuses map[string]any
	require.NoError(t, json.Unmarshal(b, &fuses))
	fuses["anti_rollback"] = map[string]any{strconv.Itoa(int(image.ImageTypeNormalWorldKernel)): 2}
	b, err = json.Marshal(fuses)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return dir
}

// clickButtonA presses button A for 100 ms at each time.
func clickButtonA(times ...int64) func(*device.Device) {
	return func(d *device.Device) {
		for _, at := range times {
			d.Sim().Schedule(at, func() { _ = d.GPIO().Drive(hw.ButtonA, 0) })
			d.Sim().Schedule(at+100*sim.Millisecond, func() { _ = d.GPIO().Drive(hw.ButtonA, 1) })
		}
	}
}
