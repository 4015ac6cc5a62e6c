package secmon

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

func TestCompartmentCheck(t *testing.T) {
	c, err := NewCompartments(DefaultCompartments)
	require.NoError(t, err)
	cases := []struct {
		view View
		who  mailbox.Addr
		addr uint64
		n    uint64
		ok   bool
	}{
		{ViewIO0, mailbox.RTCore0, 0x00100000, 4, true},
		{ViewIO0, mailbox.RTCore0, 0x0012FFFC, 4, true},
		{ViewIO0, mailbox.RTCore0, 0x0012FFFE, 4, false}, // straddles the end of TCM
		{ViewIO0, mailbox.RTCore1, 0x00100000, 4, false}, // the other core's TCM
		{ViewIO1, mailbox.RTCore1, 0x00100000, 4, true},
		{ViewA7, mailbox.Appcore, 0x80390000, 256 << 10, true},
		{ViewA7, mailbox.Appcore, 0x803D0000, 4, false}, // secure world
		{ViewA7, mailbox.Kernel, 0x300E0000, 4, false},  // e-fuses belong to Pluton
		{ViewA7, mailbox.Kernel, 0x50000000, 4, false},  // unmapped
	}
	for _, tc := range cases {
		err := c.Check(tc.view, tc.who, tc.addr, tc.n)
		require.Equal(t, tc.ok, err == nil, "%s %s %#x: %v", tc.view, tc.who, tc.addr, err)
	}
	_, err = NewCompartments([]Region{{"a", ViewA7, 0, 10, mailbox.Kernel}, {"b", ViewA7, 5, 10, mailbox.Secmon}})
	require.ErrorContains(t, err, "overlap")
}

func TestPeripheralOwnershipByBlock(t *testing.T) {
	pm := newPeripheralMap()
	gpio := func(n uint16, owner mailbox.Addr, cid string) secmonmsg.Peripheral {
		return secmonmsg.Peripheral{Type: secmonmsg.PeripheralGPIO, Index: n, Owner: owner, ComponentID: cid}
	}
	_, err := pm.acquire(gpio(8, mailbox.Appcore, "hl"), asFound)
	require.NoError(t, err)
	_, err = pm.acquire(gpio(8, mailbox.Appcore, "hl"), asFound)
	require.NoError(t, err, "idempotent for the same owner")
	_, err = pm.acquire(gpio(10, mailbox.Appcore, "hl"), asFound)
	require.NoError(t, err, "same block, same core")
	code, err := pm.acquire(gpio(9, mailbox.RTCore0, "rt"), asFound)
	require.ErrorContains(t, err, "whose block (GPIO 8–11) is mapped to appcore")
	require.Equal(t, secmonmsg.ErrPeripheralBusy, code)
	code, err = pm.acquire(gpio(8, mailbox.Appcore, "other-app"), asFound)
	require.ErrorContains(t, err, "already in use by another application")
	require.Equal(t, secmonmsg.ErrPeripheralBusy, code)
	_, err = pm.acquire(gpio(24, mailbox.Appcore, "hl"), asFound)
	require.ErrorContains(t, err, "GPIO 24 does not exist")
	_, err = pm.acquire(secmonmsg.Peripheral{Type: secmonmsg.PeripheralUART, Index: 0, Owner: mailbox.Appcore, ComponentID: "hl"}, asFound)
	require.NoError(t, err)
	_, err = pm.acquire(secmonmsg.Peripheral{Type: secmonmsg.PeripheralI2C, Index: 0, Owner: mailbox.Appcore, ComponentID: "hl"}, asFound)
	require.ErrorContains(t, err, "ISU0 (i2c) uses GPIO 26, which is already in use by another application (ISU0 (uart)")
	_, err = pm.acquire(secmonmsg.Peripheral{Type: secmonmsg.PeripheralPWM, Index: 2, Owner: mailbox.RTCore1, ComponentID: "rt"}, asFound)
	require.ErrorContains(t, err, "PWM-CONTROLLER-2 uses GPIO 8")
	_, err = pm.acquire(secmonmsg.Peripheral{Type: secmonmsg.PeripheralADC, Index: 1, Owner: mailbox.Appcore}, asFound)
	require.ErrorContains(t, err, "ADC-CONTROLLER-1 does not exist")

	pm.release(gpio(8, mailbox.Appcore, "hl"))
	pm.release(gpio(10, mailbox.Appcore, "hl"))
	_, err = pm.acquire(gpio(9, mailbox.RTCore0, "rt"), asFound)
	require.NoError(t, err, "the block is free once released")
}

// harness runs the Security Monitor with the test playing Pluton and the
// kernel.
type harness struct {
	s      *sim.Sim
	sm     *SecurityMonitor
	pluton *mailbox.Endpoint
	kernel *mailbox.Endpoint
	rtcore *mailbox.Endpoint
	device *mailbox.Endpoint
	rec    *trace.Recorder
}

