package fault_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// TestCompromisedKernelCannotReadPlutonSecrets: the kernel turns hostile
// and sends Pluton every request kind it serves, with empty, short and long
// payloads. Pluton answers what the kernel may ask (public keys,
// measurements, signatures of digests — never a private key) and refuses
// the rest; the invariant checker sees no secret on the bus or in the
// trace, and the device runs on.
func TestCompromisedKernelCannotReadPlutonSecrets(t *testing.T) {
	p, err := fault.ParseYAML([]byte(`
faults:
  - name: hostile kernel
    trigger: {at: 2s}
    action: {compromise: {domain: kernel, script: probe-pluton}}
`))
	require.NoError(t, err)
	var ch *fault.Checker
	res, rec, _ := run(t, readImage(t, "blink.bin"), p, 4*sim.Second, func(d *device.Device) { ch = fault.NewChecker(d) })
	require.Empty(t, ch.Finish(), ch.Summary())
	in := injects(rec)
	require.Len(t, in, 1)
	require.Equal(t, "compromise", in[0].Str("action"))
	var rejects int
	for _, e := range rec.Named("request.reject") {
		if e.Dom == "pluton" && e.Str("from") == "kernel" {
			rejects++
		}
	}
	require.Greater(t, rejects, 10, "Pluton refuses what the kernel may not ask, and malformed payloads")
	require.False(t, res.Halted)
	starts := rec.Named("gpio.set")
	require.NotEmpty(t, starts)
	require.Greater(t, starts[len(starts)-1].T, 2*sim.Second, "the app keeps blinking")
}

// TestCompromiseScriptsValidate: a hostile domain can only use its own
// links: the app core has none to Pluton.
func TestCompromiseScripts(t *testing.T) {
	p, err := fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":"1s"},"action":{"compromise":{"domain":"appcore",
		"requests":[{"to":"pluton","kind":"pluton.ReadRng","payload":"20000000"}]}}}]}`))
	require.NoError(t, err)
	_, rec, _ := run(t, readImage(t, "blink.bin"), p, 2*sim.Second)
	e, ok := rec.First("fault.error")
	require.True(t, ok)
	require.Contains(t, e.Str("error"), "no hardware link")

	for name, bad := range map[string]string{
		"pluton itself":   `{"faults":[{"trigger":{"at":0},"action":{"compromise":{"domain":"pluton","script":"probe-pluton"}}}]}`,
		"unknown script":  `{"faults":[{"trigger":{"at":0},"action":{"compromise":{"domain":"kernel","script":"own-everything"}}}]}`,
		"kind of another": `{"faults":[{"trigger":{"at":0},"action":{"compromise":{"domain":"kernel","requests":[{"to":"secmon","kind":"pluton.ReadRng"}]}}}]}`,
		"bad hex":         `{"faults":[{"trigger":{"at":0},"action":{"compromise":{"domain":"kernel","requests":[{"to":"pluton","kind":"0x40","payload":"zz"}]}}}]}`,
	} {
		_, err := fault.ParseJSON([]byte(bad))
		require.ErrorContains(t, err, "faults[0].action.compromise", name)
	}
}

func TestUARTGarbageAndButtonBounce(t *testing.T) {
	p, err := fault.ParseYAML([]byte(`
faults:
  - trigger: {at: 1s}
    action: {peripheral: {uart_garbage: {isu: 0, bytes: 16}}}
  - trigger: {at: 2s}
    action: {peripheral: {bounce: {button: A, count: 7, every: 2ms}}}
