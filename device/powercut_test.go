package device_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// updateCase is an update and the measurements that tell its old and new
// images apart.
type updateCase struct {
	name     string
	update   kernel.Update
	stages   []string          // stages whose measurement must be all old or all new
	old, new map[string]string // stage → measurement
}

func powerCutCases(t *testing.T) []updateCase {
	appU, appNew := appUpdate(t)
	kern, rootfs := osPackages(t, readImage(t, "blink-svn2.bin"))
	oldKern, oldRootfs := osPackages(t, readImage(t, "blink.bin"))
	app := "app:" + blinkCID
	return []updateCase{
		{name: "app update", update: appU, stages: []string{app},
			old: map[string]string{app: digestHex(t, readImage(t, "blink.imagepackage"))}, new: map[string]string{app: appNew}},
		{name: "OS update",
			update: kernel.Update{Source: "test", Images: []kernel.UpdateImage{{Role: secmonmsg.RoleKernel, Package: kern}, {Role: secmonmsg.RoleRootFS, Package: rootfs}}},
			stages: []string{"kernel", "rootfs"},
			old:    map[string]string{"kernel": digestHex(t, oldKern), "rootfs": digestHex(t, oldRootfs)},
			new:    map[string]string{"kernel": digestHex(t, kern), "rootfs": digestHex(t, rootfs)}},
	}
}

const (
	updateAt = 2 * sim.Second // the update starts
	retryAt  = 6 * sim.Second // a second attempt, after any cut
	runUntil = 12 * sim.Second
)

// bootedBetween returns the measurement each stage verified last in the
// virtual-time window [from, to) (the boot after a cut, say).
func bootedBetween(rec *trace.Recorder, from, to int64, stages []string) map[string]string {
	out := map[string]string{}
	for _, e := range rec.Named("stage.verify") {
		if e.T >= from && e.T < to && e.Str("ok") == "true" && e.Str("copy") != "staged" {
			for _, s := range stages {
				if e.Str("stage") == s {
					out[s] = e.Str("measurement")
				}
			}
		}
	}
	return out
}

// which says whether got is entirely the old or entirely the new version.
func which(c updateCase, got map[string]string) string {
	isOld, isNew := true, true
	for _, s := range c.stages {
		isOld = isOld && got[s] == c.old[s]
		isNew = isNew && got[s] == c.new[s]
	}
	switch {
	case isNew:
		return "new"
	case isOld:
		return "old"
	}
	return "mix"
}

// countUpdateOps runs the update once without a cut and counts its flash
// operations.
func countUpdateOps(t *testing.T, c updateCase) uint64 {
	var start uint64
	dev, rec, res := runDevice(t, readImage(t, "blink.bin"), func(d *device.Device) {
		d.Sim().Schedule(updateAt, func() { start = d.Flash().Ops() })
		d.UpdateAt(updateAt, c.update)
	}, retryAt)
	require.False(t, res.Halted)
	_, ok := rec.First("update.installed")
	require.True(t, ok)
	require.Equal(t, "new", which(c, bootedBetween(rec, updateAt, runUntil, c.stages)))
	n := dev.Flash().Ops() - start
	require.NotZero(t, n)
	return n
}

// checkSurvives runs one device with the given cuts and reports what the
// device booted after the cut and after the retry.
func checkSurvives(t *testing.T, c updateCase, cuts func(d *device.Device)) (afterCut, final string, bricked bool) {
	_, rec, res := runDevice(t, readImage(t, "blink.bin"), func(d *device.Device) {
		d.Sim().Schedule(updateAt, func() { cuts(d) })
		d.UpdateAt(updateAt, c.update)
		d.UpdateAt(retryAt, c.update)
	}, runUntil)
	if res.Halted || res.Panic != "" {
		return "", "", true
	}
	resets := rec.Named("power.reset")
	from := updateAt
	if len(resets) > 0 {
		from = resets[0].T
	}
	afterCut = which(c, bootedBetween(rec, from, retryAt, c.stages))
	final = which(c, bootedBetween(rec, from, runUntil, c.stages))
	starts := rec.Named("app.start")
	bricked = len(starts) == 0 || starts[len(starts)-1].T < from
	return afterCut, final, bricked
}

// TestPowerCutAtEveryFlashOperationOfAnUpdate cuts the power at each flash
// operation of an app update and of an OS update in turn. After every cut
// the device must boot a verified image that is wholly old or wholly new,
// run its app, and finish the update when it is tried again.
func TestPowerCutAtEveryFlashOperationOfAnUpdate(t *testing.T) {
	for _, c := range powerCutCases(t) {
		t.Run(c.name, func(t *testing.T) {
			n := countUpdateOps(t, c)
			bricks, outcomes := 0, map[string]int{}
			for i := uint64(1); i <= n; i++ {
				afterCut, final, bricked := checkSurvives(t, c, func(d *device.Device) { d.CutPowerAtFlashOp(i, 10*sim.Millisecond) })
				if bricked {
					bricks++
					t.Errorf("cut at flash operation %d of %d bricked the device", i, n)
					continue
				}
				require.NotEqual(t, "mix", afterCut, "cut at operation %d: booted a mix of old and new images", i)
				require.Equal(t, "new", final, "cut at operation %d: the retried update did not complete", i)
				outcomes[afterCut]++
			}
			t.Logf("%s: %d flash operations, %d cut points tried, %d bricks; after the cut %d booted the old version, %d the new",
				c.name, n, n, bricks, outcomes["old"], outcomes["new"])
			require.Zero(t, bricks)
			require.NotZero(t, outcomes["old"], "some cuts must come before the switch")
		})
	}
}

// TestChainedPowerCutsDuringOneUpdate cuts the power several times, at
// random operations, during the first attempt and its retry.
func TestChainedPowerCutsDuringOneUpdate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, c := range powerCutCases(t) {
		n := countUpdateOps(t, c)
		for trial := 0; trial < 8; trial++ {
			first, second := 1+r.Uint64N(n), 1+r.Uint64N(n)
			afterCut, final, bricked := checkSurvives(t, c, func(d *device.Device) {
				d.CutPowerAtFlashOp(first, 10*sim.Millisecond)
				d.Sim().Schedule(retryAt, func() { d.CutPowerAtFlashOp(second, 10*sim.Millisecond) })
			})
			require.False(t, bricked, "%s: cuts at %d then %d", c.name, first, second)
			require.NotEqual(t, "mix", afterCut)
			require.NotEqual(t, "mix", final, "%s: cuts at %d then %d", c.name, first, second)
		}
	}
}

// TestFailingFlashRegionKeepsTheOldVersion makes every write to flash fail
// once the update starts (a worn or locked region): the update is refused
// and the device keeps running what it had.
func TestFailingFlashRegionKeepsTheOldVersion(t *testing.T) {
	for _, c := range powerCutCases(t) {
		_, rec, res := runDevice(t, readImage(t, "blink.bin"), func(d *device.Device) {
			d.Sim().Schedule(updateAt, func() {
				d.Flash().SetOpHook(func(op hw.FlashOp) hw.FlashOutcome {
					if op.Offset >= 0x20000 { // every block past the factory image
						return hw.FlashFail
					}
					return hw.FlashProceed
				})
			})
			d.UpdateAt(updateAt, c.update)
		}, retryAt)
		require.False(t, res.Halted, c.name)
		_, failed := rec.First("update.failed")
		require.True(t, failed, c.name)
		require.Equal(t, "old", which(c, bootedBetween(rec, 0, runUntil, c.stages)), c.name)
		require.Zero(t, res.Reboots, c.name)
	}
}