func newHarness(t *testing.T) *harness {
	img, err := os.ReadFile("../testdata/images/blink.bin")
	require.NoError(t, err)
	flash, err := hw.NewFlash(image.DefaultFlashSize, img)
	require.NoError(t, err)
	h := &harness{s: sim.New(1), rec: &trace.Recorder{}}
	bus := mailbox.NewBus(h.s, trace.New(h.s.Now, h.rec))
	h.sm = New(Config{Flash: flash, Bus: bus, Tracer: trace.New(h.s.Now, h.rec)})
	h.pluton = bus.Open(mailbox.Pluton, 0)
	h.kernel = bus.Open(mailbox.Kernel, 0)
	h.rtcore = bus.Open(mailbox.RTCore0, 0)
	h.device = bus.Open(mailbox.Device, 0)
	h.s.Spawn("secmon", h.sm.Run)
	return h
}

// fakePluton releases the A7 and answers each VerifyImage with verdict(req, image).
func (h *harness) fakePluton(t *testing.T, verdict func(req plutonmsg.VerifyImage) plutonmsg.Verdict) {
	h.s.Spawn("pluton", func(p *sim.Proc) {
		h.pluton.Bind(p)
		_, err := h.pluton.Send(mailbox.Secmon, secmonmsg.KindBoot, (&secmonmsg.Boot{Config: []byte(`{"stage":"secmon","version":"t"}`)}).Marshal())
		require.NoError(t, err)
		for {
			m := h.pluton.Recv()
			req, err := plutonmsg.UnmarshalVerifyImage(m.Payload)
			require.NoError(t, err)
			v := verdict(req)
			_ = h.pluton.Reply(m, v.Marshal())
		}
	})
}

func honest(req plutonmsg.VerifyImage) plutonmsg.Verdict {
	pkg, err := image.ParsePackage(req.Image)
	if err != nil {
		return plutonmsg.Verdict{Stage: req.Stage, Reason: err.Error()}
	}
	return plutonmsg.Verdict{OK: true, Stage: req.Stage, ImageType: req.ImageType, Measurement: pkg.Digest()}
}

func TestBootsTheKernelAndServesOnlyTheKernel(t *testing.T) {
	h := newHarness(t)
	h.fakePluton(t, honest)
	var count uint32
	var rtErr, dupErr error
	h.s.Spawn("kernel", func(p *sim.Proc) {
		h.kernel.Bind(p)
		m := h.kernel.Recv()
		require.Equal(t, kernelmsg.KindStart, m.Kind)
		resp, err := h.kernel.Call(mailbox.Secmon, secmonmsg.KindGetApplicationImageCount, nil, sim.Second)
		require.NoError(t, err)
		count, err = secmonmsg.DecodeU32(resp)
		require.NoError(t, err)
		_, dupErr = h.kernel.Call(mailbox.Secmon, secmonmsg.KindReadApplicationImage, secmonmsg.EncodeU32(5), sim.Second)
	})
	h.s.Spawn("rtcore", func(p *sim.Proc) {
		h.rtcore.Bind(p)
		p.Sleep(100 * sim.Millisecond)
		_, rtErr = h.rtcore.Call(mailbox.Secmon, secmonmsg.KindReadApplicationImage, secmonmsg.EncodeU32(0), sim.Second)
	})
	h.s.Run(sim.Second)
	require.EqualValues(t, 1, count)
	var re *mailbox.RemoteError
	require.ErrorAs(t, rtErr, &re, "a real-time core may not read app images")
	require.Equal(t, secmonmsg.ErrDenied, re.Code)
	require.ErrorAs(t, dupErr, &re)
	require.Equal(t, secmonmsg.ErrNoSuchImage, re.Code)
	require.Len(t, h.rec.Named("secmon.compartment"), len(DefaultCompartments))
}

func TestHaltsOnARejectedOrMismatchedVerdict(t *testing.T) {
	cases := map[string]struct {
		verdict func(plutonmsg.VerifyImage) plutonmsg.Verdict
		reason  string
	}{
		"rejected": {func(r plutonmsg.VerifyImage) plutonmsg.Verdict {
			return plutonmsg.Verdict{Stage: r.Stage, Reason: "bad signature"}
		}, "bad signature"},
		"pass for other bytes": {func(r plutonmsg.VerifyImage) plutonmsg.Verdict {
			v := honest(r)
			v.Measurement[0] ^= 1
			return v
		}, "does not match the request"},
		"pass for another stage": {func(r plutonmsg.VerifyImage) plutonmsg.Verdict {
			v := honest(r)
			v.Stage = "rootfs"
			return v
		}, "does not match the request"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.fakePluton(t, c.verdict)
			started := false
			h.s.Spawn("kernel", func(p *sim.Proc) {
				h.kernel.Bind(p)
				h.kernel.Recv()
				started = true
			})
			h.s.Spawn("device", func(p *sim.Proc) { h.device.Bind(p); h.device.Recv() })
			h.s.Run(sim.Second)
			require.False(t, started, "the kernel was started")
			e, ok := h.rec.First("boot.halt", "stage", "kernel")
			require.True(t, ok)
			require.Contains(t, e.Str("reason"), c.reason)
		})
	}
}

// asFound is an unglitched compartment check.
func asFound(_ string, ok bool) bool { return ok }