`))
	require.NoError(t, err)
	_, rec, trace1 := run(t, readImage(t, "button-blink.bin"), p, 3*sim.Second)
	rx, ok := rec.First("uart.rx", "isu", "0")
	require.True(t, ok)
	require.Equal(t, "16", rx.Str("len"))
	var drives []string
	for _, e := range rec.Named("gpio.drive") {
		if e.T >= 2*sim.Second {
			drives = append(drives, e.Str("level"))
		}
	}
	require.Equal(t, []string{"0", "1", "0", "1", "0", "1", "1"}, drives, "it bounces and settles released")
	_, _, trace2 := run(t, readImage(t, "button-blink.bin"), p, 3*sim.Second)
	require.Equal(t, trace1, trace2, "the garbage comes from the seed")
}

// TestAppFaults: a trap is an AppCrash (SIGILL) the OS restarts; a hang is
// killed by the runaway watchdog (SIGKILL) and restarted; exhausting the
// app's memory leaves it running at its limit.
func TestAppFaults(t *testing.T) {
	cases := []struct {
		op, want string
	}{{"trap", "4"}, {"hang", "9"}, {"exhaust", ""}}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			p := plan(at(int64(2*sim.Second), fault.Action{App: &fault.AppAction{Op: tc.op}}))
			res, rec, _ := run(t, readImage(t, "blink.bin"), p, 15*sim.Second)
			require.False(t, res.Halted)
			e, ok := rec.First("app.fault", "op", tc.op)
			require.True(t, ok)
			if tc.want == "" {
				_, exited := rec.First("app.exit")
				require.False(t, exited, "the app runs on")
				require.NotEqual(t, "0", e.Str("pages_grown"))
				return
			}
			x, ok := rec.First("app.exit")
			require.True(t, ok)
			require.Equal(t, tc.want, x.Str("signal"))
			_, restarted := rec.First("app.restart")
			require.True(t, restarted, "the OS restarts it")
		})
	}
	_, err := fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"app":{"op":"explode"}}}]}`))
	require.ErrorContains(t, err, "faults[0].action.app.op")
}

func TestI2CNack(t *testing.T) {
	p, err := fault.ParseYAML([]byte(`
faults:
  - trigger: {at: 2s}
    action: {peripheral: {i2c_nack: {isu: 2, addr: 0x6A, count: 3}}}
`))
	require.NoError(t, err)
	res, rec, _ := run(t, readImage(t, "i2c-accel.bin"), p, 12*sim.Second) // the app exits on a NACK; the OS restarts it after 1, 2, 4 s
	require.False(t, res.Halted)
	var nacks, acksAfter int
	for _, e := range rec.Named("i2c.xfer") {
		if e.T < 2*sim.Second {
			require.Equal(t, "true", e.Str("ack"))
			continue
		}
		if e.Str("ack") == "false" {
			nacks++
		} else if nacks == 3 {
			acksAfter++
		}
	}
	require.Equal(t, 3, nacks)
	require.Positive(t, acksAfter, "the device answers again")
}

// TestAppMemoryFlip: a bit of the high-level app's linear memory inverts
// at its next syscall; an offset beyond its memory changes nothing and says
// so. The bit, when not given, comes from the seed.
func TestAppMemoryFlip(t *testing.T) {
	bit := 3
	p := plan(at(int64(2*sim.Second), fault.Action{App: &fault.AppAction{Op: "flip", Offset: 1024, Bit: &bit}}))
	res, rec, _ := run(t, readImage(t, "blink.bin"), p, 3*sim.Second)
	require.False(t, res.Halted)
	e, ok := rec.First("app.fault", "op", "flip")
	require.True(t, ok)
	require.Equal(t, "1024", e.Str("offset"))
	require.Equal(t, "3", e.Str("bit"))
	require.Equal(t, "true", e.Str("in_memory"))
	before, err := strconv.Atoi(e.Str("before"))
	require.NoError(t, err)
	after, err := strconv.Atoi(e.Str("after"))
	require.NoError(t, err)
	require.Equal(t, 1<<3, before^after)

	p = plan(at(int64(2*sim.Second), fault.Action{App: &fault.AppAction{Op: "flip", Offset: 0x7fff0000}}))
	_, rec, trace1 := run(t, readImage(t, "blink.bin"), p, 3*sim.Second)
	e, ok = rec.First("app.fault", "op", "flip")
	require.True(t, ok)
	require.Equal(t, "false", e.Str("in_memory"))
	_, _, trace2 := run(t, readImage(t, "blink.bin"), p, 3*sim.Second)
	require.Equal(t, trace1, trace2, "the bit comes from the seed")

	_, err = fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"app":{"op":"trap","offset":4}}}]}`))
	require.ErrorContains(t, err, "for op flip only")
}

// TestADCNoise: noise from the seed rides on the channel's input: samples
// scatter around the stuck value, and the same seed scatters them the same.
func TestADCNoise(t *testing.T) {
	p, err := fault.ParseYAML([]byte(`
