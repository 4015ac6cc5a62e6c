// Package kernel is the Azure Sphere OS's Linux-like kernel and application
// manager: it boots from the Security Monitor's start message, reads the
// app packages through the Security Monitor, has Pluton verify them,
// validates their manifests, acquires their peripherals, starts the
// high-level app on the app core, and serves its syscalls, checking each one
// against the app's capabilities.
package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sphere-emu/sphere-emu/appcore/appcoremsg"
	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Timeouts for requests to other domains, in virtual time.
const (
	secmonTimeout = 1 * sim.Second
	plutonTimeout = 1 * sim.Second
	updateTimeout = 60 * sim.Second // staging erases and programs flash
)

// maxAppImages bounds how many application images the application manager
// reads (emulator-defined; app packages share 1 MiB of flash, so a few
// dozen is already generous). A corrupted count cannot make it loop for ever.
const maxAppImages = 32

// Cost of kernel work in virtual time (emulator-defined).
const (
	costBoot    = 50 * sim.Millisecond // Linux start-up up to the application manager
	costSyscall = 2 * sim.Microsecond
)

// Config holds what the kernel is built from.
type Config struct {
	Bus    *mailbox.Bus
	Tracer *trace.Tracer
	// Board is the hardware the A7 drives once the Security Monitor maps it
	// to the app: GPIOs, ISUs, ADC, PWM.
	Board *hw.Board
	// RestartApps makes the kernel restart a high-level app that exits or
	// crashes, with back-off, as the real OS does. Without it, the first
	// exit is final and reported to the device controller.
	RestartApps bool
	// Network describes the emulated network interfaces (nil: DefaultNetwork).
	Network []Interface
	// RT is the hardware between the A7 and each real-time core.
	RT [2]RTLink
	// Service is how the OS reaches the security service; nil: the device
	// has no connection to one (it never attests or uploads).
	Service *ServiceLink
	// Net is the emulated network apps' sockets and HTTPS use (resolver
	// table, dialer, listener, trusted CAs); nil: an empty resolver table
	// and host TCP for the addresses manifests list literally.
	Net *NetConfig
	// Gateway is the device REST API's door into the kernel (gateway.go);
	// nil: the device serves no REST API.
	Gateway *Gateway
}

// Kernel is one device's OS kernel and application manager.
type Kernel struct {
	cfg     Config
	ep      *mailbox.Endpoint
	tr      *trace.Tracer
	board   *hw.Board
	gpio    *hw.GPIO
	proc    *sim.Proc
	version string
	app     *process // the running high-level app, if any
	waits   []*wait
	alarms  []alarm
	wakeAt  int64 // virtual time of the next scheduled wake-up, 0 if none
	net     *network
	netw    *netState // the network beyond the interfaces: link, resolver, host sockets
	power   powerState
	clock   clockState
	random  interface{ Read([]byte) (int, error) }
	rt      [2]*rtLink // the running real-time apps
	// denials are the capability denials recorded this boot (recordDenial).
	denials map[string]bool
	// certs are the certificates of the last successful attestation.
	certs *deviceCerts
	// rest is what the device REST API reads (gateway_routes.go).
	rest restState
	// deferral is an over-the-air update waiting for the app (deferral.go).
	deferral *pendingUpdate
	// sideloaded are the apps staged through the REST API, awaiting install.
	sideloaded []string
	// onAppStopped, if set, runs once when the high-level app has exited
	// after the kernel stopped it (an app update), instead of a restart.
	onAppStopped func()
}

// New builds the kernel and opens its mailbox endpoint.
func New(c Config) *Kernel {
	k := &Kernel{cfg: c, ep: c.Bus.Open(mailbox.Kernel, 0), tr: c.Tracer, board: c.Board, gpio: c.Board.GPIO}
	k.net = newNetwork(c.Network)
	k.netw = newNetState(c.Net)
	return k
}

// Run is the kernel's process: wait for the Security Monitor's start
// message, boot, launch apps, and serve syscalls.
func (k *Kernel) Run(proc *sim.Proc) {
	k.proc = proc
	k.rest.resetAt = proc.Sim().Now()
	k.ep.Bind(proc)
	for {
		m := k.ep.Recv()
		if m.Kind == kernelmsg.KindStart && m.From == mailbox.Secmon {
			if k.boot(m) {
				k.serve()
			}
			return
		}
		k.reject(m, mailbox.ErrCodeDenied, "the kernel has not booted")
	}
}

func (k *Kernel) reject(m mailbox.Message, code uint32, why string) {
	k.tr.Emit(trace.Kernel, "request.reject", trace.Str("from", m.From.String()), trace.Str("kind", mailbox.KindName(m)), trace.Str("reason", why))
	_ = k.ep.ReplyError(m, code, why)
}

