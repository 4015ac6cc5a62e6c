package pluton

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/sphere-emu/sphere-emu/attest"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// loadCapabilities reads the device's capability file, if its flash holds
// one, at boot: a FirmwareConfig package signed by a platform key and
// issued for this device's ID. A file that fails any check grants nothing.
func (p *Pluton) loadCapabilities() {
	pa, ok := p.locator.Find(image.PartitionTypeBootManifest, image.ImageTypeFirmwareConfig)
	if !ok || pa.Length == 0 {
		return
	}
	raw, err := p.readFlash(pa.Offset, pa.Length)
	var caps []uint16
	if err == nil {
		caps, err = p.checkCapabilityFile(raw)
	}
	if err != nil {
		p.tr.Emit(trace.Pluton, "capability.refused", trace.Str("reason", err.Error()))
		return
	}
	p.capabilities = caps
	p.tr.Emit(trace.Pluton, "capability.load", trace.Str("capabilities", capabilityList(caps)))
}

// checkCapabilityFile verifies a capability file for this device and
// returns what it grants.
func (p *Pluton) checkCapabilityFile(raw []byte) ([]uint16, error) {
	p.proc.Sleep(int64(len(raw))*costHashPerByte + costVerify)
	pkg, err := image.ParsePackage(raw)
	if err != nil {
		return nil, err
	}
	if pkg.Metadata.Identity.Type != image.ImageTypeFirmwareConfig {
		return nil, fmt.Errorf("a %s image is not a capability file", pkg.Metadata.Identity.Type)
	}
	key, err := p.signer(pkg, image.UsagePlatform)
	if err != nil {
		return nil, err
	}
	if err := pkg.VerifySignatureMemo(key, p.signatures); err != nil {
		return nil, err
	}
	c, err := image.ParseCapabilityPayload(pkg.Payload)
	if err != nil {
		return nil, err
	}
	id := publicXY(&p.identity.PublicKey)
	var mismatch error
	if !bytes.Equal(c.DeviceID[:], id[:]) {
		mismatch = fmt.Errorf("the capability file is for device %x…, not this one", c.DeviceID[:8])
	}
	if err := p.glitched(glitch.PlutonCapability, pkg, mismatch); err != nil {
		return nil, err
	}
	return c.Capabilities, nil
}

// hasCapability reports whether the device holds capability c.
func (p *Pluton) hasCapability(c uint16) bool { return slices.Contains(p.capabilities, c) }

func capabilityList(caps []uint16) string {
	var b bytes.Buffer
	for i, c := range caps {
		if i > 0 {
			b.WriteByte(',')
		}
		if n, ok := image.CapabilityNames[c]; ok {
			b.WriteString(n)
		} else {
			fmt.Fprintf(&b, "%d", c)
		}
	}
	return b.String()
}

// serveCapabilities answers IsCapabilityEnabled (u16 → u8) and
// GetEnabledCapabilities (→ the list, as plutonmsg.MarshalCapabilities).
func (p *Pluton) serveCapabilities(m mailbox.Message) {
	if m.Kind == plutonmsg.KindGetEnabledCapabilities {
		_ = p.ep.Reply(m, plutonmsg.MarshalCapabilities(p.capabilities))
		return
	}
	d := mailbox.NewDecoder(m.Payload)
	c := d.U16()
	if err := d.Finish(); err != nil {
		p.reject(m, mailbox.ErrCodeMalformed, "IsCapabilityEnabled: "+err.Error())
		return
	}
	var yes uint8
	if p.hasCapability(c) {
		yes = 1
	}
	_ = p.ep.Reply(m, []byte{yes})
}

// serveStageCapability checks a capability file the Security Monitor is
// about to install: signed by a platform key, for this device.
func (p *Pluton) serveStageCapability(m mailbox.Message, req plutonmsg.VerifyImage) {
	v := plutonmsg.Verdict{Stage: req.Stage}
	pkg, perr := image.ParsePackage(req.Image)
	caps, err := p.checkCapabilityFile(req.Image)
	if perr == nil {
		v.Measurement = pkg.Digest()
		v.ImageType = uint16(pkg.Metadata.Identity.Type)
		v.ComponentID = pkg.Metadata.Identity.ComponentID
		v.Signer = pkg.Metadata.Signing.Thumbprint
	}
	v.OK = err == nil
	if err != nil {
		v.Reason = err.Error()
	}
	p.tr.Emit(trace.Pluton, "capability.check", trace.Bool("ok", v.OK), trace.Str("capabilities", capabilityList(caps)), trace.Str("reason", v.Reason))
	_ = p.ep.Reply(m, v.Marshal())
}

// debugStatus is the EAT dbgstat claim: enabled on a development device.
func debugStatus(development bool) uint {
	if development {
		return attest.DebugEnabled
	}
	return attest.DebugDisabledPermanently
}