faults:
  - trigger: {at: 500ms}
    action: {peripheral: {adc: {channel: 1, volts: 1.25}}}
  - trigger: {at: 1500ms}
    action: {peripheral: {adc_noise: {channel: 1, volts: 0.05}}}
`))
	require.NoError(t, err)
	_, rec, trace1 := run(t, readImage(t, "adc-poll.bin"), p, 12*sim.Second)
	var before, after []int
	for _, e := range rec.Named("adc.sample") {
		if e.Str("ch") != "1" {
			continue
		}
		v, err := strconv.Atoi(e.Str("value"))
		require.NoError(t, err)
		switch {
		case e.T > 500*sim.Millisecond && e.T < 1500*sim.Millisecond:
			before = append(before, v)
		case e.T > 1500*sim.Millisecond:
			after = append(after, v)
		}
	}
	require.NotEmpty(t, before)
	require.GreaterOrEqual(t, len(after), 8)
	for _, v := range before {
		require.Equal(t, 2048, v, "1.25 V of 2.5 V, no noise yet")
	}
	distinct := map[int]bool{}
	for _, v := range after {
		distinct[v] = true
		require.InDelta(t, 2048, v, 0.05*6/2.5*4095, "within 6 sigma")
	}
	require.Greater(t, len(distinct), len(after)/2, "the samples scatter")
	_, _, trace2 := run(t, readImage(t, "adc-poll.bin"), p, 12*sim.Second)
	require.Equal(t, trace1, trace2, "the noise comes from the seed")
	_, err = fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"peripheral":{"adc_noise":{"channel":0,"volts":0}}}}]}`))
	require.ErrorContains(t, err, "adc_noise.volts")
}

