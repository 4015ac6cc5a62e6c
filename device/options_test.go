package device_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

func open(t *testing.T, name string, opts ...device.Option) *device.Device {
	t.Helper()
	d, err := device.Open(readImage(t, name), append([]device.Option{device.WithCache(cache)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// The fault tests of issue 7 item 7, each a few lines.
func TestBenchFaultTests(t *testing.T) {
	kernelFlip := fault.Fault{Trigger: fault.Trigger{At: fault.D(0)},
		Action: fault.Action{Flash: &fault.FlashAction{Flip: &fault.BitFlip{Partition: "kernel", Offset: 0x40, Bit: fault.Int(2)}}}}
	dropToSecmon := fault.Fault{Trigger: fault.Trigger{On: &fault.EventFilter{Event: "mbox.send", Fields: map[string]string{"from": "kernel", "to": "secmon"}, Nth: 2}},
		Action: fault.Action{Message: &fault.MessageAction{From: "kernel", To: "secmon", Op: fault.MsgDrop}}}
	for _, c := range []struct {
		name  string
		opts  []device.Option
		check func(t *testing.T, v device.Verdict)
	}{
		{"kernel bit flip halts at the kernel", []device.Option{device.WithFaults(&fault.Plan{Faults: []fault.Fault{kernelFlip}})},
			func(t *testing.T, v device.Verdict) {
				assert.True(t, v.Halted)
				assert.Equal(t, "kernel", v.HaltStage)
				assert.False(t, v.AppStarted)
			}},
		{"dropped kernel→secmon message never panics", []device.Option{device.WithFaults(&fault.Plan{Faults: []fault.Fault{dropToSecmon}})},
			func(t *testing.T, v device.Verdict) {
				assert.Equal(t, 1, v.Faults)
			}},
		{"glitch skipping every signature check lets the intact image boot", []device.Option{device.WithGlitch(func(p glitch.Point, _ string) glitch.Effect {
			if p == glitch.PlutonSignature {
				return glitch.Skip
			}
			return glitch.None
		})},
			func(t *testing.T, v device.Verdict) {
				assert.True(t, v.AppRunning)
			}},
		{"no fault: blink runs", nil, func(t *testing.T, v device.Verdict) {
			assert.True(t, v.AppRunning)
			assert.False(t, v.Halted)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := open(t, "blink.bin", c.opts...)
			d.Run(2 * sim.Second)
			v := d.Verdict()
			assert.Empty(t, v.Panics)
			c.check(t, v)
		})
	}
}

func TestRunUntilEvent(t *testing.T) {
	d := open(t, "blink.bin")
	led := device.Ev("gpio.set", "gpio", "8")
	led.Nth = 3
	e, res, ok := d.RunUntilEvent(led, 5*sim.Second)
	require.True(t, ok)
	assert.Equal(t, e.T, res.Time, "the run stops at the end of the event's instant")
	assert.Equal(t, 3, len(d.Log().Find(device.Ev("gpio.set", "gpio", "8"))))
	pin, err := d.Pin(8)
	require.NoError(t, err)
	assert.Equal(t, "output", pin.Direction)
	assert.Equal(t, "LED1 red", pin.LED)
	assert.Contains(t, d.Pins(), pin)

	// An event that never comes: the run ends at the limit.
	_, res, ok = d.RunUntilEvent(device.Ev("boot.halt"), res.Time+sim.Second)
	assert.False(t, ok)
	assert.Equal(t, e.T+sim.Second, res.Time)
}

func TestStepIsOneInstant(t *testing.T) {
	d := open(t, "blink.bin")
	for range 50 {
		before := d.Log().Len()
		res, ok := d.Step()
		require.True(t, ok)
		for _, e := range d.Log().Since(before) {
			assert.Equal(t, res.Time, e.T)
		}
	}
}

func TestPressButtonChangesBlinkPeriod(t *testing.T) {
	d := open(t, "button-blink.bin")
	_, _, ok := d.RunUntilEvent(device.Ev("app.start"), 5*sim.Second)
	require.True(t, ok)
	d.RunFor(100 * sim.Millisecond)
	require.NoError(t, d.PressButton(hw.ButtonA, 50*sim.Millisecond))
	e, _, ok := d.RunUntilEvent(device.Ev("app.log", "line", "Blink period: 250 ms"), d.Now()+sim.Second)
	require.True(t, ok, "the app saw the press")
	lines, _ := d.AppOutput(0)
	assert.Contains(t, lines, e.Str("line"))
	assert.Error(t, d.PressButton(99, 0), "no GPIO 99")
}

func TestInjectFaultPowerCutReboots(t *testing.T) {
	d := open(t, "blink.bin")
	_, _, ok := d.RunUntilEvent(device.Ev("app.start"), 5*sim.Second)
	require.True(t, ok)
	require.NoError(t, d.InjectFault(fault.Fault{Action: fault.Action{Power: &fault.PowerAction{OffFor: fault.D(10 * sim.Millisecond)}}}))
	cut, _, ok := d.RunUntilEvent(device.Ev("power.cut"), d.Now()+sim.Second)
	require.True(t, ok)
	assert.False(t, d.Verdict().Powered)
	_, _, ok = d.RunUntilEvent(device.Ev("app.start"), d.Now()+5*sim.Second)
	require.True(t, ok, "the device boots again after the cut")
	v := d.Verdict()
	assert.True(t, v.Powered)
	assert.True(t, v.AppRunning)
	assert.Equal(t, 1, v.Reboots)
	assert.Equal(t, 1, v.PowerCuts)
	assert.Greater(t, v.Time, cut.T)

	require.Error(t, d.InjectFault(fault.Fault{Action: fault.Action{Flash: &fault.FlashAction{Flip: &fault.BitFlip{Partition: "nope"}}}}))
}

func TestPowerCycleAndADC(t *testing.T) {
	d := open(t, "adc-poll.bin")
	d.Run(sim.Second)
	require.NoError(t, d.SetADC(1, 1.25))
	require.Error(t, d.SetADC(8, 1))
	d.PowerCycle(50*sim.Millisecond, trace.Str("by", "test"))
	d.RunFor(2 * sim.Second)
	v := d.Verdict()
	assert.Equal(t, 1, v.PowerCuts)
	assert.True(t, v.Powered)
	assert.Empty(t, v.Panics)
	_, ok := d.Log().Find(device.Ev("adc.input", "ch", "1"))[0].Get("volts")
	assert.True(t, ok)
}

// Same options, same calls at the same virtual times: the same trace.
func TestBenchDeterministic(t *testing.T) {
	runOnce := func() []trace.Event {
		d := open(t, "button-blink.bin", device.WithSeed(9))
		d.RunFor(1500 * sim.Millisecond)
		require.NoError(t, d.PressButton(hw.ButtonA, 20*sim.Millisecond))
		require.NoError(t, d.InjectFault(fault.Fault{Action: fault.Action{Message: &fault.MessageAction{From: "appcore", To: "kernel", Op: fault.MsgFlip}}}))
		d.RunFor(sim.Second)
		return d.Events()
	}
	assert.Equal(t, runOnce(), runOnce())
}

func TestNewStillWorksAndLogsFromFirstCall(t *testing.T) {
	d, err := device.New(device.Config{Image: readImage(t, "blink.bin"), Seed: 1, Cache: cache})
	require.NoError(t, err)
	defer d.Close()
	assert.Equal(t, 0, d.Log().Len(), "power.on was before the log")
	d.Run(sim.Second)
	assert.NotZero(t, d.Log().Len())
	assert.True(t, d.Verdict().AppRunning)
}
