package secmon

import (
	"fmt"
	"slices"

	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Updates (docs/updates.md). The two locator copies are the device's A/B
// layouts. An update is staged image by image into flash that neither
// layout uses, each image verified by Pluton from the bytes in flash; the
// install then writes the new layout, generation + 1, over the older
// locator copy. The previous layout stays in the other copy as the
// fallback until the update is confirmed. A power cut at any flash
// operation leaves either the old layout (a torn table fails its CRC) or
// the complete new one.

// stagedImage is one image written into free flash, verified, waiting for
// the install.
type stagedImage struct {
	role      secmonmsg.UpdateRole
	imageType image.ImageType
	cid       image.GUID
	part      image.Partition
	digest    [32]byte
	svn       uint32
}

// readLayouts reads both locator copies and picks the one to boot.
func (s *SecurityMonitor) readLayouts() (image.Layouts, error) {
	primary, err := s.readFlash(image.LocatorOffset, image.EraseBlockSize)
	if err != nil {
		return image.Layouts{}, err
	}
	backup, err := s.readFlash(image.LocatorBackupOffset, image.EraseBlockSize)
	if err != nil {
		return image.Layouts{}, err
	}
	return image.ReadLayouts(primary, backup)
}

// copyOffset is where locator copy i (0 primary, 1 backup) lives.
func copyOffset(i int) uint32 {
	if i == 1 {
		return image.LocatorBackupOffset
	}
	return image.LocatorOffset
}

// writeLocator erases locator copy i and programs l into it, then reads it
// back: a copy that does not parse afterwards is an error.
func (s *SecurityMonitor) writeLocator(i int, l *image.Locator) error {
	table, err := l.Marshal()
	if err != nil {
		return err
	}
	off := copyOffset(i)
	s.proc.Sleep(costErase + int64(len(table))*costFlashPerByte)
	if err := s.flash.Erase(off); err != nil {
		return fmt.Errorf("erase locator copy %d: %w", i, err)
	}
	if err := s.flash.Program(off, table); err != nil {
		return fmt.Errorf("program locator copy %d: %w", i, err)
	}
	back, err := s.flash.Read(off, image.EraseBlockSize)
	if err != nil {
		return err
	}
	if _, err := image.ParseLocator(back); err != nil {
		return fmt.Errorf("locator copy %d does not read back: %w", i, err)
	}
	return nil
}

// updateRoles maps a staged role to the partition it replaces.
var updateRoles = map[secmonmsg.UpdateRole]struct {
	pt image.PartitionType
	it image.ImageType
}{
	secmonmsg.RoleApp:        {image.PartitionTypeApplications, image.ImageTypeApplications},
	secmonmsg.RoleKernel:     {image.PartitionTypeFirmware, image.ImageTypeNormalWorldKernel},
	secmonmsg.RoleRootFS:     {image.PartitionTypeFirmware, image.ImageTypeRootFs},
	secmonmsg.RoleCapability: {image.PartitionTypeBootManifest, image.ImageTypeFirmwareConfig},
}

// serveStage writes one update image into free flash and has Pluton
// verify what was written.
func (s *SecurityMonitor) serveStage(m mailbox.Message) {
	req, err := secmonmsg.UnmarshalStage(m.Payload)
	if err != nil {
		s.reject(m, secmonmsg.ErrBadRequest, err.Error())
		return
	}
	if s.layouts.Trial {
		s.reject(m, secmonmsg.ErrUpdate, "an update is on trial: it must be confirmed or reverted before another is staged")
		return
	}
	role, ok := updateRoles[req.Role]
	if !ok {
		s.reject(m, secmonmsg.ErrBadRequest, fmt.Sprintf("unknown update role %d", req.Role))
		return
	}
	size := (uint32(len(req.Image)) + image.EraseBlockSize - 1) / image.EraseBlockSize * image.EraseBlockSize
	if len(req.Image) == 0 || size > secmonmsg.MaxStagedImage {
		s.reject(m, secmonmsg.ErrUpdate, fmt.Sprintf("an update image of %d bytes is outside 1..%d", len(req.Image), secmonmsg.MaxStagedImage))
		return
	}
	off, ok := s.freeRegion(size)
	if !ok {
		s.reject(m, secmonmsg.ErrUpdate, fmt.Sprintf("no free flash for an update image of %d bytes", size))
		return
	}
	for b := off; b < off+size; b += image.EraseBlockSize {
		s.proc.Sleep(costErase)
		if err := s.flash.Erase(b); err != nil {
			s.reject(m, secmonmsg.ErrFlash, err.Error())
			return
		}
	}
	s.proc.Sleep(int64(len(req.Image)) * costFlashPerByte)
	if err := s.flash.Program(off, req.Image); err != nil {
		s.reject(m, secmonmsg.ErrFlash, err.Error())
		return
	}
	// Verify what flash holds, not what was sent: a write that went wrong
	// is caught here, before any layout refers to it.
	written, err := s.readFlash(off, uint32(len(req.Image)))
	if err != nil {
		s.reject(m, secmonmsg.ErrFlash, err.Error())
		return
	}
	want := uint16(role.it)
	if req.Role == secmonmsg.RoleApp {
		want = 0
	}
	vr := plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeStage, ImageType: want, Stage: "update:" + role.it.String(), Image: written}
	resp, err := s.ep.Call(mailbox.Pluton, plutonmsg.KindVerifyImage, vr.Marshal(), plutonTimeout)
	var v plutonmsg.Verdict
	if err == nil {
		v, err = plutonmsg.UnmarshalVerdict(resp)
	}
	if err != nil {
		s.reject(m, secmonmsg.ErrUpdate, "Pluton did not verify the staged image: "+err.Error())
		return
	}
	pkg, perr := image.ParsePackage(written)
	if !v.OK || perr != nil || v.Measurement != pkg.Digest() {
		why := v.Reason
		if why == "" && perr != nil {
			why = perr.Error()
		}
		if why == "" {
			why = "Pluton's verdict does not match the staged bytes"
		}
		s.tr.Emit(trace.Secmon, "update.refused", trace.Str("image", role.it.String()), trace.Str("reason", why))
		s.reject(m, secmonmsg.ErrUpdate, "image not trusted by device: "+why)
		return
	}
	st := stagedImage{role: req.Role, imageType: role.it, cid: pkg.Metadata.Identity.ComponentID, digest: v.Measurement, svn: v.SVN,
		part: image.Partition{Type: role.pt, ImageType: role.it, Offset: off, Size: size, Length: uint32(len(req.Image))}}
	// Staging the same component twice keeps the newer copy only.
	kept := s.staged[:0]
	for _, o := range s.staged {
		if o.role != st.role || (st.role == secmonmsg.RoleApp && o.cid != st.cid) {
			kept = append(kept, o)
		}
	}
	s.staged = append(kept, st)
	s.tr.Emit(trace.Secmon, "update.staged", trace.Str("image", role.it.String()), trace.Str("cid", st.cid.String()),
		trace.Uint("svn", uint64(st.svn)), trace.Str("offset", fmt.Sprintf("%#x", off)), trace.Int("bytes", int64(len(req.Image))))
	_ = s.ep.Reply(m, nil)
}

