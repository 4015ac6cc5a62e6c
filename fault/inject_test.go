package fault_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

var cache = wazero.NewCompilationCache()

func readImage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "images", name))
	require.NoError(t, err)
	return b
}

// run boots img with plan (and setup, before the run) and returns the
// result, the recorded trace and the trace as JSON lines.
func run(t testing.TB, img []byte, plan *fault.Plan, until int64, setup ...func(*device.Device)) (device.Result, *trace.Recorder, []byte) {
	t.Helper()
	rec := &trace.Recorder{}
	var buf bytes.Buffer
	jl := trace.NewJSONL(&buf)
	dev, err := device.New(device.Config{Image: img, Seed: 1, DeviceSeed: 1, Cache: cache, Sinks: []trace.Sink{rec, jl}, RestartApps: true, Faults: plan})
	require.NoError(t, err)
	for _, s := range setup {
		s(dev)
	}
	res := dev.Run(until)
	require.NoError(t, dev.Close())
	require.NoError(t, jl.Flush())
	require.Empty(t, res.Panic, "a fault must never panic a domain")
	return res, rec, buf.Bytes()
}

func at(ns int64, a fault.Action) fault.Fault {
	return fault.Fault{Trigger: fault.Trigger{At: fault.D(ns)}, Action: a}
}

func plan(fs ...fault.Fault) *fault.Plan { return &fault.Plan{Faults: fs} }

var netDown = fault.Action{Peripheral: &fault.PeripheralAction{Network: fault.NetDown}}

func injects(rec *trace.Recorder) []trace.Event { return rec.Named("fault.inject") }

func TestTriggers(t *testing.T) {
	blink := readImage(t, "blink.bin")
	for _, c := range []struct {
		name    string
		trigger fault.Trigger
		// when returns the time the fault must fire at, from the trace.
		when func(t *testing.T, rec *trace.Recorder) int64
	}{
		{"at", fault.Trigger{At: fault.D(1500 * sim.Millisecond)}, func(*testing.T, *trace.Recorder) int64 { return 1500 * sim.Millisecond }},
		{"on 2nd stage.verify by pluton", fault.Trigger{On: &fault.EventFilter{Event: "stage.verify", Dom: "pluton", Nth: 2}},
			func(t *testing.T, rec *trace.Recorder) int64 { return rec.Named("stage.verify")[1].T }},
		{"on stage.verify of the kernel", fault.Trigger{On: &fault.EventFilter{Event: "stage.verify", Fields: map[string]string{"stage": "kernel", "ok": "true"}}},
			func(t *testing.T, rec *trace.Recorder) int64 {
				e, ok := rec.First("stage.verify", "stage", "kernel")
				require.True(t, ok)
				return e.T
			}},
		{"on 3rd message from kernel to secmon", fault.Trigger{On: &fault.EventFilter{Event: "mbox.send", Fields: map[string]string{"from": "kernel", "to": "secmon"}, Nth: 3}},
			func(t *testing.T, rec *trace.Recorder) int64 {
				var sends []trace.Event
				for _, e := range rec.Named("mbox.send") {
					if e.Str("from") == "kernel" && e.Str("to") == "secmon" {
						sends = append(sends, e)
					}
				}
				require.GreaterOrEqual(t, len(sends), 3)
				return sends[2].T
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, rec, _ := run(t, blink, plan(fault.Fault{Trigger: c.trigger, Action: netDown}), 3*sim.Second)
			in := injects(rec)
			require.Len(t, in, 1)
			require.Equal(t, c.when(t, rec), in[0].T)
			require.Equal(t, "net.down", in[0].Str("action"))
			down, ok := rec.First("net.link", "up", "false")
			require.True(t, ok)
			require.Equal(t, in[0].T, down.T)
		})
	}
}

func TestProbabilityTriggerIsSeeded(t *testing.T) {
	blink := readImage(t, "blink.bin")
	p := plan(fault.Fault{Trigger: fault.Trigger{On: &fault.EventFilter{Event: "mbox.send"}, Probability: 0.05}, Action: netDown})
	_, rec, a := run(t, blink, p, 3*sim.Second)
	_, _, b := run(t, blink, p, 3*sim.Second)
	require.Equal(t, a, b, "the same seed and plan give the same trace")
	in := injects(rec)
	require.Len(t, in, 1, "fires once")
	require.Contains(t, in[0].Str("trigger"), "with probability 0.05")
	// It fired at some send, not necessarily the first.
	first, _ := rec.First("mbox.send")
	require.GreaterOrEqual(t, in[0].T, first.T)
}

