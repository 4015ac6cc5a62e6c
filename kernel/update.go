package kernel

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/service/api"
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
		cid, err := k.stageImage(u.Source, img)
		if err != nil {
			return err
		}
		if img.Role == secmonmsg.RoleApp {
			apps = append(apps, cid)
		}
	}
	return k.installStaged(u.Source, apps, true)
}

// stageImage has the Security Monitor write one image into free flash and
// Pluton verify it there; it returns the image's component ID.
func (k *Kernel) stageImage(source string, img UpdateImage) (string, error) {
	pkg, err := image.ParsePackage(img.Package)
	if err != nil {
		return "", fmt.Errorf("update image: %w", err)
	}
	cid := pkg.Metadata.Identity.ComponentID.String()
	k.tr.Emit(trace.Kernel, "update.stage", trace.Str("source", source), trace.Str("image", pkg.Metadata.Identity.Type.String()),
		trace.Str("cid", cid), trace.Uint("svn", uint64(pkg.Metadata.SecurityVersion())), trace.Int("bytes", int64(len(img.Package))))
	st := secmonmsg.Stage{Role: img.Role, Image: img.Package}
	if _, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindUpdateStage, st.Marshal(), updateTimeout); err != nil {
		return "", fmt.Errorf("stage %s: %w", cid, remoteText(err))
	}
	return cid, nil
}

// installStaged installs what is staged as one new layout; then the device
// reboots (an OS or capability change) or the updated apps restart (start
// false: they stay stopped, sideloading's "Manual" app control mode).
func (k *Kernel) installStaged(source string, apps []string, start bool) error {
	resp, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindUpdateInstall, nil, updateTimeout)
	if err != nil {
		return fmt.Errorf("install: %w", remoteText(err))
	}
	in, err := secmonmsg.UnmarshalInstalled(resp)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	k.tr.Emit(trace.Kernel, "update.installed", trace.Str("source", source), trace.Uint("generation", uint64(in.Generation)), trace.Bool("reboot", in.Reboot))
	if in.Reboot {
		k.recordEvent(kernelmsg.EventPlanned, kernelmsg.ClassOS, fmt.Sprintf("OSUpdate (source=%s; generation=%d)", source, in.Generation))
		k.rebootFor("os-update")
		return nil
	}
	for _, cid := range apps {
		k.recordEvent(kernelmsg.EventPlanned, kernelmsg.ClassApp, fmt.Sprintf("AppUpdate (source=%s; component_id=%s)", source, cid))
	}
	if start {
		k.restartUpdatedApps(apps)
	} else if k.app != nil && slices.Contains(apps, k.app.cid) {
		old := k.app
		k.onAppStopped = func() { k.releaseApp(old); k.app = nil }
		k.stopApp("app-update")
	}
	return nil
}