// freeRegion finds size bytes of block-aligned flash that neither layout
// nor a staged image uses, first fit after the locator copies.
func (s *SecurityMonitor) freeRegion(size uint32) (uint32, bool) {
	var used []image.Partition
	for _, l := range []*image.Locator{s.layouts.Current, s.layouts.Fallback} {
		if l != nil {
			used = append(used, l.Partitions...)
		}
	}
	for _, st := range s.staged {
		used = append(used, st.part)
	}
	limit := uint64(s.flash.Size())
	if s.layouts.Current != nil {
		limit = min(limit, uint64(s.layouts.Current.FlashSize))
	}
	off := uint64(image.LocatorBackupOffset + image.EraseBlockSize)
	for off+uint64(size) <= limit {
		clash := false
		for _, p := range used {
			if off < p.End() && uint64(p.Offset) < off+uint64(size) {
				off, clash = p.End(), true
				break
			}
		}
		if !clash {
			return uint32(off), true
		}
	}
	return 0, false
}

// newLayout is the current layout with every staged image in place of the
// image it replaces (or added, for a new app).
func (s *SecurityMonitor) newLayout() *image.Locator {
	cur := s.layouts.Current
	next := &image.Locator{FlashSize: cur.FlashSize, Generation: cur.Generation + 1, Partitions: append([]image.Partition(nil), cur.Partitions...)}
	for _, st := range s.staged {
		replaced := false
		for i, p := range next.Partitions {
			if p.Type != st.part.Type || p.ImageType != st.part.ImageType {
				continue
			}
			if st.role == secmonmsg.RoleApp && s.appComponent(p) != st.cid {
				continue
			}
			next.Partitions[i], replaced = st.part, true
			break
		}
		if !replaced {
			next.Partitions = append(next.Partitions, st.part)
		}
	}
	return next
}

