package campaign_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/fault/campaign"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// traceRun runs one case as a campaign does — the faulted run with the
// invariant checker, then a clean power-on of the flash and fuses it left —
// and returns both traces as JSON lines.
func traceRun(t *testing.T, cfg campaign.Config, plan *fault.Plan, shared *device.Shared) (faulted, again []byte) {
	t.Helper()
	run := func(plan *fault.Plan, from *device.Snapshot) ([]byte, *device.Snapshot) {
		var buf bytes.Buffer
		sink := trace.NewJSONL(&buf)
		dev, err := device.New(device.Config{Image: cfg.Image, Seed: cfg.Seed, DeviceSeed: 1, RestartApps: true,
			Faults: plan, From: from, Shared: shared, Sinks: []trace.Sink{sink}})
		require.NoError(t, err)
		ch := fault.NewChecker(dev)
		if cfg.Update != nil && from == nil {
			dev.UpdateAt(cfg.UpdateAt, *cfg.Update)
		}
		dev.Run(cfg.Duration)
		ch.Finish()
		snap := dev.Snapshot()
		require.NoError(t, dev.Close())
		require.NoError(t, sink.Flush())
		return buf.Bytes(), snap
	}
	faulted, snap := run(plan, nil)
	again, _ = run(nil, snap)
	return faulted, again
}

// TestSharedStateIsInvisible: a device that shares state with others
// (device.Shared: warm app runtimes, memoized instrumentation, compiled
// modules and signature arithmetic), used by two goroutines at once after
// other runs warmed it, traces every case of every sweep byte for byte as
// a fresh device that shares nothing.
func TestSharedStateIsInvisible(t *testing.T) {
	blink, intercore := readImage(t, "blink.bin"), readImage(t, "intercore.bin")
	rtFault, rtRunaway := readImage(t, "rt-fault.bin"), readImage(t, "rt-runaway.bin")
	sweeps := []campaign.Config{
		{Image: blink, Sweep: campaign.SweepPowerCut, Duration: 6 * sim.Second, Update: appV2(t), UpdateAt: 2 * sim.Second, Sample: 5},
		{Image: blink, Sweep: campaign.SweepGlitch, Duration: 2 * sim.Second, Sample: 6},
		{Image: blink, Sweep: campaign.SweepMessage, Duration: 2 * sim.Second, Sample: 8},
		{Image: blink, Sweep: campaign.SweepBitFlip, Duration: 1 * sim.Second, BitFlip: campaign.Region{Partition: "kernel"}, Sample: 3},
		{Image: blink, Sweep: campaign.SweepBitFlip, Duration: 2 * sim.Second, BitFlip: campaign.Region{Partition: "app0"}, Sample: 6},
		// A high-level and a real-time app talking over the intercore mailbox.
		{Image: intercore, Sweep: campaign.SweepMessage, Duration: 2 * sim.Second, Sample: 8},
		{Image: intercore, Sweep: campaign.SweepGlitch, Duration: 2 * sim.Second, Sample: 4},
		// Real-time apps that fault, and that run away until the watchdog
		// resets their core.
		{Image: rtFault, Sweep: campaign.SweepGlitch, Duration: 3 * sim.Second, Sample: 6},
		{Image: rtRunaway, Sweep: campaign.SweepMessage, Duration: 3 * sim.Second, Sample: 6},
	}
	shared := device.NewShared(nil)
	defer shared.Close()
	for _, cfg := range sweeps {
		cfg.Seed, cfg.Jobs = 1, 2
		r, err := campaign.Run(context.Background(), cfg)
		require.NoError(t, err)
		require.NotEmpty(t, r.Results)
		type traces struct{ faulted, again []byte }
		got := make([]traces, len(r.Results))
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(r.Results); i += 2 {
					got[i].faulted, got[i].again = traceRun(t, cfg, r.Results[i].Plan, shared)
				}
			}()
		}
		wg.Wait()
		for i, res := range r.Results {
			faulted, again := traceRun(t, cfg, res.Plan, nil)
			require.Equal(t, string(faulted), string(got[i].faulted), "%s case %d (%s): faulted run", cfg.Sweep, res.Index, res.What)
			require.Equal(t, string(again), string(got[i].again), "%s case %d (%s): the next power-on", cfg.Sweep, res.Index, res.What)
		}
	}
}
