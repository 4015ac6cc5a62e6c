// Package secmon is the Security Monitor: the A7's secure-world firmware. It
// owns flash and the compartment map, verifies the OS images through Pluton,
// starts the kernel, and then answers the kernel through a deny-by-default
// request interface (read an app image, acquire a peripheral, …).
package secmon

import (
	"encoding/json"
	"fmt"

	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Cost model, in virtual time (emulator-defined).
const (
	costFlashPerByte = 20 * sim.Nanosecond
	costCompartment  = 5 * sim.Microsecond
	costErase        = 40 * sim.Millisecond // one 4 KiB NOR block erase
)

// plutonTimeout bounds every request to Pluton.
const plutonTimeout = 1 * sim.Second

// Config holds what the Security Monitor is built from.
type Config struct {
	Flash  *hw.Flash
	Bus    *mailbox.Bus
	Tracer *trace.Tracer
	// Glitch, if set, may glitch the Security Monitor's compartment checks
	// (fault injection).
	Glitch glitch.Injector
}

// SecurityMonitor is one device's Security Monitor.
type SecurityMonitor struct {
	flash        *hw.Flash
	ep           *mailbox.Endpoint
	tr           *trace.Tracer
	proc         *sim.Proc
	locator      *image.Locator
	compartments *Compartments
	peripherals  *peripheralMap
	telemetry    *telemetryStore // mounted at first use
	storage      *storageStore   // mounted at first use
	layouts      image.Layouts   // the two locator copies as read at boot, updated by installs
	staged       []stagedImage   // update images written and verified, not yet installed
	rtRunning    [2]string       // the component ID each real-time core runs ("" when stopped)
	glitch       glitch.Injector
}

// New builds the Security Monitor and opens its mailbox endpoint.
func New(c Config) *SecurityMonitor {
	return &SecurityMonitor{
		flash:       c.Flash,
		ep:          c.Bus.Open(mailbox.Secmon, 0),
		tr:          c.Tracer,
		peripherals: newPeripheralMap(),
		glitch:      c.Glitch,
	}
}

// Compartments returns the programmed compartment map (nil before boot).
func (s *SecurityMonitor) Compartments() *Compartments { return s.compartments }

// Run is the Security Monitor's process: wait for Pluton to release the A7,
// boot the OS, then serve requests.
func (s *SecurityMonitor) Run(proc *sim.Proc) {
	s.proc = proc
	s.ep.Bind(proc)
	for {
		m := s.ep.Recv()
		if m.Kind == secmonmsg.KindBoot && m.From == mailbox.Pluton {
			if s.boot(m) {
				s.serve()
			}
			return
		}
		s.reject(m, secmonmsg.ErrDenied, "the Security Monitor has not booted")
	}
}

func (s *SecurityMonitor) halt(stage, reason string) {
	s.tr.Emit(trace.Secmon, "boot.halt", trace.Str("stage", stage), trace.Str("reason", reason))
	h := devicemsg.Halt{Stage: stage, Reason: reason}
	_, _ = s.ep.Send(mailbox.Device, devicemsg.KindHalt, h.Marshal())
}

func (s *SecurityMonitor) boot(m mailbox.Message) bool {
	b, err := secmonmsg.UnmarshalBoot(m.Payload)
	var cfg image.StageConfig
	if err == nil {
		err = json.Unmarshal(b.Config, &cfg)
	}
	if err != nil {
		s.halt("secmon", "bad Security Monitor configuration: "+err.Error())
		return false
	}
	s.tr.Emit(trace.Secmon, "secmon.start", trace.Str("version", cfg.Version))

	comp, err := NewCompartments(DefaultCompartments)
	if err != nil {
		s.halt("secmon", err.Error())
		return false
	}
	for _, r := range comp.Regions() {
		s.proc.Sleep(costCompartment)
		s.tr.Emit(trace.Secmon, "secmon.compartment", trace.Str("name", r.Name), trace.Str("view", string(r.View)),
			trace.Str("base", fmt.Sprintf("%#08x", r.Base)), trace.Uint("size", r.Size), trace.Str("owner", r.Owner.String()))
	}
	s.compartments = comp

	if s.layouts, err = s.readLayouts(); err != nil {
		s.halt("secmon", err.Error())
		return false
	}
	s.locator = s.layouts.Current
	if s.layouts.Trial {
		s.tr.Emit(trace.Secmon, "update.trial", trace.Uint("generation", uint64(s.layouts.Current.Generation)),
			trace.Uint("fallback", uint64(s.layouts.Fallback.Generation)))
		// An install of apps alone is final at once; a power cut between
		// its two locator writes leaves it on trial, so finish it now.
		if appsOnly(s.layouts.Current, s.layouts.Fallback) {
			if err := s.confirm(); err != nil {
				s.tr.Emit(trace.Secmon, "update.error", trace.Str("reason", err.Error()))
			}
		}
	}
	kernel, ok := s.verifyOS("kernel", image.ImageTypeNormalWorldKernel)
	if !ok {
		return false
	}
	rootfs, ok := s.verifyOS("rootfs", image.ImageTypeRootFs)
	if !ok {
		return false
	}
	start := kernelmsg.Start{Kernel: kernel, RootFS: rootfs}
	s.tr.Emit(trace.Secmon, "kernel.release")
	if _, err := s.ep.Send(mailbox.Kernel, kernelmsg.KindStart, start.Marshal()); err != nil {
		s.halt("kernel", "cannot start the kernel: "+err.Error())
		return false
	}
	return true
}

func (s *SecurityMonitor) readFlash(off, n uint32) ([]byte, error) {
	s.proc.Sleep(int64(n) * costFlashPerByte)
	return s.flash.Read(off, n)
}

// verifyOS reads an OS image, has Pluton verify it, and returns its payload.
// OS images have no backup copy: a bad one halts the boot.
func (s *SecurityMonitor) verifyOS(stage string, t image.ImageType) ([]byte, bool) {
	p, ok := s.locator.Find(image.PartitionTypeFirmware, t)
	if !ok {
		s.failOS(stage, fmt.Sprintf("no Firmware partition for %s", t))
		return nil, false
	}
	raw, err := s.readFlash(p.Offset, p.Length)
	if err != nil {
		s.failOS(stage, err.Error())
		return nil, false
	}
	req := plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeOS, ImageType: uint16(t), Stage: stage, Image: raw}
	if s.layouts.Trial {
		req.Flags = plutonmsg.FlagTrial
	}
	resp, err := s.ep.Call(mailbox.Pluton, plutonmsg.KindVerifyImage, req.Marshal(), plutonTimeout)
	if err != nil {
		s.failOS(stage, "Pluton did not verify the image: "+err.Error())
		return nil, false
	}
	v, err := plutonmsg.UnmarshalVerdict(resp)
	if err != nil {
		s.failOS(stage, "bad verdict from Pluton: "+err.Error())
		return nil, false
	}
	if !v.OK {
		s.recordSecurityEvent(fmt.Sprintf("SecurityEvent (check=os-verify; stage=%s; reason=%s)", stage, v.Reason))
		s.failOS(stage, v.Reason)
		return nil, false
	}
	pkg, err := image.ParsePackage(raw)
	if err != nil { // cannot happen after Pluton's check, unless something was faulted
		s.failOS(stage, "Pluton passed an image that does not parse: "+err.Error())
		return nil, false
	}
	// The verdict must answer this request about these bytes: a corrupted
	// or replayed reply must not let another image through.
	if v.Stage != stage || v.ImageType != uint16(t) || v.Measurement != pkg.Digest() {
		s.failOS(stage, fmt.Sprintf("Pluton's verdict does not match the request (stage %q, type %d, measurement %x): corrupted reply?", v.Stage, v.ImageType, v.Measurement[:8]))
		return nil, false
	}
	return pkg.Payload, true
}

// failOS ends a boot whose OS image is unusable: an update on trial is
// reverted to the previous layout (and the device reboots into it); a
// layout without a fallback halts.
func (s *SecurityMonitor) failOS(stage, reason string) {
	if s.layouts.Trial && s.layouts.Fallback != nil {
		s.revert(stage, reason)
		return
	}
	s.halt(stage, reason)
}