func TestKernelBitFlipBeforeBootHalts(t *testing.T) {
	p := plan(at(0, fault.Action{Flash: &fault.FlashAction{Flip: &fault.BitFlip{Partition: "kernel", Offset: 0x40, Bit: fault.Int(2)}}}))
	res, rec, _ := run(t, readImage(t, "blink.bin"), p, 3*sim.Second)
	in := injects(rec)
	require.Len(t, in, 1)
	require.Equal(t, int64(0), in[0].T)
	require.Equal(t, "flash.flip", in[0].Str("action"))
	off, _ := in[0].Get("offset")
	require.Equal(t, uint64(0x9040), off, "the kernel partition starts at 0x9000")
	require.True(t, res.Halted, "a damaged kernel must not boot")
	e, ok := rec.First("stage.verify", "stage", "kernel")
	require.True(t, ok)
	require.Equal(t, "false", e.Str("ok"), "caught by Pluton's verification of the kernel")
	require.False(t, res.AppStarted)
}

func TestBitFlipModes(t *testing.T) {
	img := readImage(t, "blink.bin")
	// An erased byte of the update-staging partition reads 0xFF.
	for _, c := range []struct {
		mode          string
		before, after uint64
	}{{fault.ModeToggle, 0xFF, 0xF7}, {fault.ModeSet0, 0xFF, 0xF7}, {fault.ModeSet1, 0xFF, 0xFF}} {
		p := plan(at(0, fault.Action{Flash: &fault.FlashAction{Flip: &fault.BitFlip{Partition: "update-staging", Offset: 7, Bit: fault.Int(3), Mode: c.mode}}}))
		_, rec, _ := run(t, img, p, 100*sim.Millisecond)
		e := injects(rec)[0]
		b, _ := e.Get("before")
		a, _ := e.Get("after")
		require.Equal(t, c.before, b, c.mode)
		require.Equal(t, c.after, a, c.mode)
	}
	// A stuck cell (permanent) keeps its value through the erase a power
	// cycle's later writes would do; validation wants set0 or set1.
	p := plan(at(0, fault.Action{Flash: &fault.FlashAction{Flip: &fault.BitFlip{Partition: "update-staging", Offset: 7, Bit: fault.Int(3), Mode: fault.ModeSet0, Permanent: true}}}))
	var dev *device.Device
	_, rec, _ := run(t, img, p, 100*sim.Millisecond, func(d *device.Device) { dev = d })
	require.Equal(t, "true", injects(rec)[0].Str("permanent"))
	off := injects(rec)[0].Str("offset")
	var abs uint32
	_, err := fmt.Sscan(off, &abs)
	require.NoError(t, err)
	require.NoError(t, dev.Flash().Erase(abs))
	b, err := dev.Flash().Read(abs, 1)
	require.NoError(t, err)
	require.Equal(t, byte(0xF7), b[0], "stuck at 0 after an erase")
	_, err = fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"flash":{"flip":{"offset":1,"permanent":true}}}}]}`))
	require.ErrorContains(t, err, "needs mode set0 or set1")
}

func TestUnknownPartitionIsRefused(t *testing.T) {
	_, err := device.New(device.Config{Image: readImage(t, "blink.bin"), Cache: cache,
		Faults: plan(at(0, fault.Action{Flash: &fault.FlashAction{Flip: &fault.BitFlip{Partition: "bootsector", Offset: 1}}}))})
	require.ErrorContains(t, err, `faults[0].action.flash.flip.partition: "bootsector" is not a partition of this image`)
}

// TestMessageFaultsNeverPanic drops, duplicates, delays, truncates and
// flips messages between every pair of domains the boot uses: the
// receivers must cope (run fails the test on Result.Panic).
func TestMessageFaultsNeverPanic(t *testing.T) {
	blink := readImage(t, "blink.bin")
	ops := []fault.MessageAction{
		{Op: fault.MsgDrop}, {Op: fault.MsgDuplicate}, {Op: fault.MsgDelay, Delay: fault.D(5 * sim.Millisecond)},
		{Op: fault.MsgTruncate}, {Op: fault.MsgTruncate, Length: fault.Int(5)}, {Op: fault.MsgFlip}, {Op: fault.MsgFlip, Offset: fault.Int(1), Bit: fault.Int(0)}, {Op: fault.MsgReorder},
	}
	links := [][2]string{{"pluton", "secmon"}, {"secmon", "pluton"}, {"secmon", "kernel"}, {"kernel", "secmon"}, {"kernel", "pluton"}, {"kernel", "appcore"}, {"appcore", "kernel"}}
	for _, op := range ops {
		for _, l := range links {
			for _, nth := range []int{1, 3} {
				m := op
				m.From, m.To = l[0], l[1]
				p := plan(fault.Fault{Trigger: fault.Trigger{On: &fault.EventFilter{Event: "mbox.send", Fields: map[string]string{"from": l[0], "to": l[1]}, Nth: nth}},
					Action: fault.Action{Message: &m}})
				name := op.Op + " " + l[0] + ">" + l[1]
				_, rec, _ := run(t, blink, p, 2*sim.Second)
				// The trigger arms on the nth send; the message hit is the next one, if any.
				for _, e := range injects(rec) {
					require.Equal(t, "message."+op.Op, e.Str("action"), name)
					require.Equal(t, l[0], e.Str("from"), name)
				}
			}
		}
	}
}

func TestMessageActions(t *testing.T) {
	blink := readImage(t, "blink.bin")
	arm := func(m fault.MessageAction) *fault.Plan {
		m.From, m.To, m.Kind = "kernel", "secmon", "secmon.ReadApplicationImage"
		return plan(at(0, fault.Action{Message: &m}))
	}
	t.Run("drop", func(t *testing.T) {
		_, rec, _ := run(t, blink, arm(fault.MessageAction{Op: fault.MsgDrop}), 3*sim.Second)
		require.Len(t, injects(rec), 1)
		_, ok := rec.First("mbox.drop")
		require.True(t, ok)
		_, ok = rec.First("mbox.send", "kind", "secmon.ReadApplicationImage.reply")
		require.False(t, ok, "secmon never saw the request")
	})
	t.Run("duplicate", func(t *testing.T) {
		_, rec, _ := run(t, blink, arm(fault.MessageAction{Op: fault.MsgDuplicate}), 3*sim.Second)
		var replies int
		for _, e := range rec.Named("mbox.send") {
			if e.Str("kind") == "secmon.ReadApplicationImage.reply" {
				replies++
			}
		}
		require.Equal(t, 2, replies, "secmon answered the request twice")
	})
	t.Run("delay", func(t *testing.T) {
		_, base, _ := run(t, blink, nil, 3*sim.Second)
		_, rec, _ := run(t, blink, arm(fault.MessageAction{Op: fault.MsgDelay, Delay: fault.D(7 * sim.Millisecond)}), 3*sim.Second)
		b, _ := base.First("mbox.send", "kind", "secmon.ReadApplicationImage.reply")
		r, _ := rec.First("mbox.send", "kind", "secmon.ReadApplicationImage.reply")
		require.Equal(t, b.T+7*sim.Millisecond, r.T)
	})
	t.Run("truncate", func(t *testing.T) {
		_, rec, _ := run(t, blink, arm(fault.MessageAction{Op: fault.MsgTruncate, Length: fault.Int(8)}), 3*sim.Second)
		_, ok := rec.First("mbox.malformed")
		require.True(t, ok, "the receiver reports a short message")
	})
	t.Run("flip", func(t *testing.T) {
		// Bit 0 of byte 8 is the low bit of the payload length.
		_, rec, _ := run(t, blink, arm(fault.MessageAction{Op: fault.MsgFlip, Offset: fault.Int(8), Bit: fault.Int(0)}), 3*sim.Second)
		_, ok := rec.First("mbox.malformed")
		require.True(t, ok)
	})
}

func TestPowerCutNow(t *testing.T) {
	p := plan(at(1*sim.Second, fault.Action{Power: &fault.PowerAction{OffFor: fault.D(50 * sim.Millisecond)}}))
	res, rec, _ := run(t, readImage(t, "blink.bin"), p, 3*sim.Second)
	cut, ok := rec.First("power.cut")
	require.True(t, ok)
	require.Equal(t, 1*sim.Second, cut.T)
	reset, ok := rec.First("power.reset")
	require.True(t, ok)
	require.Equal(t, cut.T+50*sim.Millisecond, reset.T)
	require.Equal(t, 1, res.Reboots)
	// Nothing ran while the power was off, and the app ran again after.
	for _, e := range rec.Events() {
		if e.T > cut.T && e.T < reset.T {
			t.Fatalf("event while the power was off: %s %s", e.Dom, e.Ev)
		}
	}
	starts := rec.Named("app.start")
	require.Greater(t, starts[len(starts)-1].T, reset.T)
}

func TestPowerStaysOff(t *testing.T) {
	res, rec, _ := run(t, readImage(t, "blink.bin"), plan(at(sim.Second, fault.Action{Power: &fault.PowerAction{}})), 3*sim.Second)
	require.Zero(t, res.Reboots)
	cut, _ := rec.First("power.cut")
	evs := rec.Events()
	require.Equal(t, cut, evs[len(evs)-2], "nothing after the cut but power.off")
}

// osUpdate is the OS of blink-svn2.bin as an update of blink.bin.
func osUpdate(t *testing.T) kernel.Update {
	img := readImage(t, "blink-svn2.bin")
	loc, err := image.ParseLocator(img[:image.EraseBlockSize])
	require.NoError(t, err)
	get := func(it image.ImageType) []byte {
		p, ok := loc.Find(image.PartitionTypeFirmware, it)
		require.True(t, ok)
		b, err := image.PartitionData(img, p)
		require.NoError(t, err)
		return append([]byte(nil), b...)
	}
	return kernel.Update{Source: "test", Images: []kernel.UpdateImage{
		{Role: secmonmsg.RoleKernel, Package: get(image.ImageTypeNormalWorldKernel)},
		{Role: secmonmsg.RoleRootFS, Package: get(image.ImageTypeRootFs)}}}
}

const updateAt = 2 * sim.Second

// TestPowerCutAtFlashOpMatchesDevice cuts the power during the Nth flash
// operation of an OS update, once with device.CutPowerAtFlashOp and once
// with a plan: the flash is left the same, the device comes out of reset
// at the same time and boots the same images.
func TestPowerCutAtFlashOpMatchesDevice(t *testing.T) {
	blink, u := readImage(t, "blink.bin"), osUpdate(t)
	// verified lists the stages verified in the boot after the cut (in
	// CutPowerAtFlashOp's model the domains run on while the power is off
	// and may ask for a reboot of their own: it comes after).
	verified := func(rec *trace.Recorder, from int64) []string {
		until := sim.Forever
		for _, e := range rec.Named("power.reset") {
			if e.T > from {
				until = e.T
				break
			}
		}
		var out []string
		for _, e := range rec.Named("stage.verify") {
			if e.T >= from && e.T < until {
				out = append(out, e.Str("stage")+" "+e.Str("ok")+" "+e.Str("measurement"))
			}
		}
		return out
	}
	for _, n := range []uint64{1, 4, 9} {
		var flashA, flashB map[uint32][]byte
		_, recA, _ := run(t, blink, nil, 6*sim.Second, func(d *device.Device) {
			d.Sim().Schedule(updateAt, func() { d.CutPowerAtFlashOp(n, 10*sim.Millisecond) })
			d.UpdateAt(updateAt, u)
			d.Sim().Schedule(6*sim.Second-1, func() { flashA = d.Flash().WrittenBlocks() })
		})
		p := plan(at(updateAt, fault.Action{Power: &fault.PowerAction{FlashOp: n, OffFor: fault.D(10 * sim.Millisecond)}}))
		_, recB, _ := run(t, blink, p, 6*sim.Second, func(d *device.Device) {
			d.UpdateAt(updateAt, u)
			d.Sim().Schedule(6*sim.Second-1, func() { flashB = d.Flash().WrittenBlocks() })
		})
		resetA, ok := recA.First("power.reset")
		require.True(t, ok)
		resetB, ok := recB.First("power.reset")
		require.True(t, ok, "op %d", n)
		require.Equal(t, resetA.T, resetB.T, "op %d", n)
		cutA, _ := recA.First("power.cut")
		cutB, _ := recB.First("power.cut")
		require.Equal(t, cutA.T, cutB.T)
		require.Equal(t, cutA.Str("flash_op"), cutB.Str("flash_op"))
		require.Equal(t, verified(recA, resetA.T), verified(recB, resetB.T), "op %d: the boot after the cut", n)
		require.Equal(t, flashA, flashB, "op %d: the flash after the cut", n)
		in := injects(recB)
		require.Len(t, in, 1)
		require.Equal(t, cutB.T, in[0].T)
	}
}

func TestFlashOpTriggerAndFailingRegion(t *testing.T) {
	blink, u := readImage(t, "blink.bin"), osUpdate(t)
	// From the 2nd flash operation on, every block past the factory image
	// refuses writes and erases (the update stages its images there).
	p := plan(fault.Fault{Trigger: fault.Trigger{On: &fault.EventFilter{Event: fault.FlashOpEvent, Nth: 2}},
		Action: fault.Action{Flash: &fault.FlashAction{Fail: &fault.FailRegion{Offset: 0x20000}}}})
	res, rec, _ := run(t, blink, p, 6*sim.Second, func(d *device.Device) { d.UpdateAt(updateAt, u) })
	require.False(t, res.Halted)
	in := injects(rec)
	require.Len(t, in, 1)
	require.Equal(t, "on 2nd flash.op", in[0].Str("trigger"))
	require.Greater(t, in[0].T, updateAt)
	_, failed := rec.First("update.failed")
	require.True(t, failed, "the update cannot be staged")
	require.Zero(t, res.Reboots)
}

func TestPeripheralActions(t *testing.T) {
	p := plan(
		at(500*sim.Millisecond, fault.Action{Peripheral: &fault.PeripheralAction{ADC: &fault.ADCStuck{Channel: 1, Volts: 1.25}}}),
		at(sim.Second, netDown),
		at(2*sim.Second, fault.Action{Peripheral: &fault.PeripheralAction{Network: fault.NetUp}}),
	)
	_, rec, _ := run(t, readImage(t, "adc-poll.bin"), p, 3*sim.Second)
	require.Len(t, injects(rec), 3)
	var after []string
	for _, e := range rec.Named("adc.sample") {
		if e.T > 500*sim.Millisecond && e.Str("ch") == "1" {
			after = append(after, e.Str("value"))
		}
	}
	require.NotEmpty(t, after)
	require.Equal(t, "2048", after[len(after)-1], "1.25 V of a 2.5 V reference")
	links := rec.Named("net.link")
	require.Len(t, links, 2)
	require.Equal(t, "false", links[0].Str("up"))
	require.Equal(t, "true", links[1].Str("up"))
}

func TestSamePlanSameTrace(t *testing.T) {
	p, err := fault.Load(filepath.Join("testdata", "plan.yaml"))
	require.NoError(t, err)
	p.Faults = p.Faults[1:] // the kernel flip would halt the boot: keep the rest running
	blink := readImage(t, "blink.bin")
	_, rec, a := run(t, blink, p, 6*sim.Second)
	_, _, b := run(t, blink, p, 6*sim.Second)
	require.Equal(t, a, b)
	require.GreaterOrEqual(t, len(injects(rec)), 5)
}

// TestGlitchAction: a plan that flips a kernel bit and glitches Pluton's
// signature check of the kernel: the tampered kernel boots (the breach an
// attestation or the invariant checker must catch); without the glitch it
// halts. The plan reads the same from YAML.
func TestGlitchAction(t *testing.T) {
	yamlPlan := `
