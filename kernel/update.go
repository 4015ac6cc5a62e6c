package kernel

import (
	"errors"
	"fmt"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// UpdateImage is one image of an update: an app package, or the kernel or
// root file system of an OS release.
type UpdateImage struct {
	Role    secmonmsg.UpdateRole
	Package []byte
}

// Update is a set of images to install together, and where it came from
// (for traces and error reports: "ota", "sideload", a test's name).
type Update struct {
	Source string
	Images []UpdateImage
}

// RequestUpdate asks the kernel to install u as soon as it runs next. Call
// it from a scheduler event (sim.Sim.Schedule): the work itself runs in the
// kernel's process, which alone may talk to the Security Monitor.
func (k *Kernel) RequestUpdate(u Update) {
	k.after(0, func() {
		if err := k.installUpdate(u); err != nil {
			k.tr.Emit(trace.Kernel, "update.failed", trace.Str("source", u.Source), trace.Str("reason", err.Error()))
		}
	})
	k.Interrupt()
}

// installUpdate stages every image through the Security Monitor (which has
// Pluton verify each in flash), installs them as one new layout, and then
// restarts the updated app or reboots into the new OS.
func (k *Kernel) installUpdate(u Update) error {
	if len(u.Images) == 0 {
		return errors.New("an update with no images")
	}
	var apps []string
	for _, img := range u.Images {
		pkg, err := image.ParsePackage(img.Package)
		if err != nil {
			return fmt.Errorf("update image: %w", err)
		}
		cid := pkg.Metadata.Identity.ComponentID.String()
		k.tr.Emit(trace.Kernel, "update.stage", trace.Str("source", u.Source), trace.Str("image", pkg.Metadata.Identity.Type.String()),
			trace.Str("cid", cid), trace.Uint("svn", uint64(pkg.Metadata.SecurityVersion())), trace.Int("bytes", int64(len(img.Package))))
		st := secmonmsg.Stage{Role: img.Role, Image: img.Package}
		if _, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindUpdateStage, st.Marshal(), updateTimeout); err != nil {
			return fmt.Errorf("stage %s: %w", cid, remoteText(err))
		}
		if img.Role == secmonmsg.RoleApp {
			apps = append(apps, cid)
		}
	}
	resp, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindUpdateInstall, nil, updateTimeout)
	if err != nil {
		return fmt.Errorf("install: %w", remoteText(err))
	}
	in, err := secmonmsg.UnmarshalInstalled(resp)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	k.tr.Emit(trace.Kernel, "update.installed", trace.Str("source", u.Source), trace.Uint("generation", uint64(in.Generation)), trace.Bool("reboot", in.Reboot))
	if in.Reboot {
		k.recordEvent(kernelmsg.EventPlanned, kernelmsg.ClassOS, fmt.Sprintf("OSUpdate (source=%s; generation=%d)", u.Source, in.Generation))
		if k.app != nil {
			k.startPowerAction(&powerAction{reboot: true}, "os-update")
		} else {
			k.power.pending = &powerAction{reboot: true, reason: "os-update"}
			k.finishPowerAction()
		}
		return nil
	}
	for _, cid := range apps {
		k.recordEvent(kernelmsg.EventPlanned, kernelmsg.ClassApp, fmt.Sprintf("AppUpdate (source=%s; component_id=%s)", u.Source, cid))
	}
	k.restartUpdatedApps(apps)
	return nil
}

// restartUpdatedApps stops a running high-level app an update replaced and
// loads the new version from flash (verified again by Pluton, as at boot);
// a new high-level app starts if none runs. Real-time apps take their
// update at the next boot.
func (k *Kernel) restartUpdatedApps(cids []string) {
	updated := map[string]bool{}
	for _, c := range cids {
		updated[c] = true
	}
	if k.app != nil && updated[k.app.cid] {
		old := k.app
		k.onAppStopped = func() {
			k.releaseApp(old)
			k.app = nil
			k.loadApps(updated)
		}
		k.stopApp("app-update")
		return
	}
	if k.app == nil {
		k.loadApps(updated)
	}
}

// loadApps loads, from flash, the installed apps whose component IDs are in
// want.
func (k *Kernel) loadApps(want map[string]bool) {
	resp, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindGetApplicationImageCount, nil, secmonTimeout)
	var n uint32
	if err == nil {
		n, err = secmonmsg.DecodeU32(resp)
	}
	if err != nil {
		k.tr.Emit(trace.Kernel, "update.failed", trace.Str("source", "restart"), trace.Str("reason", "cannot list application images: "+err.Error()))
		return
	}
	for i := uint32(0); i < min(n, maxAppImages); i++ {
		raw, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindReadApplicationImage, secmonmsg.EncodeU32(i), secmonTimeout)
		if err != nil {
			continue
		}
		pkg, err := image.ParsePackage(raw)
		if err != nil || !want[pkg.Metadata.Identity.ComponentID.String()] {
			continue
		}
		if pkg.Metadata.Identity.Type == image.ImageTypeApplications {
			k.loadApp(i)
		}
	}
}

// releaseApp gives back the peripherals of an app that ended for good.
func (k *Kernel) releaseApp(p *process) {
	claims, err := peripheralClaims(p.manifest)
	if err != nil {
		return
	}
	for _, c := range claims {
		_, _ = k.ep.Call(mailbox.Secmon, secmonmsg.KindPeripheralRelease, c.Marshal(), secmonTimeout)
	}
}

// confirmUpdate tells the Security Monitor that this boot attested: an
// update on trial becomes final (a no-op otherwise).
func (k *Kernel) confirmUpdate() {
	if _, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindUpdateConfirm, nil, updateTimeout); err != nil {
		k.tr.Emit(trace.Kernel, "update.failed", trace.Str("source", "confirm"), trace.Str("reason", remoteText(err).Error()))
	}
}

// remoteText unwraps a Security Monitor refusal to its sentence.
func remoteText(err error) error {
	var re *mailbox.RemoteError
	if errors.As(err, &re) {
		return errors.New(re.Text)
	}
	return err
}
