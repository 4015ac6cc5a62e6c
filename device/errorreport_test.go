package device_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// bootKeep runs an image and returns the device, still open, so a test can
// read its flash.
func bootKeep(t *testing.T, img []byte, d int64, mod ...func(*device.Config)) (*device.Device, device.Result) {
	t.Helper()
	cfg := device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{&trace.Recorder{}}}
	for _, m := range mod {
		m(&cfg)
	}
	dev, err := device.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Close() })
	return dev, dev.Run(d)
}

func descriptions(t *testing.T, dev *device.Device) []string {
	t.Helper()
	recs, err := dev.ErrorRecords()
	require.NoError(t, err)
	var out []string
	for _, r := range recs {
		out = append(out, r.EventType+"/"+r.EventClass+": "+r.Description)
	}
	return out
}

func TestErrorRecordsAreKept(t *testing.T) {
	restart := func(c *device.Config) { c.RestartApps = true }
	cases := []struct {
		name  string
		image string
		run   int64
		mod   func(*device.Config)
		want  []string // prefixes of the records, in order (at least these, first ones)
	}{
		{"app exit", "exit-code.bin", 10 * sim.Second, nil,
			[]string{"Unplanned/Application: AppExit (exit_code=7; component_id="}},
		{"app crash", "crash.bin", 10 * sim.Second, nil,
			[]string{"Unplanned/Application: AppCrash (exit_status=11; signal_status=11; signal_code=1; component_id="}},
		{"runaway app killed", "spin.bin", 10 * sim.Second, func(c *device.Config) { c.RunawayLimit = 200 * sim.Millisecond },
			[]string{"Unplanned/Application: AppCrash (exit_status=9; signal_status=9; signal_code=128; component_id="}},
		{"capability denied", "gpio-denied.bin", 10 * sim.Second, nil,
			[]string{"Unplanned/Application: SecurityEvent (check=capability; component_id=", "Unplanned/Application: AppExit (exit_code=0"}},
		{"rt firewall fault", "rt-fault.bin", 5 * sim.Second, restart,
			[]string{"Unplanned/Application: SecurityEvent (check=compartment; core=rtcore"}},
		{"rt watchdog reset", "rt-runaway.bin", 5 * sim.Second, restart,
			[]string{"Unplanned/OS: WatchdogReset (core=rtcore"}},
		{"reboot survives the reboot", "reboot-once.bin", 10 * sim.Second, restart,
			[]string{"Planned/OS: Reboot (reason=PowerManagement_ForceSystemReboot)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mods []func(*device.Config)
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			dev, _ := bootKeep(t, readImage(t, tc.image), tc.run, mods...)
			got := descriptions(t, dev)
			require.GreaterOrEqual(t, len(got), len(tc.want), "records: %q", got)
			for i, w := range tc.want {
				require.True(t, strings.HasPrefix(got[i], w), "record %d is %q, want prefix %q (all: %q)", i, got[i], w, got)
			}
		})
	}
}

func TestCapabilityDenialIsRecordedOncePerBoot(t *testing.T) {
	dev, _ := bootKeep(t, readImage(t, "gpio-denied.bin"), 10*sim.Second)
	n := 0
	for _, d := range descriptions(t, dev) {
		if strings.Contains(d, "check=capability") {
			n++
		}
	}
	require.Equal(t, 1, n)
}

func TestFailedVerificationsAreRecorded(t *testing.T) {
	img := readImage(t, "blink.bin")
	cases := []struct{ partition, want string }{
		{"kernel", "Unplanned/OS: SecurityEvent (check=os-verify; stage=kernel; reason="},
		{"app0", "Unplanned/OS: SecurityEvent (check=app-verify; stage=app:"},
	}
	for _, tc := range cases {
		t.Run(tc.partition, func(t *testing.T) {
			dev, _ := bootKeep(t, flip(t, img, tc.partition), 2*sim.Second)
			got := descriptions(t, dev)
			require.Len(t, got, 1)
			require.True(t, strings.HasPrefix(got[0], tc.want), "%q", got)
		})
	}
}

func TestErrorRecordsSurviveAnEmulatorRestartWithState(t *testing.T) {
	dir := t.TempDir()
	img := readImage(t, "exit-code.bin")
	state := func(c *device.Config) { c.StateDir = dir }
	first, _ := bootKeep(t, img, 10*sim.Second, state)
	require.Len(t, descriptions(t, first), 1)
	require.NoError(t, first.Close())

	second, _ := bootKeep(t, img, 10*sim.Second, state)
	got := descriptions(t, second)
	require.Len(t, got, 2, "the first run's record is still in flash: %q", got)
	recs, err := second.ErrorRecords()
	require.NoError(t, err)
	require.Equal(t, recs[0].Seq+1, recs[1].Seq, "numbering continues")
	require.NoError(t, second.Close())

	// Booting another image with the same state is a re-flash.
	third, _ := bootKeep(t, readImage(t, "crash.bin"), 10*sim.Second, state)
	require.Len(t, descriptions(t, third), 1)
}

// TestRecordNumbersFitTheService: the service keeps record numbers as
// signed 64-bit integers; whatever the seed, a device's stay below 2^63.
func TestRecordNumbersFitTheService(t *testing.T) {
	for seed := uint64(1); seed <= 16; seed++ {
		dev, _ := bootKeep(t, readImage(t, "exit-code.bin"), 10*sim.Second, func(c *device.Config) { c.Seed = seed })
		recs, err := dev.ErrorRecords()
		require.NoError(t, err)
		require.Len(t, recs, 1)
		require.Less(t, recs[0].Seq, uint64(1)<<63, "seed %d", seed)
	}
}
