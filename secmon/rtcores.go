package secmon

import (
	"fmt"
	"strings"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/rtcore/rtcoremsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Physical layout a real-time core's firewall is built from (M4 view;
// reference §1.3). The intercore buffers live in the A7's SYSRAM; their
// place is emulator-defined (SharedBufferBase).
const (
	rtTCMBase       = 0x00100000
	rtTCMSize       = 192 << 10
	rtSYSRAMBase    = 0x22000000
	rtSYSRAMSize    = 64 << 10
	rtCorePeriph    = 0x21000000
	rtCorePeriphLen = 0x70000
	rtNVIC          = 0xE000E000
	rtNVICLen       = 0x1000
	ioBlock         = 0x10000
	adcBlockBase    = 0x38000000
	gpioBlockBase   = 0x38010000
	isuBlockBase    = 0x38070000
)

// rtAddr is the mailbox address of real-time core n.
func rtAddr(core uint8) mailbox.Addr {
	if core == 1 {
		return mailbox.RTCore1
	}
	return mailbox.RTCore0
}

// blockOf returns the register block (name, base) a peripheral claim maps
// into the real-time core's address space.
func blockOf(p secmonmsg.Peripheral) (string, uint32, error) {
	i := uint32(p.Index)
	switch p.Type {
	case secmonmsg.PeripheralGPIO:
		switch {
		case i < 24:
			return fmt.Sprintf("gpio-block%d", i/4), gpioBlockBase + (i/4)*ioBlock, nil
		case i >= 41 && i <= 48:
			return "adc-block", adcBlockBase, nil
		}
		for n, r := range isuPins {
			if int(i) >= r[0] && int(i) <= r[1] {
				return fmt.Sprintf("isu%d-block", n), isuBlockBase + uint32(n)*ioBlock, nil
			}
		}
		return "", 0, fmt.Errorf("GPIO %d has no register block a real-time core can map", i)
	case secmonmsg.PeripheralPWM:
		return fmt.Sprintf("pwm%d-block", i), gpioBlockBase + i*ioBlock, nil
	case secmonmsg.PeripheralADC:
		return "adc-block", adcBlockBase, nil
	case secmonmsg.PeripheralUART, secmonmsg.PeripheralI2C, secmonmsg.PeripheralSPIMaster:
		return fmt.Sprintf("isu%d-block", i), isuBlockBase + i*ioBlock, nil
	}
	return "", 0, fmt.Errorf("peripheral type %s cannot be mapped to a real-time core", p.Type)
}

// rtRegions is the firewall of a real-time core running one app: its own
// memories and registers, the NVIC, its intercore buffers, and the register
// blocks of the peripherals it owns.
func rtRegions(core uint8, claims []secmonmsg.Peripheral) ([]rtcoremsg.Region, error) {
	rw := uint8(rtcoremsg.AccessRead | rtcoremsg.AccessWrite)
	rs := []rtcoremsg.Region{
		{Name: "tcm", Base: rtTCMBase, Size: rtTCMSize, Access: rw},
		{Name: "sysram", Base: rtSYSRAMBase, Size: rtSYSRAMSize, Access: rw},
		{Name: "core-peripherals", Base: rtCorePeriph, Size: rtCorePeriphLen, Access: rw},
		{Name: "nvic", Base: rtNVIC, Size: rtNVICLen, Access: rw},
		{Name: "intercore-buffers", Base: secmonmsg.SharedBufferBase + uint32(core)*secmonmsg.SharedBufferSize, Size: secmonmsg.SharedBufferSize, Access: rw},
	}
	seen := map[uint32]bool{}
	for _, p := range claims {
		name, base, err := blockOf(p)
		if err != nil {
			return nil, err
		}
		if !seen[base] {
			seen[base] = true
			rs = append(rs, rtcoremsg.Region{Name: name, Base: base, Size: ioBlock, Access: rw})
		}
	}
	return rs, nil
}

// serveStartRTCore loads an app into a real-time core: the Security Monitor
// finds the image by component ID in flash, has Pluton verify it, checks
// the claimed peripherals are mapped to that core, programs the core's
// firewall and starts it.
func (s *SecurityMonitor) serveStartRTCore(m mailbox.Message) {
	req, err := secmonmsg.UnmarshalStartRTCore(m.Payload)
	if err != nil {
		s.reject(m, secmonmsg.ErrBadRequest, err.Error())
		return
	}
	core := rtAddr(req.Core)
	if req.Core > 1 {
		s.reject(m, secmonmsg.ErrNoSuchDevice, fmt.Sprintf("there is no real-time core %d", req.Core))
		return
	}
	if running := s.rtRunning[req.Core]; running != "" {
		s.reject(m, secmonmsg.ErrDenied, fmt.Sprintf("%s already runs %s", core, running))
		return
	}
	for i := range req.Peripherals {
		req.Peripherals[i].Owner, req.Peripherals[i].ComponentID = core, req.ComponentID
		if !s.peripherals.owns(req.Peripherals[i]) {
			s.reject(m, secmonmsg.ErrDenied, fmt.Sprintf("%s %d is not mapped to %s for %s", req.Peripherals[i].Type, req.Peripherals[i].Index, core, req.ComponentID))
			return
		}
	}
	wasm, name, err := s.loadRTImage(req.ComponentID)
	if err != nil {
		s.reject(m, secmonmsg.ErrNoSuchImage, err.Error())
		return
	}
	regions, err := rtRegions(req.Core, req.Peripherals)
	if err != nil {
		s.reject(m, secmonmsg.ErrNoSuchDevice, err.Error())
		return
	}
	for _, r := range regions {
		s.tr.Emit(trace.Secmon, "rt.firewall", trace.Str("core", core.String()), trace.Str("region", r.Name),
			trace.Str("base", fmt.Sprintf("%#08x", r.Base)), trace.Uint("size", uint64(r.Size)))
	}
	start := rtcoremsg.Start{ComponentID: req.ComponentID, Name: name, Regions: regions, Wasm: wasm}
	if _, err := s.ep.Send(core, rtcoremsg.KindStart, start.Marshal()); err != nil {
		s.reject(m, secmonmsg.ErrNoSuchDevice, "cannot reach "+core.String()+": "+err.Error())
		return
	}
	s.rtRunning[req.Core] = req.ComponentID
	s.tr.Emit(trace.Secmon, "rt.load", trace.Str("core", core.String()), trace.Str("cid", req.ComponentID), trace.Int("wasm_bytes", int64(len(wasm))))
	_ = s.ep.Reply(m, nil)
}

// loadRTImage finds the Applications package with a component ID, has
// Pluton verify it, and returns its entry point's bytes and name.
func (s *SecurityMonitor) loadRTImage(cid string) ([]byte, string, error) {
	for _, p := range s.appPartitions() {
		raw, err := s.readFlash(p.Offset, p.Length)
		if err != nil {
			continue
		}
		pkg, err := image.ParsePackage(raw)
		if err != nil || !strings.EqualFold(pkg.Metadata.Identity.ComponentID.String(), cid) {
			continue
		}
		req := plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeApp, Stage: "app:" + cid, Image: raw}
		resp, err := s.ep.Call(mailbox.Pluton, plutonmsg.KindVerifyImage, req.Marshal(), plutonTimeout)
		if err != nil {
			return nil, "", fmt.Errorf("Pluton did not verify %s: %w", cid, err)
		}
		v, err := plutonmsg.UnmarshalVerdict(resp)
		if err != nil || !v.OK || v.Measurement != pkg.Digest() {
			return nil, "", fmt.Errorf("image of %s not trusted by device: %s", cid, v.Reason)
		}
		fs, err := image.ParseFS(pkg.Payload)
		if err != nil {
			return nil, "", err
		}
		mf, ok := fs.Lookup("app_manifest.json")
		if !ok {
			return nil, "", fmt.Errorf("%s has no app_manifest.json", cid)
		}
		man, err := manifest.Parse(mf.Data)
		if err != nil {
			return nil, "", err
		}
		if man.ApplicationType != manifest.RealTimeCapable {
			return nil, "", fmt.Errorf("%s is not a real-time capable app", cid)
		}
		entry, ok := fs.Lookup(strings.TrimPrefix(man.EntryPoint, "/"))
		if !ok {
			return nil, "", fmt.Errorf("%s: entry point %s is missing", cid, man.EntryPoint)
		}
		return entry.Data, man.Name, nil
	}
	return nil, "", fmt.Errorf("no application image with component ID %s", cid)
}

