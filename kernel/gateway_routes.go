package kernel

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/sphere-emu/sphere-emu/gateway/restapi"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/kernel/manifest"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton/plutonmsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// The routes of the device REST API that read and drive the running OS
// (docs/rest-api.md). Updates and sideloading add theirs the same way.

func init() {
	for _, r := range []restRoute{
		{method: http.MethodGet, pattern: restapi.PathStatus, serve: restStatus},
		{method: http.MethodGet, pattern: restapi.PathOSVersion, serve: restOSVersion},
		{method: http.MethodGet, pattern: restapi.PathABIVersions, serve: restABIVersions},
		{method: http.MethodGet, pattern: restapi.PathImages, serve: restImages},
		{method: http.MethodGet, pattern: restapi.PathAppStatus, serve: restAppStatus},
		{method: http.MethodPatch, pattern: restapi.PathAppStatus, body: func() any { return new(restapi.AppStatusChange) }, serve: restAppStatusChange},
		{method: http.MethodGet, pattern: restapi.PathAppQuota, serve: restAppQuota},
		{method: http.MethodGet, pattern: restapi.PathCapabilities, serve: restCapabilities},
		{method: http.MethodGet, pattern: restapi.PathSecurityState, serve: restSecurityState},
		{method: http.MethodPost, pattern: restapi.PathRestart, serve: restRestart},
		{method: http.MethodGet, pattern: restapi.PathTelemetry, serve: restTelemetry},
		{method: http.MethodDelete, pattern: restapi.PathTelemetry, serve: restTelemetryDelete},
		{method: http.MethodGet, pattern: restapi.PathLog, serve: restLog},
		{method: http.MethodGet, pattern: restapi.PathMemoryStats, serve: restMemoryStats},
		{method: http.MethodGet, pattern: restapi.PathNetInterfaces, serve: restNetInterfaces},
		{method: http.MethodGet, pattern: restapi.PathNetStatus, serve: restNetStatus},
		{method: http.MethodGet, pattern: restapi.PathFirewallRulesets, serve: restFirewallRulesets},
	} {
		registerRESTRoute(r)
	}
}

// restState is what the kernel keeps for the REST API.
type restState struct {
	resetAt   int64           // virtual time this boot began
	installed []*installedApp // the application images found at boot
	log       logRing         // recent log lines (GET /log)
	stopping  []*restCall     // PATCH stop calls waiting for the app to exit
	down      bool            // a reboot or power-down is under way
}

// installedApp is an application image the application manager read at
// boot, valid or not.
type installedApp struct {
	cid, imageID, name string
	length             int64
	// Set once the manifest validated.
	manifest *manifest.Manifest
	fs       *image.FS
	wasm     []byte
}

// noteImage records an application image read at boot, or read again
// after an update installed a new version (which replaces the old record).
func (k *Kernel) noteImage(pkg *image.Package, length int) *installedApp {
	md := pkg.Metadata
	a := &installedApp{cid: strings.ToLower(md.Identity.ComponentID.String()), imageID: strings.ToLower(md.Identity.ImageID.String()), length: int64(length)}
	if md.Debug != nil {
		a.name = md.Debug.Name
	}
	for i, old := range k.rest.installed {
		if old.cid == a.cid {
			k.rest.installed[i] = a
			return a
		}
	}
	k.rest.installed = append(k.rest.installed, a)
	return a
}

func (k *Kernel) findInstalled(cid string) *installedApp {
	for _, a := range k.rest.installed {
		if a.cid == cid {
			return a
		}
	}
	return nil
}

// --- the log ring ---------------------------------------------------------------

// maxLogLines bounds GET /log (emulator-defined).
const maxLogLines = 512

// logRing keeps the last maxLogLines lines.
type logRing struct {
	lines []string
	next  int
}

func (l *logRing) add(s string) {
	if len(l.lines) < maxLogLines {
		l.lines = append(l.lines, s)
		return
	}
	l.lines[l.next] = s
	l.next = (l.next + 1) % maxLogLines
}