func (k *Kernel) boot(m mailbox.Message) bool {
	start, err := kernelmsg.UnmarshalStart(m.Payload)
	var kcfg, rcfg image.StageConfig
	if err == nil {
		err = json.Unmarshal(start.Kernel, &kcfg)
	}
	if err == nil {
		err = json.Unmarshal(start.RootFS, &rcfg)
	}
	if err != nil {
		k.tr.Emit(trace.Kernel, "boot.halt", trace.Str("stage", "kernel"), trace.Str("reason", "bad OS configuration: "+err.Error()))
		h := devicemsg.Halt{Stage: "kernel", Reason: "bad OS configuration: " + err.Error()}
		_, _ = k.ep.Send(mailbox.Device, devicemsg.KindHalt, h.Marshal())
		return false
	}
	k.proc.Sleep(costBoot)
	k.version = kcfg.Version
	k.tr.Emit(trace.Kernel, "kernel.start", trace.Str("version", kcfg.Version))
	k.tr.Emit(trace.Kernel, "rootfs.mount", trace.Str("version", rcfg.Version))
	k.launchApps()
	k.startServiceAgent()
	if k.cfg.Gateway != nil {
		k.cfg.Gateway.attach(k)
	}
	return true
}

// launchApps validates every installed app package and starts the
// high-level one. A bad package is refused; the OS keeps running.
func (k *Kernel) launchApps() {
	resp, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindGetApplicationImageCount, nil, secmonTimeout)
	var n uint32
	if err == nil {
		n, err = secmonmsg.DecodeU32(resp)
	}
	if err != nil {
		k.tr.Emit(trace.Kernel, "app.refused", trace.Str("stage", "app"), trace.Str("reason", "cannot list application images: "+err.Error()))
		return
	}
	if n > maxAppImages {
		k.refuse("app", fmt.Sprintf("the Security Monitor reports %d application images; at most %d are read", n, maxAppImages), 0)
		n = maxAppImages
	}
	k.tr.Emit(trace.Kernel, "apps.found", trace.Uint("count", uint64(n)))
	for i := uint32(0); i < n; i++ {
		k.loadApp(i)
	}
	if k.app == nil {
		k.tr.Emit(trace.Kernel, "apps.none", trace.Str("reason", "no valid high-level app to start"))
	}
}

func (k *Kernel) refuse(stage, reason string, code uint32) {
	f := []trace.Field{trace.Str("stage", stage), trace.Str("reason", reason)}
	if code != 0 {
		f = append(f, trace.Uint("code", uint64(code)))
	}
	k.tr.Emit(trace.Kernel, "app.refused", f...)
}

func (k *Kernel) loadApp(i uint32) {
	stage := fmt.Sprintf("app:#%d", i)
	raw, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindReadApplicationImage, secmonmsg.EncodeU32(i), secmonTimeout)
	if err != nil {
		k.refuse(stage, "cannot read the image: "+err.Error(), 0)
		return
	}
	req := plutonmsg.VerifyImage{Purpose: plutonmsg.PurposeApp, Stage: stage, Image: raw}
	resp, err := k.ep.Call(mailbox.Pluton, plutonmsg.KindVerifyImage, req.Marshal(), plutonTimeout)
	if err != nil {
		k.refuse(stage, "Pluton did not verify the image: "+err.Error(), 0)
		return
	}
	v, err := plutonmsg.UnmarshalVerdict(resp)
	if err != nil {
		k.refuse(stage, "bad verdict from Pluton: "+err.Error(), 0)
		return
	}
	if !v.OK {
		if v.Stage != "" {
			stage = v.Stage
		}
		k.refuse(stage, "image not trusted by device: "+v.Reason, 0)
		k.recordVerifyFailure(stage, v.Reason)
		return
	}
	pkg, err := image.ParsePackage(raw)
	if err != nil {
		k.refuse(stage, "Pluton passed an image that does not parse: "+err.Error(), 0)
		return
	}
	cid := pkg.Metadata.Identity.ComponentID
	stage = "app:" + cid.String()
	// The verdict must answer this request about these bytes.
	if v.Stage != stage || v.ImageType != uint16(image.ImageTypeApplications) || v.ComponentID != cid || v.Measurement != pkg.Digest() {
		k.refuse(stage, fmt.Sprintf("Pluton's verdict does not match the request (stage %q): corrupted reply?", v.Stage), 0)
		return
	}
	inst := k.noteImage(pkg, len(raw))
	fs, err := image.ParseFS(pkg.Payload)
	if err != nil {
		k.refuse(stage, "cannot mount the package: "+err.Error(), 0)
		return
	}
	mf, ok := fs.Lookup("app_manifest.json")
	if !ok {
		k.refuse(stage, manifest.NoAppManifest.Message(), manifest.NoAppManifest.Code())
		return
	}
	man, err := manifest.Parse(mf.Data)
	if err != nil {
		var code uint32
		if me, ok := err.(*manifest.Error); ok {
			code = me.Code()
		}
		k.refuse(stage, err.Error(), code)
		return
	}
	if want := pkg.Metadata.Identity.ComponentID.String(); !strings.EqualFold(man.ComponentID, want) {
		k.refuse(stage, fmt.Sprintf("manifest ComponentId %s does not match the package's %s", man.ComponentID, want), 0)
		return
	}
	entry, ok := fs.Lookup(strings.TrimPrefix(man.EntryPoint, "/"))
	if !ok {
		k.refuse(stage, fmt.Sprintf("%s: %s", manifest.SpecifiedEntryPointDoesNotExist.Message(), man.EntryPoint), manifest.SpecifiedEntryPointDoesNotExist.Code())
		return
	}
	inst.manifest, inst.fs, inst.wasm = man, fs, entry.Data
	k.tr.Emit(trace.Kernel, "app.manifest", trace.Str("cid", man.ComponentID), trace.Str("name", man.Name),
		trace.Str("type", string(man.ApplicationType)), trace.Str("capabilities", capabilitySummary(man)))
	switch {
	case man.ApplicationType == manifest.RealTimeCapable:
		k.startRT(stage, man)
	case k.app != nil:
		k.refuse(stage, "a high-level app is already running ("+k.app.cid+"); the MT3620 runs one", 0)
	default:
		k.startApp(stage, man, fs, entry.Data, pkg.Metadata.Identity.ImageID.String())
	}
}