// rebootFor stops the app and reboots the device.
func (k *Kernel) rebootFor(why string) {
	if k.app != nil {
		k.startPowerAction(&powerAction{reboot: true}, why)
		return
	}
	k.power.pending = &powerAction{reboot: true, reason: why}
	k.finishPowerAction()
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

// errTooLong marks an answer cut off at its bound.
var errTooLong = errors.New("too long")

// otaRoles maps the image types an update set may carry to their roles.
var otaRoles = map[image.ImageType]secmonmsg.UpdateRole{
	image.ImageTypeApplications:      secmonmsg.RoleApp,
	image.ImageTypeNormalWorldKernel: secmonmsg.RoleKernel,
	image.ImageTypeRootFs:            secmonmsg.RoleRootFS,
}

// checkForUpdates asks the service which images the device should run,
// downloads those it does not run (its measurement list says what it
// runs), checks each against the set — size, SHA-256 — and installs them
// all together, or none.
func (k *Kernel) checkForUpdates() error {
	resp, err := k.ep.Call(mailbox.Pluton, plutonmsg.KindGetMeasurements, nil, plutonTimeout)
	if err != nil {
		return fmt.Errorf("GetMeasurements: %w", err)
	}
	meas, err := plutonmsg.UnmarshalMeasurements(resp)
	if err != nil {
		return fmt.Errorf("GetMeasurements: %w", err)
	}
	installed := map[[32]byte]bool{}
	check := api.UpdateCheck{OSVersion: k.version}
	for _, m := range meas {
		installed[m.Digest] = true
		check.Installed = append(check.Installed, append([]byte(nil), m.Digest[:]...))
	}
	body, _ := json.Marshal(check)
	var set api.UpdateSet
	if err := k.serviceJSON(api.PathUpdates, "application/json", body, &k.certs.update, &set); err != nil {
		return err
	}
	u := Update{Source: "ota"}
	if set.DeploymentID != "" {
		u.Source = "ota:" + set.DeploymentID
	}
	// If the OS changes at all, every OS image of the set is fetched, so
	// that the whole OS to be — changed and kept images — is checked to
	// be one release (mix-and-match).
	osChanges := false
	for _, im := range set.Images {
		var d [32]byte
		copy(d[:], im.SHA256)
		osChanges = osChanges || (image.ImageType(im.ImageType) != image.ImageTypeApplications && !installed[d])
	}
	var osSet Update
	for _, im := range set.Images {
		var d [32]byte
		if len(im.SHA256) != len(d) {
			return k.refuseUpdate(im, "the update set names an image without a SHA-256")
		}
		copy(d[:], im.SHA256)
		isOS := image.ImageType(im.ImageType) != image.ImageTypeApplications
		if installed[d] && !(isOS && osChanges) {
			continue
		}
		role, ok := otaRoles[image.ImageType(im.ImageType)]
		if !ok {
			return k.refuseUpdate(im, fmt.Sprintf("image type %d cannot be updated over the air", im.ImageType))
		}
		if im.Size <= 0 || im.Size > api.MaxUpdateImage {
			return k.refuseUpdate(im, fmt.Sprintf("a declared size of %d bytes is outside 1..%d", im.Size, api.MaxUpdateImage))
		}
		status, pkg, err := k.serviceRequest(http.MethodGet, api.PathImages+hex.EncodeToString(d[:]), "", nil, &k.certs.update, im.Size)
		if errors.Is(err, errTooLong) {
			return k.refuseUpdate(im, fmt.Sprintf("the download runs past its declared %d bytes (endless data)", im.Size))
		}
		if err != nil {
			return fmt.Errorf("download %s: %w", im.ImageID, err)
		}
		if status != http.StatusOK {
			return fmt.Errorf("download %s: HTTP %d", im.ImageID, status)
		}
		p, err := image.ParsePackage(pkg)
		if err != nil || p.Digest() != d || len(pkg) != im.Size || uint16(p.Metadata.Identity.Type) != im.ImageType {
			return k.refuseUpdate(im, "the downloaded image is not the one the update set names (arbitrary software)")
		}
		if isOS {
			osSet.Images = append(osSet.Images, UpdateImage{Role: role, Package: pkg})
		}
		if !installed[d] {
			u.Images = append(u.Images, UpdateImage{Role: role, Package: pkg})
		}
	}
	if why := mixedRelease(osSet); why != "" {
		return k.refuseUpdate(api.UpdateImage{ImageID: set.OSRelease}, why)
	}
	if len(u.Images) == 0 {
		k.tr.Emit(trace.Kernel, "update.none", trace.Str("os_release", set.OSRelease), trace.Str("deployment", set.DeploymentID))
		k.noUpdateAvailable()
		return nil
	}
	k.tr.Emit(trace.Kernel, "update.available", trace.Str("os_release", set.OSRelease), trace.Str("deployment", set.DeploymentID),
		trace.Int("images", int64(len(u.Images))))
	if k.deferral != nil {
		return nil // one is already waiting for the app
	}
	k.offerUpdate(u)
	return nil
}

// refuseUpdate records an update set the device will not install.
func (k *Kernel) refuseUpdate(im api.UpdateImage, why string) error {
	k.tr.Emit(trace.Kernel, "update.refused", trace.Str("image", im.ImageID), trace.Str("reason", why))
	k.recordEvent(kernelmsg.EventUnplanned, kernelmsg.ClassOS, fmt.Sprintf("UpdateRefused (image_id=%s; reason=%s)", im.ImageID, why))
	return fmt.Errorf("update refused: %s", why)
}

// mixedRelease says why the OS images of an update do not come from one
// release (mix-and-match): they must state the same OS version and carry
// the same security version.
func mixedRelease(u Update) string {
	var first *image.Package
	for _, im := range u.Images {
		if im.Role == secmonmsg.RoleApp {
			continue
		}
		p, err := image.ParsePackage(im.Package)
		if err != nil {
			return "an OS image does not parse"
		}
		if first == nil {
			first = p
			continue
		}
		v1, v2 := stageVersion(first), stageVersion(p)
		if v1 != v2 || first.Metadata.SecurityVersion() != p.Metadata.SecurityVersion() {
			return fmt.Sprintf("the OS images mix releases: %s %q (SVN %d) with %s %q (SVN %d) (mix-and-match)",
				first.Metadata.Identity.Type, v1, first.Metadata.SecurityVersion(), p.Metadata.Identity.Type, v2, p.Metadata.SecurityVersion())
		}
	}
	return ""
}

// stageVersion is the OS version an OS image's stage configuration states.
func stageVersion(p *image.Package) string {
	var sc image.StageConfig
	if json.Unmarshal(p.Payload, &sc) != nil {
		return ""
	}
	return sc.Version
}