func (l *logRing) all() []string {
	return append(slices.Clone(l.lines[l.next:]), l.lines[:l.next]...)
}

// logLine adds a line to the kernel's log (GET /log): app output and the
// app manager's own lines, stamped with virtual time.
func (k *Kernel) logLine(format string, args ...any) {
	t := k.now()
	line := fmt.Sprintf(format, args...)
	if len(line) > 1024 {
		line = line[:1024]
	}
	k.rest.log.add(fmt.Sprintf("[%4d.%06ds] %s", t/sim.Second, (t%sim.Second)/sim.Microsecond, trace.Printable(line)))
}

// --- device -------------------------------------------------------------------

func restStatus(k *Kernel, r *restCall) {
	r.ok(restapi.Status{Uptime: (k.now() - k.rest.resetAt) / sim.Second})
}

func restOSVersion(k *Kernel, r *restCall) {
	r.ok(restapi.OSVersion{OSVersion: k.version})
}

// restABIVersions reports the ABIs the OS images built by `image build`
// provide (their NP sections): the kernel is not told the OS images'
// metadata, so it reports the versions it was built to provide.
func restABIVersions(k *Kernel, r *restCall) {
	r.ok(restapi.ABIVersions{SecureWorldRuntime: 1, OSRuntime: 1, ApplicationRuntime: image.ApplicationRuntimeVersion})
}

func restCapabilities(k *Kernel, r *restCall) {
	caps, err := k.deviceCapabilities()
	if err != nil {
		r.internal(err)
		return
	}
	r.ok(restapi.DeviceCapabilities{DeviceCapabilities: caps})
}

var securityStateNames = map[uint32]string{plutonmsg.StateTest: "TEST", plutonmsg.StateBlank: "BLANK", plutonmsg.StateSecure: "SECURE"}

func restSecurityState(k *Kernel, r *restCall) {
	st, err := k.securityState()
	if err != nil {
		r.internal(err)
		return
	}
	name, ok := securityStateNames[st.State]
	if !ok {
		name = "UNKNOWN"
	}
	r.ok(restapi.SecurityState{SecurityState: name, DeviceIdentifier: hex.EncodeToString(st.IdentityKey[:])})
}

// restRestart answers, then reboots the device the way the OS reboots
// for PowerManagement_ForceSystemReboot: the app gets SIGTERM, and once it
// has exited a Reboot event is recorded and the device restarts.
func restRestart(k *Kernel, r *restCall) {
	r.ok(struct{}{})
	if k.power.pending != nil {
		return // a reboot or power-down is already under way
	}
	a := &powerAction{reboot: true}
	if k.app != nil && k.app.running {
		k.startPowerAction(a, "REST POST /restart")
		return
	}
	a.reason = "REST POST /restart"
	k.power.pending = a
	k.finishPowerAction()
}

// --- images and apps --------------------------------------------------------------

// restImages lists the application images the application manager found
// at boot. The OS's own images are not listed: the kernel is not told
// their identities (the Security Monitor verifies them before it starts).
func restImages(k *Kernel, r *restCall) {
	out := restapi.Images{Components: []restapi.Component{}}
	for _, a := range k.rest.installed {
		name := a.name
		if name == "" && a.manifest != nil {
			name = a.manifest.Name
		}
		out.Components = append(out.Components, restapi.Component{
			UID: a.cid, ImageType: int(image.ImageTypeApplications), Name: name,
			Images: []restapi.Image{{UID: a.imageID, LengthInBytes: a.length, UncompressedLengthInBytes: a.length}},
		})
	}
	r.ok(out)
}