// TestRTAppFaults: the same app faults strike a real-time app: a trap ends
// it (a crash the OS reports), a hang without a watchdog leaves its core
// spinning while the rest of the device runs, a hang with one is reset by
// it and the OS restarts the app, exhaustion and a flip leave it running.
func TestRTAppFaults(t *testing.T) {
	cases := []struct {
		img, op string
		check   func(t *testing.T, rec *trace.Recorder)
	}{
		{"rt-hello.bin", "trap", func(t *testing.T, rec *trace.Recorder) {
			e, ok := rec.First("rt.stop")
			require.True(t, ok)
			require.Equal(t, "crash", e.Str("reason"))
			require.Contains(t, e.Str("detail"), "injected fault")
		}},
		{"rt-hello.bin", "hang", func(t *testing.T, rec *trace.Recorder) {
			_, stopped := rec.First("rt.stop")
			require.False(t, stopped, "no watchdog: the core spins on")
			require.Zero(t, uartLinesAfter(rec, 0, 2500*sim.Millisecond), "and prints nothing more")
		}},
		{"dw100.bin", "hang", func(t *testing.T, rec *trace.Recorder) {
			e, ok := rec.First("rt.stop")
			require.True(t, ok)
			require.Equal(t, "watchdog", e.Str("reason"))
			_, ok = rec.First("rt.restart")
			require.True(t, ok, "the OS restarts it")
			require.Len(t, rec.Named("rt.start"), 2)
		}},
		{"rt-hello.bin", "exhaust", func(t *testing.T, rec *trace.Recorder) {
			e, ok := rec.First("app.fault")
			require.True(t, ok)
			require.NotEmpty(t, e.Str("pages_grown"), "as far as its memory's maximum allows (this one's is fixed)")
			require.NotZero(t, uartLinesAfter(rec, 0, 2500*sim.Millisecond), "it runs on")
		}},
		{"rt-hello.bin", "flip", func(t *testing.T, rec *trace.Recorder) {
			e, ok := rec.First("app.fault")
			require.True(t, ok)
			require.Equal(t, "true", e.Str("in_memory"))
		}},
	}
	for _, c := range cases {
		t.Run(c.img+" "+c.op, func(t *testing.T) {
			p := plan(at(int64(2*sim.Second), fault.Action{App: &fault.AppAction{Op: c.op, Core: "rtcore0"}}))
			res, rec, _ := run(t, readImage(t, c.img), p, 6*sim.Second)
			require.False(t, res.Halted)
			e, ok := rec.First("app.fault")
			require.True(t, ok)
			require.Equal(t, "rtcore0", e.Dom)
			require.Equal(t, c.op, e.Str("op"))
			_, exited := rec.First("app.exit")
			require.False(t, exited, "the high-level app is untouched")
			c.check(t, rec)
		})
	}
	_, err := fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"app":{"op":"trap","core":"rtcore2"}}}]}`))
	require.ErrorContains(t, err, "app.core")
}

// uartLinesAfter counts the debug-UART lines of a real-time core after t.
func uartLinesAfter(rec *trace.Recorder, core int, t int64) int {
	n := 0
	for _, e := range rec.Named("rt.uart") {
		if e.T > t && e.Str("core") == strconv.Itoa(core) {
			n++
		}
	}
	return n
}

// TestRegisterFlip: a stuck-at-0 bit in the button's GPIO input register
// makes the real-time app read button A pressed at every read from then on;
// a transient flip fools only the next read.
func TestRegisterFlip(t *testing.T) {
	lines := func(rec *trace.Recorder) (before, after []string) {
		for _, e := range rec.Named("rt.uart") {
			l := e.Str("line")
			if !strings.Contains(l, "button=") {
				continue
			}
			state := l[strings.Index(l, "button=")+len("button="):]
			state = state[:strings.IndexByte(state, ' ')]
			if e.T < 1200*sim.Millisecond {
				before = append(before, state)
			} else {
				after = append(after, state)
			}
		}
		return before, after
	}
	for _, c := range []struct {
		permanent bool
		want      []string
	}{
		{true, []string{"pressed", "pressed", "pressed"}},
		{false, []string{"pressed", "released", "released"}},
	} {
		bit := 0
		p := plan(at(int64(1200*sim.Millisecond), fault.Action{Peripheral: &fault.PeripheralAction{Register: &fault.RegisterFlip{
			Core: "rtcore0", Addr: 0x38040004, Bit: &bit, Mode: fault.ModeSet0, Permanent: c.permanent}}}))
		_, rec, _ := run(t, readImage(t, "rt-gpio-adc.bin"), p, 3*sim.Second)
		before, after := lines(rec)
		require.NotEmpty(t, before)
		for _, s := range before {
			require.Equal(t, "released", s)
		}
		require.Equal(t, c.want, after, "permanent %v", c.permanent)
		e, ok := rec.First("reg.fault")
		require.True(t, ok)
		require.Equal(t, "0x38040004", e.Str("addr"))
	}
	p, err := fault.ParseYAML([]byte(`
faults:
  - trigger: {at: 1s}
    action: {peripheral: {register: {core: rtcore0, addr: 0x38040004, bit: 0, mode: set0}}}