// forwardRTStopped passes a real-time core's report on to the kernel. A
// core can only report the end of the app it was started with: anything
// else is forged (a hostile core naming another core's app) and dropped.
func (s *SecurityMonitor) forwardRTStopped(m mailbox.Message) {
	st, err := rtcoremsg.UnmarshalStopped(m.Payload)
	if err != nil {
		s.tr.Emit(trace.Secmon, "request.reject", trace.Str("from", m.From.String()), trace.Str("reason", err.Error()))
		return
	}
	idx := 0
	if m.From == mailbox.RTCore1 {
		idx = 1
	}
	if running := s.rtRunning[idx]; running == "" || running != st.ComponentID {
		s.tr.Emit(trace.Secmon, "request.reject", trace.Str("from", m.From.String()), trace.Str("kind", mailbox.KindName(m)),
			trace.Str("reason", fmt.Sprintf("%s reports %s stopped, but it runs %q", m.From, st.ComponentID, running)))
		return
	}
	s.rtRunning[idx] = ""
	n := kernelmsg.RTStopped{Core: m.From.String(), ComponentID: st.ComponentID, Reason: st.Reason, Detail: st.Detail}
	_, _ = s.ep.Send(mailbox.Kernel, kernelmsg.KindRTStopped, n.Marshal())
}