// appState is the state of an installed app, and the core of a real-time app that runs.
func (k *Kernel) appState(a *installedApp) (string, *int) {
	if a.manifest != nil && a.manifest.ApplicationType == manifest.RealTimeCapable {
		for i, l := range k.rt {
			if l != nil && strings.EqualFold(l.cid, a.cid) {
				core := i
				return restapi.StateRunning, &core
			}
		}
		return restapi.StateStopped, nil
	}
	if p := k.app; p != nil && strings.EqualFold(p.cid, a.cid) && p.running {
		if p.debugging {
			return restapi.StateDebugging, nil
		}
		return restapi.StateRunning, nil
	}
	return restapi.StateStopped, nil
}

// installedOr404 finds the call's app, or answers 404.
func (k *Kernel) installedOr404(r *restCall) *installedApp {
	a := k.findInstalled(r.cid)
	if a == nil {
		r.fail(http.StatusNotFound, restapi.ErrAppNotPresent)
	}
	return a
}

func restAppStatus(k *Kernel, r *restCall) {
	a := k.installedOr404(r)
	if a == nil {
		return
	}
	state, core := k.appState(a)
	r.ok(restapi.AppStatus{State: state, RealTimeCore: core})
}

// restAppStatusChange starts or stops an app (PATCH /app/status/{cid}).
// Stopping the high-level app sends it SIGTERM (SIGKILL after the grace
// period) and answers once it has exited; it then stays stopped, with no
// error report and no restart, until started again. startDebug needs the
// appDevelopment capability; the emulator has no debugger, so an app
// started for debugging runs freely and reports "debugging".
func restAppStatusChange(k *Kernel, r *restCall) {
	ch := r.json.(*restapi.AppStatusChange)
	switch ch.Trigger {
	case restapi.TriggerStart, restapi.TriggerStop:
	case restapi.TriggerStartDebug:
		if !k.requireAppDevelopment(r) {
			return
		}
	default:
		r.fail(http.StatusBadRequest, restapi.ErrInvalidField)
		return
	}
	a := k.installedOr404(r)
	if a == nil {
		return
	}
	if a.manifest == nil {
		r.fail(http.StatusConflict, restapi.ErrAppConflict) // refused at boot: it cannot run
		return
	}
	if a.manifest.ApplicationType == manifest.RealTimeCapable {
		k.restRTChange(r, a, ch.Trigger)
		return
	}
	p := k.app
	if p != nil && !strings.EqualFold(p.cid, a.cid) {
		r.fail(http.StatusConflict, restapi.ErrAppConflict) // the MT3620 runs one high-level app
		return
	}
	switch ch.Trigger {
	case restapi.TriggerStop:
		if p == nil || !p.running {
			if p != nil {
				p.held = true
			}
			r.ok(restapi.AppStatus{State: restapi.StateStopped})
			return
		}
		if p.stopping && !p.held {
			r.fail(http.StatusConflict, restapi.ErrAppConflict) // the OS is stopping it (update, reboot)
			return
		}
		p.held = true
		k.rest.stopping = append(k.rest.stopping, r)
		if !p.stopping {
			k.stopApp("device app stop (REST)")
		}
	default:
		debug := ch.Trigger == restapi.TriggerStartDebug
		switch {
		case p != nil && p.running && p.stopping:
			r.fail(http.StatusConflict, restapi.ErrAppConflict) // being stopped
			return
		case p != nil && p.running:
		case p != nil:
			p.held = false
			p.debugging = debug
			k.launch()
		default:
			k.startApp("app:"+a.cid, a.manifest, a.fs, a.wasm, a.imageID)
			if k.app == nil {
				r.internal(fmt.Errorf("the app could not be started (see app.refused)"))
				return
			}
			k.app.debugging = debug
		}
		state, _ := k.appState(a)
		r.ok(restapi.AppStatus{State: state})
	}
}

// restAppExited logs the high-level app's exit and answers the PATCH stop
// calls waiting for it, whoever else also stopped it (an update, a reboot).
func (k *Kernel) restAppExited(p *process, code, signal int32) {
	k.logLine("app %s exited (code %d, signal %d)", p.cid, code, signal)
	calls := k.rest.stopping
	k.rest.stopping = nil
	for _, r := range calls {
		r.ok(restapi.AppStatus{State: restapi.StateStopped})
	}
}

