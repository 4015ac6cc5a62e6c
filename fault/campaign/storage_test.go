package campaign_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault/campaign"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/scenario"
	"github.com/sphere-emu/sphere-emu/secmon"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

const (
	counterCID = "ec30fa51-8d24-4562-b688-7180c5fc6fc4" // storage-counter
	coldCID    = "0badc0de-0000-4000-8000-000000000001" // another app's file, written once
)

// coldFile is the other app's 60 KiB file: it spans 16 blocks, so moving
// it out of the oldest block is a long run of programs and opens.
var coldFile = bytes.Repeat([]byte("cold file of another app "), 60<<10/25)

// wellUsedStorageImage returns storage-counter.bin with its MutableStorage
// partition as years of use would leave it: the other app's cold file
// first, then counter values 1..n written by storage-counter, so that the
// log is a few writes short of reclaiming its oldest block, which holds
// the start of the cold file.
func wellUsedStorageImage(t *testing.T, n int) (img []byte, part image.Partition, free int) {
	t.Helper()
	base := readImage(t, "storage-counter.bin")
	loc, err := image.ParseLocator(base[:image.EraseBlockSize])
	require.NoError(t, err)
	part, ok := image.FindPartition(loc, "mutable-storage")
	require.True(t, ok)
	f, err := hw.NewFlash(image.DefaultFlashSize, base)
	require.NoError(t, err)
	writes := []secmon.MutableStorageWrite{{ComponentID: coldCID, Data: coldFile}}
	for i := 1; i <= n; i++ {
		writes = append(writes, secmon.MutableStorageWrite{ComponentID: counterCID, Data: binary.LittleEndian.AppendUint32(nil, uint32(i))})
	}
	free, err = secmon.WriteMutableStorage(f, part, writes)
	require.NoError(t, err)
	img, err = f.Read(0, part.Offset+part.Size)
	require.NoError(t, err)
	return img, part, free
}

// counterScenario clicks button A every 800 ms from 1 s (each click
// rewrites the counter; a click during a long reclaim would be missed),
// button B once (a deletion), then A again.
func counterScenario(t *testing.T, clicks int) *scenario.Scenario {
	t.Helper()
	const every = 800
	sc, err := scenario.Parse([]byte(fmt.Sprintf(`{"duration": "%dms", "inputs": [
		{"at": "1s", "button": "A", "repeat": {"every": "%dms", "count": %d}},
		{"at": "%dms", "button": "B"},
		{"at": "%dms", "button": "A"}]}`, 1000+every*(clicks+2), every, clicks, 1000+every*clicks, 1000+every*(clicks+1))))
	require.NoError(t, err)
	return sc
}

// storageWatch is a campaign watcher of what the invariant checker does
// not see. At each power cut and reset, and at the end: the other app's
// file — which no request of the run touched, but which reclaims moved —
// must be whole; and storage-counter's file must be absent or a counter
// value the app wrote or was writing (first..last, or 1 after the
// deletion), never a mix of two records.
func storageWatch(first, last uint32) func(d *device.Device) func() []string {
	return func(d *device.Device) func() []string {
		var problems []string
		check := func(when string) {
			files, err := d.MutableStorage()
			if err != nil {
				problems = append(problems, when+": "+err.Error())
				return
			}
			if !bytes.Equal(files[coldCID], coldFile) {
				problems = append(problems, fmt.Sprintf("%s: the cold file has %d bytes, want the %d written before the run", when, len(files[coldCID]), len(coldFile)))
			}
			if b, found := files[counterCID]; found {
				v := uint32(0)
				if len(b) == 4 {
					v = binary.LittleEndian.Uint32(b)
				}
				if len(b) != 4 || (v != 1 && (v < first || v > last)) {
					problems = append(problems, fmt.Sprintf("%s: the counter file holds %x, a value the app never wrote", when, b))
				}
			}
		}
		d.Tracer().AddSink(trace.SinkFunc(func(e *trace.Event) {
			if e.Ev == "power.cut" || e.Ev == "power.reset" {
				check(fmt.Sprintf("%s at %s", e.Ev, sim.FormatTime(e.T)))
			}
		}))
		return func() []string {
			check("the end")
			return problems
		}
	}
}