// appComponent reads the component ID of the app package in p (zero if it
// does not parse).
func (s *SecurityMonitor) appComponent(p image.Partition) image.GUID {
	if p.Length == 0 {
		return image.GUID{}
	}
	b, err := s.readFlash(p.Offset, p.Length)
	if err != nil {
		return image.GUID{}
	}
	pkg, err := image.ParsePackage(b)
	if err != nil {
		return image.GUID{}
	}
	return pkg.Metadata.Identity.ComponentID
}

// serveInstall switches to the layout with the staged images: one locator
// write, over the older copy. An update of apps (or of the capability
// file) alone is confirmed at once (Pluton verifies them at every start);
// one that touches the OS is on trial until the kernel confirms it. OS and
// capability changes need a reboot.
func (s *SecurityMonitor) serveInstall(m mailbox.Message) {
	if len(s.staged) == 0 {
		s.reject(m, secmonmsg.ErrUpdate, "nothing is staged")
		return
	}
	next := s.newLayout()
	target := 1 - s.layouts.CurrentCopy
	if err := s.writeLocator(target, next); err != nil {
		s.reject(m, secmonmsg.ErrFlash, err.Error())
		return
	}
	osUpdate, reboot := false, false
	for _, st := range s.staged {
		osUpdate = osUpdate || st.role == secmonmsg.RoleKernel || st.role == secmonmsg.RoleRootFS
		reboot = reboot || st.role != secmonmsg.RoleApp
	}
	prev := s.layouts.Current
	s.layouts = image.Layouts{Current: next, CurrentCopy: target, Fallback: prev, Trial: true}
	s.locator = next
	s.staged = nil
	s.tr.Emit(trace.Secmon, "update.install", trace.Uint("generation", uint64(next.Generation)), trace.Bool("os", osUpdate))
	if !osUpdate {
		if err := s.confirm(); err != nil {
			s.reject(m, secmonmsg.ErrFlash, err.Error())
			return
		}
	}
	r := secmonmsg.Installed{Reboot: reboot, Generation: next.Generation}
	_ = s.ep.Reply(m, r.Marshal())
}

// confirm makes the trial layout final: the other locator copy gets the
// same partitions (a newer generation), so there is no fallback any more;
// then Pluton burns the anti-rollback counters it deferred.
func (s *SecurityMonitor) confirm() error {
	if !s.layouts.Trial {
		return nil
	}
	cur := s.layouts.Current
	final := &image.Locator{FlashSize: cur.FlashSize, Generation: cur.Generation + 1, Partitions: cur.Partitions}
	target := 1 - s.layouts.CurrentCopy
	if err := s.writeLocator(target, final); err != nil {
		return err
	}
	s.layouts = image.Layouts{Current: final, CurrentCopy: target}
	s.locator = final
	if _, err := s.ep.Call(mailbox.Pluton, plutonmsg.KindCommitRollback, nil, plutonTimeout); err != nil {
		return fmt.Errorf("Pluton did not commit the anti-rollback counters: %w", err)
	}
	s.tr.Emit(trace.Secmon, "update.confirm", trace.Uint("generation", uint64(final.Generation)))
	return nil
}