// appStoppedByREST runs when an app stopped through the API has exited:
// it stays stopped until started.
func (k *Kernel) appStoppedByREST(p *process) {
	k.tr.Emit(trace.Kernel, "app.stopped", trace.Str("cid", p.cid))
	k.logLine("app %s stopped", p.cid)
}

// restRTChange starts a real-time app that is not running. Stopping one is
// refused: the Security Monitor has no StopRtCore request yet.
func (k *Kernel) restRTChange(r *restCall, a *installedApp, trigger string) {
	state, core := k.appState(a)
	switch {
	case trigger == restapi.TriggerStop && state == restapi.StateStopped:
		r.ok(restapi.AppStatus{State: state})
	case trigger == restapi.TriggerStop:
		r.fail(http.StatusConflict, restapi.ErrAppConflict)
	case state == restapi.StateRunning:
		r.ok(restapi.AppStatus{State: state, RealTimeCore: core})
	default:
		k.startRT("app:"+a.cid, a.manifest)
		state, core = k.appState(a)
		if state != restapi.StateRunning {
			r.internal(fmt.Errorf("the real-time app could not be started (see app.refused)"))
			return
		}
		r.ok(restapi.AppStatus{State: state, RealTimeCore: core})
	}
}

func restAppQuota(k *Kernel, r *restCall) {
	a := k.installedOr404(r)
	if a == nil {
		return
	}
	var q restapi.AppQuota
	key := a.cid
	if a.manifest != nil {
		key = a.manifest.ComponentID // the name the app's storage file has
		if ms := a.manifest.Capabilities.MutableStorage; ms != nil {
			q.LimitKB = int64(ms.SizeKB)
		}
	}
	data, found, e := k.loadStorage(key)
	if e != nil {
		r.internal(e)
		return
	}
	if found {
		q.UsageKB = (int64(len(data)) + 1023) / 1024
	}
	r.ok(q)
}

// restMemoryStats reports the high-level app's memory as the kernel knows
// it: its linear memory as the module declares it, or as large as it was
// when the app last asked (Applications_GetTotalMemoryUsageInKB); growth
// in between is not seen. The OS's own share is kernelOverheadKB.
func restMemoryStats(k *Kernel, r *restCall) {
	var m restapi.AppMemory
	if p := k.app; p != nil && p.running {
		m.UserModeMemoryUsageInByte = p.memBytes
		m.CurrentMemoryUsageInBytes = p.memBytes + p.kernelOverheadKB()*1024
		m.PeakUserModeMemoryUsageInBytes = max(p.memBytes, p.peakMem*1024)
	}
	r.ok(restapi.MemoryStats{MemoryStats: m})
}

// wasmInitialMemory returns the initial size in bytes of the memory a WASM
// module defines (its memory section), 0 if it defines none or does not
// parse.
func wasmInitialMemory(b []byte) int64 {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return 0
	}
	b = b[8:]
	for len(b) > 0 {
		id := b[0]
		size, n := binary.Uvarint(b[1:])
		if n <= 0 || size > uint64(len(b)-1-n) {
			return 0
		}
		body := b[1+n : 1+n+int(size)]
		b = b[1+n+int(size):]
		if id != 5 {
			continue
		}
		count, n := binary.Uvarint(body)
		if n <= 0 || count == 0 || len(body) < n+2 {
			return 0
		}
		body = body[n:]
		flags := body[0]
		pages, n := binary.Uvarint(body[1:])
		if n <= 0 || flags&0x04 != 0 || pages > 65536 {
			return 0
		}
		return int64(pages) * 65536
	}
	return 0
}

// --- telemetry and the log ----------------------------------------------------------