faults:
  - name: tamper
    trigger: {at: 0}
    action: {flash: {flip: {partition: kernel, offset: 0x40, bit: 2}}}
  - name: glitch
    trigger: {at: 0}
    action: {glitch: {point: pluton.signature, effect: skip, detail: NormalWorldKernel}}
`
	p, err := fault.ParseYAML([]byte(yamlPlan))
	require.NoError(t, err)
	res, rec, _ := run(t, readImage(t, "blink.bin"), p, 3*sim.Second)
	require.False(t, res.Halted, "the glitch let the tampered kernel through")
	e, ok := rec.First("glitch.apply")
	require.True(t, ok)
	require.Equal(t, "false", e.Str("found_ok"))
	require.Equal(t, "true", e.Str("acted_ok"))
	_, ok = rec.First("kernel.start")
	require.True(t, ok)

	for name, bad := range map[string]string{
		"unknown point":  `{"faults":[{"trigger":{"at":0},"action":{"glitch":{"point":"kernel.luck","effect":"skip"}}}]}`,
		"unknown effect": `{"faults":[{"trigger":{"at":0},"action":{"glitch":{"point":"pluton.signature","effect":"maybe"}}}]}`,
	} {
		_, err := fault.ParseJSON([]byte(bad))
		require.ErrorContains(t, err, "faults[0].action.glitch.", name)
	}
}