func (s *SecurityMonitor) serveConfirm(m mailbox.Message) {
	if err := s.confirm(); err != nil {
		s.reject(m, secmonmsg.ErrFlash, err.Error())
		return
	}
	_ = s.ep.Reply(m, nil)
}

// revert gives up a trial whose OS does not verify: the trial copy gets
// the fallback's partitions (a newer generation), and the device reboots
// into the previous images with a fresh measurement list.
func (s *SecurityMonitor) revert(stage, reason string) {
	fb := s.layouts.Fallback
	back := &image.Locator{FlashSize: fb.FlashSize, Generation: s.layouts.Current.Generation + 1, Partitions: fb.Partitions}
	s.tr.Emit(trace.Secmon, "update.revert", trace.Str("stage", stage), trace.Str("reason", reason))
	s.recordSecurityEvent(fmt.Sprintf("UpdateReverted (stage=%s; reason=%s)", stage, reason))
	if err := s.writeLocator(s.layouts.CurrentCopy, back); err != nil {
		s.halt(stage, "cannot revert the update: "+err.Error())
		return
	}
	_, _ = s.ep.Send(mailbox.Device, devicemsg.KindReboot, nil)
}

// appsOnly reports whether two layouts differ in application partitions
// (and the capability file) only.
func appsOnly(a, b *image.Locator) bool {
	strip := func(l *image.Locator) []image.Partition {
		var out []image.Partition
		for _, p := range l.Partitions {
			if p.Type != image.PartitionTypeApplications && p.Type != image.PartitionTypeBootManifest {
				out = append(out, p)
			}
		}
		return out
	}
	return slices.Equal(strip(a), strip(b))
}

// serveRemove uninstalls an app: a new layout without its partition,
// written over the older copy and then confirmed (two locator writes, as
// for an apps-only install).
func (s *SecurityMonitor) serveRemove(m mailbox.Message) {
	d := mailbox.NewDecoder(m.Payload)
	cidText := d.String()
	if err := d.Finish(); err != nil {
		s.reject(m, secmonmsg.ErrBadRequest, "UpdateRemove: "+err.Error())
		return
	}
	cid, err := image.ParseGUID(cidText)
	if err != nil {
		s.reject(m, secmonmsg.ErrBadRequest, "UpdateRemove: "+err.Error())
		return
	}
	if s.layouts.Trial {
		s.reject(m, secmonmsg.ErrUpdate, "an update is on trial: it must be confirmed or reverted first")
		return
	}
	cur := s.layouts.Current
	next := &image.Locator{FlashSize: cur.FlashSize, Generation: cur.Generation + 1}
	found := false
	for _, p := range cur.Partitions {
		if p.Type == image.PartitionTypeApplications && !found && s.appComponent(p) == cid {
			found = true
			continue
		}
		next.Partitions = append(next.Partitions, p)
	}
	if !found {
		s.reject(m, secmonmsg.ErrNoSuchImage, fmt.Sprintf("no installed app has component ID %s", cid))
		return
	}
	target := 1 - s.layouts.CurrentCopy
	if err := s.writeLocator(target, next); err != nil {
		s.reject(m, secmonmsg.ErrFlash, err.Error())
		return
	}
	s.layouts = image.Layouts{Current: next, CurrentCopy: target, Fallback: cur, Trial: true}
	s.locator = next
	s.tr.Emit(trace.Secmon, "update.remove", trace.Str("cid", cid.String()), trace.Uint("generation", uint64(next.Generation)))
	if err := s.confirm(); err != nil {
		s.reject(m, secmonmsg.ErrFlash, err.Error())
		return
	}
	_ = s.ep.Reply(m, nil)
}