`))
	require.NoError(t, err)
	require.Equal(t, fault.Hex32(0x38040004), p.Faults[0].Action.Peripheral.Register.Addr)
	for name, bad := range map[string]string{
		"high-level core": `{"faults":[{"trigger":{"at":0},"action":{"peripheral":{"register":{"core":"appcore","addr":"0x38040004"}}}}]}`,
		"unaligned":       `{"faults":[{"trigger":{"at":0},"action":{"peripheral":{"register":{"core":"rtcore0","addr":"0x38040005"}}}}]}`,
		"bit 32":          `{"faults":[{"trigger":{"at":0},"action":{"peripheral":{"register":{"core":"rtcore0","addr":4,"bit":32}}}}]}`,
		"not an address":  `{"faults":[{"trigger":{"at":0},"action":{"peripheral":{"register":{"core":"rtcore0","addr":"gpio"}}}}]}`,
	} {
		_, err := fault.ParseJSON([]byte(bad))
		require.ErrorContains(t, err, "peripheral.register", name)
	}
}

// TestRAMFlip: a bit flips in a real-time core's TCM or SYSRAM, or in the
// A7 SYSRAM that holds the intercore rings; an address that is no modelled
// RAM changes nothing and says so.
func TestRAMFlip(t *testing.T) {
	for _, c := range []struct {
		core, ram, err string
		addr           fault.Hex32
	}{
		{core: "rtcore0", addr: 0x00100400, ram: "rtcore0 tcm"},
		{core: "rtcore0", addr: 0x22000010, ram: "rtcore0 sysram"},
		{addr: 0x80380000, ram: "a7-sysram (intercore buffers of rtcore0)"},
		{addr: 0x80388010, ram: "a7-sysram (intercore buffers of rtcore1)"},
		{core: "rtcore1", addr: 0x38040004, err: "no modelled RAM"},
	} {
		bit := 4
		p := plan(at(int64(2*sim.Second), fault.Action{RAM: &fault.RAMFlip{Core: c.core, Addr: c.addr, Bit: &bit}}))
		res, rec, _ := run(t, readImage(t, "intercore.bin"), p, 3*sim.Second)
		require.False(t, res.Halted)
		in := injects(rec)
		require.Len(t, in, 1)
		require.Equal(t, "ram.flip", in[0].Str("action"))
		if c.err != "" {
			require.Contains(t, in[0].Str("error"), c.err)
			continue
		}
		require.Equal(t, c.ram, in[0].Str("ram"))
		before, err := strconv.Atoi(in[0].Str("before"))
		require.NoError(t, err)
		after, err := strconv.Atoi(in[0].Str("after"))
		require.NoError(t, err)
		require.Equal(t, 1<<4, before^after)
	}
	_, err := fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"ram":{"core":"pluton","addr":0}}}]}`))
	require.ErrorContains(t, err, "action.ram.core")
}

// TestAccelStuckAndNoise: the accelerometer sticks at a reading, then
// seeded noise rides on it: the app's readings follow, replayably.
func TestAccelStuckAndNoise(t *testing.T) {
	p, err := fault.ParseYAML([]byte(`
faults:
  - trigger: {at: 1500ms}
    action: {peripheral: {accel: {x: 0.5, y: -0.25, z: 1}}}
  - trigger: {at: 3500ms}
    action: {peripheral: {accel_noise: {g: 0.05}}}
`))
	require.NoError(t, err)
	_, rec, trace1 := run(t, readImage(t, "i2c-accel.bin"), p, 8*sim.Second)
	var stuck, noisy []string
	for _, e := range rec.Named("app.log") {
		l := e.Str("line")
		if !strings.HasPrefix(l, "Acceleration:") {
			continue
		}
		switch {
		case e.T > 1500*sim.Millisecond && e.T < 3500*sim.Millisecond:
			stuck = append(stuck, l)
		case e.T > 3500*sim.Millisecond:
			noisy = append(noisy, l)
		}
	}
	require.Equal(t, []string{"Acceleration: 0.500g, -0.250g, 1.000g", "Acceleration: 0.500g, -0.250g, 1.000g"}, stuck)
	require.Len(t, noisy, 4)
	distinct := map[string]bool{}
	for _, l := range noisy {
		distinct[l] = true
	}
	require.Len(t, distinct, 4, "every sample has its own noise")
	_, _, trace2 := run(t, readImage(t, "i2c-accel.bin"), p, 8*sim.Second)
	require.Equal(t, trace1, trace2, "the noise comes from the seed")
}