// readTelemetry reads records through the Security Monitor.
func (k *Kernel) readTelemetry(which uint8) ([]secmonmsg.TelemetryRecord, error) {
	rd := secmonmsg.TelemetryRead{Which: which, Max: secmonmsg.MaxTelemetryRecords}
	resp, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindTelemetryRead, rd.Marshal(), secmonTimeout)
	if err != nil {
		return nil, fmt.Errorf("TelemetryRead: %w", err)
	}
	return secmonmsg.UnmarshalTelemetryRecords(resp)
}

// restTelemetry returns the telemetry partition's records in the
// emulator's binary encoding (restapi.EncodeTelemetry). A record that does
// not decode is left out.
func restTelemetry(k *Kernel, r *restCall) {
	stored, err := k.readTelemetry(secmonmsg.TelemetryStored)
	if err != nil {
		r.internal(err)
		return
	}
	pending, err := k.readTelemetry(secmonmsg.TelemetryPending)
	if err != nil {
		r.internal(err)
		return
	}
	isPending := map[uint64]bool{}
	for _, p := range pending {
		isPending[p.Seq] = true
	}
	out := make([]restapi.TelemetryRecord, 0, len(stored))
	for _, s := range stored {
		e, err := kernelmsg.UnmarshalErrorRecord(s.Payload)
		if err != nil {
			continue
		}
		out = append(out, restapi.TelemetryRecord{Seq: s.Seq, Uploaded: !isPending[s.Seq], TimeUnixNano: e.TimeUnixNano,
			Type: e.Type, Class: e.Class, Description: e.Description})
	}
	r.bytes(restapi.ContentTypeOctetStream, restapi.EncodeTelemetry(out))
}

// restTelemetryDelete deletes every record up to the last one stored
// (secmon TelemetryClear); the real device answers {}.
func restTelemetryDelete(k *Kernel, r *restCall) {
	stored, err := k.readTelemetry(secmonmsg.TelemetryStored)
	if err != nil {
		r.internal(err)
		return
	}
	if len(stored) > 0 {
		last := stored[len(stored)-1].Seq
		if _, err := k.ep.Call(mailbox.Secmon, secmonmsg.KindTelemetryClear, secmonmsg.EncodeU64(last), secmonTimeout); err != nil {
			r.internal(fmt.Errorf("TelemetryClear: %w", err))
			return
		}
	}
	r.ok(struct{}{})
}

// restLog returns the kernel's recent log lines as text (the real /log is
// the device's binary log; this is the emulator's).
func restLog(k *Kernel, r *restCall) {
	var b strings.Builder
	for _, l := range k.rest.log.all() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	r.bytes(restapi.ContentTypeText, []byte(b.String()))
}

// --- networking ---------------------------------------------------------------------

// Emulator-defined addresses: the device's address on its network, and
// the one the service interface (azspheresvc, which the REST API is served
// on) has on a real device.
const (
	deviceIPv4      = "10.0.0.2"
	serviceIfIPv4   = "192.168.35.2"
	serviceIfName   = "azspheresvc"
	appUID          = 1000 // the app's Linux uid in firewall rules (emulator-defined)
	hostMask        = "255.255.255.255"
	anyAddr, anyMsk = "0.0.0.0", "0.0.0.0"
)

func restNetInterfaces(k *Kernel, r *restCall) {
	out := restapi.NetInterfaces{Interfaces: []restapi.NetInterface{}}
	for i := range k.net.ifaces {
		ifc := &k.net.ifaces[i]
		st := k.ifaceStatus(ifc)
		n := restapi.NetInterface{InterfaceName: ifc.Name, InterfaceUp: st&statusInterfaceUp != 0,
			ConnectedToNetwork: st&statusConnectedToNetwork != 0, IPAcquired: st&statusIPAvailable != 0,
			ConnectedToInternet: st&statusConnectedToInternet != 0, IPAddresses: []string{}, IPAssignment: "none"}
		if ifc.IPConfig == 1 {
			n.IPAssignment = "dynamic"
		}
		if n.IPAcquired {
			n.IPAddresses = append(n.IPAddresses, deviceIPv4)
		}
		out.Interfaces = append(out.Interfaces, n)
	}
	out.Interfaces = append(out.Interfaces, restapi.NetInterface{InterfaceName: serviceIfName, InterfaceUp: true,
		ConnectedToNetwork: true, IPAcquired: true, IPAddresses: []string{serviceIfIPv4}, IPAssignment: "static"})
	r.ok(out)
}

