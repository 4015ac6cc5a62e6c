package kernel

import (
	"errors"
	"net/http"
	"slices"

	"github.com/sphere-emu/sphere-emu/gateway/restapi"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The device REST API's update routes: sideloading (PUT /update/stage, POST
// /update/install), removing an app (DELETE /app/image/{cid}), and applying
// a capability file (PUT /device/capabilities, emulator-defined: how the
// real tools apply one is not public). Staging and installing go through
// the same Security Monitor path as over-the-air updates (update.go).

// maxSideload bounds a sideloaded package (the staging partition's size).
const maxSideload = secmonmsg.MaxStagedImage

func init() {
	registerRESTRoute(restRoute{method: http.MethodPut, pattern: restapi.PathUpdateStage, raw: true, maxBody: maxSideload,
		auth: authAppDevelopment, serve: restStage})
	registerRESTRoute(restRoute{method: http.MethodPost, pattern: restapi.PathUpdateInstall,
		auth: authAppDevelopment, body: func() any { return new(restapi.InstallRequest) }, serve: restInstall})
	registerRESTRoute(restRoute{method: http.MethodDelete, pattern: restapi.PathAppImage,
		auth: authAppDevelopment, serve: restDeleteImage})
	registerRESTRoute(restRoute{method: http.MethodPut, pattern: restapi.PathCapabilities, raw: true, maxBody: 4096,
		serve: restApplyCapability})
}

// updateBusy reports whether an over-the-air update is under way, which
// disables sideloading as on the real device.
func (k *Kernel) updateBusy() bool { return k.deferral != nil }

func restStage(k *Kernel, r *restCall) {
	if k.updateBusy() {
		r.fail(http.StatusConflict, restapi.ErrUpdateInProgress)
		return
	}
	pkg, err := image.ParsePackage(r.raw)
	if err != nil || pkg.Metadata.Identity.Type != image.ImageTypeApplications {
		r.fail(http.StatusBadRequest, restapi.ErrImageNotTrusted)
		return
	}
	// The MT3620 runs one high-level app: another must be removed first.
	if k.app != nil && k.app.cid != pkg.Metadata.Identity.ComponentID.String() && isHighLevel(pkg) {
		r.fail(http.StatusConflict, restapi.ErrAppConflict)
		return
	}
	cid, err := k.stageImage("sideload", UpdateImage{Role: secmonmsg.RoleApp, Package: r.raw})
	if err != nil {
		k.tr.Emit(trace.Kernel, "update.refused", trace.Str("image", "sideload"), trace.Str("reason", err.Error()))
		r.fail(http.StatusBadRequest, restapi.ErrImageNotTrusted)
		return
	}
	if !slices.Contains(k.sideloaded, cid) {
		k.sideloaded = append(k.sideloaded, cid)
	}
	r.ok(struct{}{})
}

func restInstall(k *Kernel, r *restCall) {
	req := r.json.(*restapi.InstallRequest)
	start := true
	switch req.AppControlMode {
	case "", "Auto":
	case "Manual":
		start = false
	default:
		r.fail(http.StatusBadRequest, restapi.ErrInvalidField)
		return
	}
	if k.updateBusy() {
		r.fail(http.StatusConflict, restapi.ErrUpdateInProgress)
		return
	}
	if len(k.sideloaded) == 0 {
		r.fail(http.StatusConflict, restapi.ErrNothingStaged)
		return
	}
	apps := k.sideloaded
	k.sideloaded = nil
	// Answer first: an install may stop the app, and the caller waits.
	r.ok(struct{}{})
	if err := k.installStaged("sideload", apps, start); err != nil {
		k.tr.Emit(trace.Kernel, "update.failed", trace.Str("source", "sideload"), trace.Str("reason", err.Error()))
	}
}

func restDeleteImage(k *Kernel, r *restCall) {
	if k.updateBusy() {
		r.fail(http.StatusConflict, restapi.ErrUpdateInProgress)
		return
	}
	var e mailbox.Encoder
	e.String(r.cid)
	if _, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindUpdateRemove, e.Bytes(), updateTimeout); err != nil {
		var re *mailbox.RemoteError
		if errors.As(err, &re) && re.Code == secmonmsg.ErrNoSuchImage {
			r.fail(http.StatusNotFound, restapi.ErrAppNotPresent)
			return
		}
		r.internal(err)
		return
	}
	k.recordEvent(kernelmsg.EventPlanned, kernelmsg.ClassApp, "AppRemoved (component_id="+r.cid+")")
	k.rest.installed = slices.DeleteFunc(k.rest.installed, func(a *installedApp) bool { return a.cid == r.cid })
	if k.app != nil && k.app.cid == r.cid {
		old := k.app
		k.onAppStopped = func() { k.releaseApp(old); k.app = nil }
		k.stopApp("app-removed")
	}
	r.ok(restapi.DeleteImageResponse{RestartingSystem: false})
}

func restApplyCapability(k *Kernel, r *restCall) {
	if k.updateBusy() {
		r.fail(http.StatusConflict, restapi.ErrUpdateInProgress)
		return
	}
	if _, err := k.stageImage("capability", UpdateImage{Role: secmonmsg.RoleCapability, Package: r.raw}); err != nil {
		k.tr.Emit(trace.Kernel, "update.refused", trace.Str("image", "capability"), trace.Str("reason", err.Error()))
		r.fail(http.StatusBadRequest, restapi.ErrCapabilityNotValid)
		return
	}
	r.ok(restapi.DeleteImageResponse{RestartingSystem: true})
	if err := k.installStaged("capability", nil, true); err != nil {
		k.tr.Emit(trace.Kernel, "update.failed", trace.Str("source", "capability"), trace.Str("reason", err.Error()))
	}
}

// isHighLevel reports whether an app package's manifest makes it a
// high-level app (a package that does not parse is left to the checks
// staging makes).
func isHighLevel(pkg *image.Package) bool {
	fs, err := image.ParseFS(pkg.Payload)
	if err != nil {
		return false
	}
	f, ok := fs.Lookup("app_manifest.json")
	if !ok {
		return false
	}
	m, err := manifest.Parse(f.Data)
	return err == nil && m.ApplicationType != manifest.RealTimeCapable
}