// TestPowerCutSweepOverMutableStorageWrites is issue 7's demand: an
// exhaustive power-cut sweep over an app's mutable-storage writes loses no
// acknowledged write. storage-counter rewrites its file at each click, on a
// partition so used that the clicks make the Security Monitor reclaim its
// oldest blocks (moving another app's 60 KiB file). A power cut at every
// flash operation of that run, with the invariant checker on (lost-write
// compares each read-back with the last acknowledged write) and both files
// watched for mixes: no security violation, no bricked device.
func TestPowerCutSweepOverMutableStorageWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("a few hundred device runs")
	}
	const clicks, prefilled = 5, 3050
	img, part, free := wellUsedStorageImage(t, prefilled)
	sc := counterScenario(t, clicks)
	watch := storageWatch(prefilled, prefilled+clicks)

	// The golden run reclaims, moving the cold file.
	rec := &trace.Recorder{}
	dev, err := device.New(device.Config{Image: img, Seed: 1, DeviceSeed: 1, Sinks: []trace.Sink{rec}, RestartApps: true})
	require.NoError(t, err)
	golden := watch(dev)
	require.NoError(t, sc.Apply(dev.Sim().Schedule, dev.Board()))
	res := dev.Run(sc.Duration)
	require.Empty(t, res.Panic)
	require.Len(t, rec.Named("storage.write"), clicks+1)
	require.Len(t, rec.Named("storage.delete"), 1)
	reclaims := rec.Named("storage.reclaim")
	require.NotEmpty(t, reclaims, "the clicks must make the store reclaim (%d blocks free before)", free)
	moved := 0
	for _, e := range reclaims {
		if e.Str("moved") != "0" {
			moved++
		}
	}
	require.Positive(t, moved, "a reclaim moved the cold file")
	require.Empty(t, golden())
	require.NoError(t, dev.Close())

	r, err := campaign.Run(context.Background(), campaign.Config{Image: img, Seed: 1, Jobs: 2, Duration: sc.Duration,
		Sweep: campaign.SweepPowerCut, Check: true, Scenario: sc, Watch: watch})
	require.NoError(t, err)
	inStorage := r.CutsByPartition["mutable-storage"]
	t.Logf("partition %#x+%d: %d blocks free before the run, %d reclaims (%d moving records) in the golden run",
		part.Offset, part.Size, free, len(reclaims), moved)
	t.Logf("%d cut points (%v by partition): %v, %.0f runs/s", r.Cases, r.CutsByPartition, r.Counts, r.RunsPerSec)
	for _, res := range r.Results {
		if res.Outcome == campaign.SecurityViolation || res.Outcome == campaign.Bricked || res.Outcome == campaign.EmulatorError {
			t.Errorf("case %d (%s): %s: %s %v", res.Index, res.What, res.Outcome, res.Detail, res.Violations)
		}
		if res.Index%8 == 0 {
			t.Logf("case %d (%s): %s: %s", res.Index, res.What, res.Outcome, res.Detail)
		}
	}
	require.EqualValues(t, r.Golden.FlashOps, r.Cases, "a cut at every flash operation")
	// 7 record writes, and a reclaim moving the cold file: 16 blocks
	// opened and programmed, 16 erased.
	require.GreaterOrEqual(t, inStorage, 50, "cuts in the MutableStorage partition")
	require.Equal(t, r.Cases, inStorage, "the run writes no other partition")
	require.Zero(t, r.Counts[campaign.SecurityViolation])
	require.Zero(t, r.Counts[campaign.Bricked])
	require.Zero(t, r.Counts[campaign.EmulatorError])
}

// TestPowerCutSweepCatchesAnEarlyAcknowledgement: the same sweep over a
// kernel that acknowledges a write before it is saved
// (kernel.TestOnlyAckStorageBeforePersist) finds lost writes: the sweep and
// its checker can fail.
func TestPowerCutSweepCatchesAnEarlyAcknowledgement(t *testing.T) {
	if testing.Short() {
		t.Skip("a few dozen device runs")
	}
	kernel.TestOnlyAckStorageBeforePersist = true
	t.Cleanup(func() { kernel.TestOnlyAckStorageBeforePersist = false })
	img, _, _ := wellUsedStorageImage(t, 3050)
	sc := counterScenario(t, 5)
	r, err := campaign.Run(context.Background(), campaign.Config{Image: img, Seed: 1, Jobs: 2, Duration: sc.Duration,
		Sweep: campaign.SweepPowerCut, Check: true, Scenario: sc})
	require.NoError(t, err)
	t.Logf("%v", r.Counts)
	require.Positive(t, r.Counts[campaign.SecurityViolation])
	for _, res := range r.Results {
		if res.Outcome == campaign.SecurityViolation {
			require.Contains(t, res.Detail, "lost-write")
			require.Contains(t, res.Detail, "not the last acknowledged write")
		}
	}
}
