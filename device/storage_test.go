package device_test

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

const counterCID = "ec30fa51-8d24-4562-b688-7180c5fc6fc4" // storage-counter

// clickA presses button A for 100 ms at each time.
func clickA(d *device.Device, times ...int64) {
	for _, at := range times {
		d.Sim().Schedule(at, func() { _ = d.GPIO().Drive(hw.ButtonA, 0) })
		d.Sim().Schedule(at+100*sim.Millisecond, func() { _ = d.GPIO().Drive(hw.ButtonA, 1) })
	}
}

func counterRead(t *testing.T, rec *trace.Recorder) []string {
	t.Helper()
	var out []string
	for _, e := range rec.Named("app.log") {
		out = append(out, e.Str("line"))
	}
	return out
}

// TestMutableStorageLivesInFlash: storage-counter's counter is a record in
// the MutableStorage partition — it survives a power cut, and with a
// state directory (flash.json) a restart of the emulator; a new device
// flashed with the image starts from an empty partition.
func TestMutableStorageLivesInFlash(t *testing.T) {
	img := readImage(t, "storage-counter.bin")
	dir := t.TempDir()
	boot := func(setup func(*device.Device), until int64) (*device.Device, *trace.Recorder) {
		rec := &trace.Recorder{}
		d, err := device.New(device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, StateDir: dir, Sinks: []trace.Sink{rec}, RestartApps: true})
		require.NoError(t, err)
		if setup != nil {
			setup(d)
		}
		res := d.Run(until)
		require.Empty(t, res.Panic)
		return d, rec
	}

	d, rec := boot(func(d *device.Device) {
		clickA(d, sim.Second, 1500*sim.Millisecond, 2*sim.Second)
		d.Sim().Schedule(2500*sim.Millisecond, func() { d.CutPower(10 * sim.Millisecond) })
	}, 4*sim.Second)
	require.Len(t, rec.Named("storage.write"), 3)
	require.Len(t, rec.Named("storage.commit"), 3, "each acknowledged write was committed by the Security Monitor")
	require.Contains(t, counterRead(t, rec), "Read value 3 from mutable storage.", "after the power cut")
	files, err := d.MutableStorage()
	require.NoError(t, err)
	require.Equal(t, map[string][]byte{counterCID: binary.LittleEndian.AppendUint32(nil, 3)}, files)
	b, found := d.MutableStorageForChecker("EC30FA51-8D24-4562-B688-7180C5FC6FC4")
	require.True(t, found, "component IDs in either case")
	require.Equal(t, binary.LittleEndian.AppendUint32(nil, 3), b)
	require.NoError(t, d.Close())

	d, rec = boot(nil, sim.Second)
	require.Contains(t, counterRead(t, rec), "Read value 3 from mutable storage.", "a restart of the emulator with the state directory")
	require.NoError(t, d.Close())

	_, rec, _ = runDevice(t, img, nil, sim.Second)
	require.Contains(t, counterRead(t, rec), "Read value 0 from mutable storage.", "a new device")
}

// TestStorageWithoutAPartition: on a flash layout without a MutableStorage
// partition the storage calls fail with EIO and say why; nothing crashes.
func TestStorageWithoutAPartition(t *testing.T) {
	img := readImage(t, "storage-counter.bin")
	loc, err := image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	var kept []image.Partition
	for _, p := range loc.Partitions {
		if p.Type != image.PartitionTypeMutableStorage {
			kept = append(kept, p)
		}
	}
	require.Len(t, kept, len(loc.Partitions)-1)
	loc.Partitions = kept
	table, err := loc.Marshal()
	require.NoError(t, err)
	old := append([]byte(nil), img...)
	for _, off := range []int{image.LocatorOffset, image.LocatorBackupOffset} {
		copy(old[off:off+image.EraseBlockSize], append(table, make([]byte, image.EraseBlockSize-len(table))...))
		for i := off + len(table); i < off+image.EraseBlockSize; i++ {
			old[i] = 0xFF
		}
	}
	d, rec, res := runDevice(t, old, nil, 2*sim.Second)
	require.Empty(t, res.Panic)
	e, ok := rec.First("storage.error", "errno", "EIO")
	require.True(t, ok, "the kernel's")
	require.Contains(t, e.Str("error"), "the flash image has no MutableStorage partition")
	e, ok = rec.First("storage.error", "cid", counterCID)
	require.True(t, ok, "the Security Monitor's")
	require.Contains(t, e.Str("reason"), "the flash image has no MutableStorage partition")
	s, ok := rec.First("syscall.error", "call", "Storage_OpenMutableFile")
	require.True(t, ok, "%v", rec.Named("syscall.error"))
	require.Equal(t, "EIO", s.Str("errno"))
	_, err = d.MutableStorage()
	require.ErrorContains(t, err, "no MutableStorage partition")
	_, found := d.MutableStorageForChecker(counterCID)
	require.False(t, found)
}