func restNetStatus(k *Kernel, r *restCall) {
	s := restapi.NetStatus{DeviceAuthenticationIsReady: k.certs != nil, NetworkTimeSync: "disabled", Proxy: "disabled"}
	if k.net.timeSync {
		s.NetworkTimeSync = "enabled"
	}
	r.ok(s)
}

// restFirewallRulesets derives the OS firewall's rules from the running
// high-level app's manifest, as the OS builds them (reference §5.4):
// inbound, its declared TCP and UDP server ports; outbound, the addresses
// its AllowedConnections resolve to (literal addresses, and the names and
// wildcards the emulated resolver table maps), for its uid only; replies
// to established connections; everything else dropped.
func restFirewallRulesets(k *Kernel, r *restCall) {
	rule := func(action, proto string, uid int) restapi.Rule {
		return restapi.Rule{SourceIP: anyAddr, SourceMask: anyMsk, DestinationIP: anyAddr, DestinationMask: anyMsk,
			UID: uid, Action: action, State: "none", TCPMask: []string{}, TCPCmp: []string{}, Protocol: proto,
			SourcePortRange: restapi.AnyPort, DestinationPortRange: restapi.AnyPort}
	}
	stateful := func(uid int) []restapi.Rule {
		est, rel := rule("accept", "any", uid), rule("accept", "any", uid)
		est.State, rel.State = "established", "related"
		return []restapi.Rule{est, rel}
	}
	sets := map[string][]restapi.Rule{}
	if p := k.app; p != nil {
		caps := p.manifest.Capabilities
		var in []restapi.Rule
		for _, pr := range []struct {
			proto string
			ports []int
		}{{"tcp", caps.AllowedTcpServerPorts}, {"udp", caps.AllowedUdpServerPorts}} {
			for _, port := range pr.ports {
				x := rule("accept", pr.proto, restapi.AnyUID)
				x.DestinationPortRange = restapi.PortRange{Min: port, Max: port}
				in = append(in, x)
			}
		}
		in = append(in, stateful(restapi.AnyUID)...)
		in = append(in, rule("drop", "any", restapi.AnyUID))
		sets["INPUT"] = in
		var out []restapi.Rule
		for _, a := range k.allowedAddrs(p) {
			x := rule("accept", "any", appUID)
			x.DestinationIP, x.DestinationMask = a.String(), hostMask
			out = append(out, x)
		}
		out = append(out, stateful(appUID)...)
		out = append(out, rule("drop", "any", appUID))
		sets["OUTPUT"] = out
	}
	sets["FORWARD"] = []restapi.Rule{rule("drop", "any", restapi.AnyUID)}
	res := restapi.FirewallRulesets{Rulesets: []restapi.Ruleset{}}
	for _, h := range restapi.Hooks {
		rules := sets[h]
		if rules == nil {
			rules = []restapi.Rule{}
		}
		res.Rulesets = append(res.Rulesets, restapi.Ruleset{Hook: h, IsValid: true, Rules: rules})
	}
	r.ok(res)
}

// allowedAddrs lists the addresses the outbound firewall lets p reach, in order.
func (k *Kernel) allowedAddrs(p *process) []netip.Addr {
	seen := map[netip.Addr]bool{}
	for _, e := range p.manifest.Capabilities.AllowedConnections {
		if a, err := netip.ParseAddr(e); err == nil && a.Is4() {
			seen[a] = true
		}
	}
	for _, text := range k.netw.cfg.Hosts {
		if a, err := netip.ParseAddr(text); err == nil && a.Is4() && k.allowedAddr(p, a) {
			seen[a] = true
		}
	}
	out := make([]netip.Addr, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}