func capabilitySummary(m *manifest.Manifest) string {
	c := m.Capabilities
	var parts []string
	list := func(name string, v any, n int) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s%v", name, v))
		}
	}
	list("Gpio", c.Gpio, len(c.Gpio))
	list("Uart", c.Uart, len(c.Uart))
	list("I2cMaster", c.I2cMaster, len(c.I2cMaster))
	list("SpiMaster", c.SpiMaster, len(c.SpiMaster))
	list("Adc", c.Adc, len(c.Adc))
	list("Pwm", c.Pwm, len(c.Pwm))
	list("PowerControls", c.PowerControls, len(c.PowerControls))
	list("AllowedApplicationConnections", c.AllowedApplicationConnections, len(c.AllowedApplicationConnections))
	list("AllowedConnections", c.AllowedConnections, len(c.AllowedConnections))
	if c.MutableStorage != nil {
		parts = append(parts, fmt.Sprintf("MutableStorage{%dKB}", c.MutableStorage.SizeKB))
	}
	for _, b := range []struct {
		name string
		on   bool
	}{{"SystemEventNotifications", c.SystemEventNotifications}, {"SoftwareUpdateDeferral", c.SoftwareUpdateDeferral},
		{"SystemTime", c.SystemTime}, {"TimeSyncConfig", c.TimeSyncConfig}, {"NetworkConfig", c.NetworkConfig}} {
		if b.on {
			parts = append(parts, b.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// startApp acquires the app's peripherals from the Security Monitor and
// asks the app core to run it.
func (k *Kernel) startApp(stage string, man *manifest.Manifest, pkg *image.FS, wasm []byte, imageID string) {
	claims, err := peripheralClaims(man)
	if err != nil {
		k.refuse(stage, err.Error(), 0)
		return
	}
	if !k.acquire(stage, claims) {
		return
	}
	k.app = newProcess(man, pkg, wasm)
	k.app.imageID = imageID
	k.launch()
}

// acquire has the Security Monitor map every claimed peripheral to its
// owner core, or none of them; a refusal is reported with the reason.
func (k *Kernel) acquire(stage string, claims []secmonmsg.Peripheral) bool {
	var acquired []secmonmsg.Peripheral
	for _, p := range claims {
		if _, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindPeripheralAcquire, p.Marshal(), secmonTimeout); err != nil {
			msg := err.Error()
			var re *mailbox.RemoteError
			if errors.As(err, &re) {
				msg = re.Text
			}
			k.refuse(stage, fmt.Sprintf("Application manifest requests %s %d, which cannot be acquired: %s", p.Type, p.Index, msg), 0)
			for _, a := range acquired {
				_, _ = k.ep.Call(mailbox.Secmon, secmonmsg.KindPeripheralRelease, a.Marshal(), secmonTimeout)
			}
			return false
		}
		acquired = append(acquired, p)
	}
	return true
}

// launch asks the app core to run the current app (again).
func (k *Kernel) launch() {
	a := k.app
	a.reset(k)
	a.starts++
	a.started = k.proc.Sim().Now()
	a.running = true
	a.memBytes = wasmInitialMemory(a.wasm)
	k.logLine("app %s (%s) started", a.cid, a.name)
	req := appcoremsg.StartApp{ComponentID: a.cid, Name: a.name, Args: a.manifest.CmdArgs, Wasm: a.wasm}
	k.tr.Emit(trace.Kernel, "app.launch", trace.Str("cid", a.cid), trace.Str("name", a.name), trace.Int("wasm_bytes", int64(len(a.wasm))))
	if _, err := k.ep.Send(mailbox.Appcore, appcoremsg.KindStartApp, req.Marshal()); err != nil {
		k.refuse("app:"+a.cid, "cannot reach the app core: "+err.Error(), 0)
		k.app = nil
	}
}