// TestAppMemoryStuckBit: a permanent set1 in the app's memory is forced
// again at every host call (traced only when it changes the byte), and a
// later trap still strikes.
func TestAppMemoryStuckBit(t *testing.T) {
	bit := 0
	p := plan(
		// 16320: a byte of blink's stack (it starts at 16384), rewritten by its calls.
		at(int64(2*sim.Second), fault.Action{App: &fault.AppAction{Op: "flip", Offset: 16320, Bit: &bit, Mode: fault.ModeSet1, Permanent: true}}),
		at(int64(4*sim.Second), fault.Action{App: &fault.AppAction{Op: "trap"}}),
	)
	_, rec, _ := run(t, readImage(t, "blink.bin"), p, 6*sim.Second)
	var flips []trace.Event
	for _, e := range rec.Named("app.fault") {
		if e.Str("op") == "flip" {
			flips = append(flips, e)
		}
	}
	require.Greater(t, len(flips), 1, "the app rewrites the byte; the stuck bit is forced again")
	for _, e := range flips {
		after, err := strconv.Atoi(e.Str("after"))
		require.NoError(t, err)
		require.Equal(t, 1, after&1, "bit 0 reads 1")
		require.NotEqual(t, e.Str("before"), e.Str("after"), "only changes are traced")
	}
	trap, ok := rec.First("app.fault", "op", "trap")
	require.True(t, ok, "the stuck bit does not shadow a later fault")
	require.Greater(t, trap.T, 4*sim.Second)
	_, err := fault.ParseJSON([]byte(`{"faults":[{"trigger":{"at":0},"action":{"app":{"op":"flip","permanent":true}}}]}`))
	require.ErrorContains(t, err, "needs mode set0 or set1")
}

// TestRAMStuckBit: a stuck cell in the A7 SYSRAM keeps its value through
// the kernel's writes: bit 4 of the RT→HL ring's write position stays 1, so
// the kernel finds the ring's positions untrustworthy; the rest of the
// device runs on.
func TestRAMStuckBit(t *testing.T) {
	bit := 4
	p := plan(at(int64(sim.Second), fault.Action{RAM: &fault.RAMFlip{Addr: 0x80380000, Bit: &bit, Mode: fault.ModeSet1, Permanent: true}}))
	var dev *device.Device
	res, rec, _ := run(t, readImage(t, "intercore.bin"), p, 4*sim.Second, func(d *device.Device) { dev = d })
	require.False(t, res.Halted)
	in := injects(rec)
	require.Len(t, in, 1)
	require.Equal(t, "a7-sysram (intercore buffers of rtcore0)", in[0].Str("ram"))
	require.Equal(t, "true", in[0].Str("permanent"))
	shared, _ := dev.RTLink(0)
	require.NoError(t, shared.Write(0x80380000, []byte{0, 0, 0, 0}))
	var b [1]byte
	require.NoError(t, shared.Read(0x80380000, b[:]))
	require.Equal(t, byte(0x10), b[0], "stuck at 1 through a write")
	_, corrupt := rec.First("intercore.corrupt")
	_, dropped := rec.First("intercore.drop")
	require.True(t, corrupt || dropped, "the kernel notices the ring")

	p = plan(at(0, fault.Action{RAM: &fault.RAMFlip{Core: "rtcore0", Addr: 0x00100010, Bit: &bit, Mode: fault.ModeSet0, Permanent: true}}))
	_, rec, _ = run(t, readImage(t, "intercore.bin"), p, 100*sim.Millisecond)
	require.Contains(t, injects(rec)[0].Str("error"), "a stuck TCM bit is an app fault with core")
}
