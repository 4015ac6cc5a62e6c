package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// rng is the kernel's random source (getrandom), seeded from the run.
func (k *Kernel) rng() interface{ Read([]byte) (int, error) } {
	if k.random == nil {
		k.random = k.proc.Sim().Rand("kernel/getrandom")
	}
	return k.random
}

// --- application.h: intercore sockets -------------------------------------

// socket is an AF_AZSPIO datagram socket connected to a real-time app
// (reference §7.1): datagrams of at most 1024 bytes each way.
type socket struct {
	nb
	peer       string
	rcvTimeout int64
	shut       bool
	rx         [][]byte
}

func (s *socket) kind() string    { return "socket" }
func (s *socket) close(k *Kernel) {}

// read returns one datagram, truncated to max (the rest is discarded, as
// recv on a datagram socket does).
func (s *socket) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	if len(s.rx) == 0 {
		if s.shut {
			return nil, 0
		}
		return nil, kernelmsg.EAGAIN
	}
	d := s.rx[0]
	s.rx = s.rx[1:]
	if len(d) > max {
		d = d[:max]
	}
	return d, 0
}
func (s *socket) write(k *Kernel, p []byte) (int, kernelmsg.Errno) { return s.send(k, p) }
func (s *socket) setRcvTimeout(ns int64)                           { s.rcvTimeout = ns }
func (s *socket) ready(k *Kernel) (bool, bool)                     { return len(s.rx) > 0 || s.shut, true }

// maxIntercoreMessage is the azspio MTU (reference §7.1).
const maxIntercoreMessage = 1024

func (s *socket) send(k *Kernel, p []byte) (int, kernelmsg.Errno) {
	if s.shut {
		return 0, kernelmsg.EPIPE
	}
	return k.sendIntercore(s, p)
}

func sysApplicationConnect(c *call) (kernelmsg.Result, *wait) {
	g, err := image.ParseGUID(string(c.args.Data))
	if err != nil {
		return fail(kernelmsg.EINVAL), nil
	}
	if !c.p.manifest.AllowsConnectionTo(g.String()) {
		return fail(kernelmsg.EACCES), nil
	}
	return c.install(&socket{peer: g.String()}), nil
}

func sysSockSend(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	if is, ok := f.(*inetSock); ok {
		return inetSend(c, is)
	}
	s, isSock := f.(*socket)
	if !isSock {
		return fail(kernelmsg.ENOTSOCK), nil
	}
	n, e := s.send(c.k, c.args.Data)
	if e != 0 {
		return fail(e), nil
	}
	return ok(int64(n)), nil
}

func sysSockRecv(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	if is, ok := f.(*inetSock); ok {
		return inetRecv(c, is)
	}
	if _, isSock := f.(*socket); !isSock {
		return fail(kernelmsg.ENOTSOCK), nil
	}
	return sysFdRead(c)
}

func sysSockShutdown(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	if is, ok := f.(*inetSock); ok {
		return inetShutdown(c, is)
	}
	s, isSock := f.(*socket)
	if !isSock {
		return fail(kernelmsg.ENOTSOCK), nil
	}
	s.shut = true
	return ok(0), nil
}

// Socket option numbers as wasi-libc defines them (both of its variants).
const (
	solSocketWASI  = 0x7fffffff
	solSocketLinux = 1
)

func sysSetsockopt(c *call) (kernelmsg.Result, *wait) {
	f, e := c.fd(0)
	if e != 0 {
		return fail(e), nil
	}
	s, isSock := f.(interface{ setRcvTimeout(int64) })
	if !isSock {
		return fail(kernelmsg.ENOTSOCK), nil
	}
	level, name := c.arg(1), c.arg(2)
	if level != solSocketWASI && level != solSocketLinux {
		return fail(kernelmsg.ENOPROTOOPT), nil
	}
	switch name {
	case 66, 20, 67, 21: // SO_RCVTIMEO, SO_SNDTIMEO: struct timeval {i64 sec, i64 usec}
		if len(c.args.Data) != 16 {
			return fail(kernelmsg.EINVAL), nil
		}
		sec := int64(binary.LittleEndian.Uint64(c.args.Data))
		usec := int64(binary.LittleEndian.Uint64(c.args.Data[8:]))
		if sec < 0 || usec < 0 || usec >= 1e6 || sec > 1<<31 {
			return fail(kernelmsg.EINVAL), nil
		}
		if name == 66 || name == 20 {
			s.setRcvTimeout(sec*sim.Second + usec*sim.Microsecond)
		}
		return ok(0), nil
	}
	return fail(kernelmsg.ENOPROTOOPT), nil
}

// --- applications.h --------------------------------------------------------

// Memory-usage kinds of applications_get_memory_usage_kb.
const (
	memTotal = 0
	memUser  = 1
	memPeak  = 2
)

// kernelOverheadKB is what the OS charges an app beyond its own memory:
// emulator-defined, a base plus a little per open descriptor.
func (p *process) kernelOverheadKB() int64 { return 16 + int64(len(p.fds)) }

func sysMemoryUsage(c *call) (kernelmsg.Result, *wait) {
	kind, guest := c.arg(0), c.arg(1)
	if guest < 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	user := (guest + 1023) / 1024
	c.p.peakMem = max(c.p.peakMem, user)
	c.p.memBytes = guest
	switch kind {
	case memTotal:
		return ok(user + c.p.kernelOverheadKB()), nil
	case memUser:
		return ok(user), nil
	case memPeak:
		return ok(c.p.peakMem), nil
	}
	return fail(kernelmsg.EINVAL), nil
}

func sysOSVersion(c *call) (kernelmsg.Result, *wait) {
	return kernelmsg.Result{Data: []byte(c.k.version)}, nil
}

// --- powermanagement.h -----------------------------------------------------

// powerState is what the kernel remembers of power management.
type powerState struct {
	profile int64
	pending *powerAction // set while the app is being stopped for it
}

type powerAction struct {
	reason    string // the call that asked for it
	reboot    bool
	residency int64 // seconds, for a power-down
}

// stopGrace is how long an app has to exit after SIGTERM before it is killed.
const stopGrace = 5 * sim.Second

// stopApp sends SIGTERM and arms the SIGKILL that follows after stopGrace.
func (k *Kernel) stopApp(why string) {
	p := k.app
	if p == nil {
		return
	}
	p.stopping = true
	p.pending = sigTERM
	k.tr.Emit(trace.Kernel, "signal.raise", trace.Str("cid", p.cid), trace.Int("signal", sigTERM), trace.Str("reason", why))
	k.after(stopGrace, func() {
		if k.app == p && p.stopping {
			p.pending = sigKILL
			p.disposition[sigKILL] = dispDefault
			k.tr.Emit(trace.Kernel, "signal.raise", trace.Str("cid", p.cid), trace.Int("signal", sigKILL), trace.Str("reason", "did not exit within the SIGTERM grace period"))
		}
	})
}

func (k *Kernel) startPowerAction(a *powerAction, why string) {
	a.reason = why
	k.power.pending = a
	k.stopApp(why)
}

// finishPowerAction runs once the app has exited: the device reboots or
// powers down.
func (k *Kernel) finishPowerAction() {
	a := k.power.pending
	k.power.pending = nil
	k.app = nil
	k.rest.down = true // the REST API goes down with the OS; the next boot's kernel serves
	if a.reboot {
		k.recordEvent(kernelmsg.EventPlanned, kernelmsg.ClassOS, fmt.Sprintf("Reboot (reason=%s)", a.reason))
		_, _ = k.ep.Send(mailbox.Device, devicemsg.KindReboot, nil)
		return
	}
	pd := devicemsg.PowerDown{MaxResidencySeconds: uint32(a.residency)}
	_, _ = k.ep.Send(mailbox.Device, devicemsg.KindPowerDown, pd.Marshal())
}

func sysForceReboot(c *call) (kernelmsg.Result, *wait) {
	if !c.p.hasPowerControl("ForceReboot") {
		return fail(kernelmsg.EACCES), nil
	}
	c.k.startPowerAction(&powerAction{reboot: true}, "PowerManagement_ForceSystemReboot")
	return ok(0), nil
}

func sysForcePowerDown(c *call) (kernelmsg.Result, *wait) {
	if !c.p.hasPowerControl("ForcePowerDown") {
		return fail(kernelmsg.EACCES), nil
	}
	residency := c.arg(0)
	if residency <= 0 || residency > 1<<32-1 {
		return fail(kernelmsg.EINVAL), nil
	}
	c.k.startPowerAction(&powerAction{residency: residency}, "PowerManagement_ForceSystemPowerDown")
	return ok(0), nil
}

func sysSetPowerProfile(c *call) (kernelmsg.Result, *wait) {
	if !c.p.hasPowerControl("SetPowerProfile") {
		return fail(kernelmsg.EACCES), nil
	}
	profile := c.arg(0)
	if profile < 0 || profile > 2 {
		return fail(kernelmsg.EINVAL), nil
	}
	c.k.power.profile = profile
	c.k.tr.Emit(trace.Kernel, "power.profile", trace.Int("profile", profile))
	return ok(0), nil
}

// --- sysevent.h ------------------------------------------------------------

// sysEventFile delivers system events as 16-byte records (deferral.go
// posts them: UpdateReadyForInstall, UpdateStarted, NoUpdateAvailable).
type sysEventFile struct {
	nb
	mask  uint32
	queue [][]byte
}

func (s *sysEventFile) kind() string    { return "sysevent" }
func (s *sysEventFile) close(k *Kernel) {}
func (s *sysEventFile) read(k *Kernel, max int) ([]byte, kernelmsg.Errno) {
	if max < 16 {
		return nil, kernelmsg.EINVAL
	}
	if len(s.queue) == 0 {
		return nil, kernelmsg.EAGAIN
	}
	var out []byte
	for len(s.queue) > 0 && len(out)+16 <= max {
		out = append(out, s.queue[0]...)
		s.queue = s.queue[1:]
	}
	return out, 0
}
func (s *sysEventFile) ready(k *Kernel) (bool, bool) { return len(s.queue) > 0, false }

// System events (sysevent.h).
const (
	sysEventUpdateReadyForInstall = 0x01
	sysEventUpdateStarted         = 0x02
	sysEventNoUpdateAvailable     = 0x04
)

func sysSysEventRegister(c *call) (kernelmsg.Result, *wait) {
	if !c.p.manifest.Capabilities.SystemEventNotifications {
		return fail(kernelmsg.EACCES), nil
	}
	mask := c.arg(0)
	all := int64(sysEventUpdateReadyForInstall | sysEventUpdateStarted | sysEventNoUpdateAvailable)
	if mask <= 0 || mask&^all != 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	if c.p.isOpen(func(f file) bool { _, ok := f.(*sysEventFile); return ok }) {
		return fail(kernelmsg.EBUSY), nil // one registration per app
	}
	f := &sysEventFile{mask: uint32(mask)}
	f.setNonblocking(true)
	return c.install(f), nil
}

// --- networking.h ----------------------------------------------------------

// Interface is an emulated network interface.
type Interface struct {
	Name     string
	Medium   uint8 // 0 unspecified, 1 Wi-Fi, 2 Ethernet
	Enabled  bool
	IPConfig uint8  // 0 none, 1 DHCP client
	Status   uint32 // InterfaceUp 1 | ConnectedToNetwork 2 | IpAvailable 4 | ConnectedToInternet 8
}

// DefaultNetwork is the RDB's Wi-Fi interface, up and online.
var DefaultNetwork = []Interface{{Name: "wlan0", Medium: 1, Enabled: true, IPConfig: 1, Status: 0xF}}

type network struct {
	ifaces   []Interface
	timeSync bool
}

func newNetwork(ifs []Interface) *network {
	if ifs == nil {
		ifs = DefaultNetwork
	}
	return &network{ifaces: append([]Interface(nil), ifs...), timeSync: true}
}

func (n *network) find(name string) *Interface {
	for i := range n.ifaces {
		if n.ifaces[i].Name == name {
			return &n.ifaces[i]
		}
	}
	return nil
}

func sysNetInterfaceCount(c *call) (kernelmsg.Result, *wait) {
	return ok(int64(len(c.k.net.ifaces))), nil
}

func sysNetInterfaces(c *call) (kernelmsg.Result, *wait) {
	max := c.arg(0)
	if max < 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	var out []byte
	n := 0
	for _, i := range c.k.net.ifaces {
		if int64(n) >= max {
			break
		}
		var rec [20]byte
		copy(rec[:15], i.Name)
		if i.Enabled {
			rec[16] = 1
		}
		rec[17], rec[18] = i.IPConfig, i.Medium
		out = append(out, rec[:]...)
		n++
	}
	return kernelmsg.Result{Value: int64(n), Data: out}, nil
}

func sysNetConnectionStatus(c *call) (kernelmsg.Result, *wait) {
	i := c.k.net.find(string(c.args.Data))
	if i == nil {
		return fail(kernelmsg.ENOENT), nil
	}
	return ok(int64(c.k.ifaceStatus(i))), nil
}

func sysNetSetInterfaceState(c *call) (kernelmsg.Result, *wait) {
	if !c.p.manifest.Capabilities.NetworkConfig {
		return fail(kernelmsg.EACCES), nil
	}
	i := c.k.net.find(string(c.args.Data))
	if i == nil {
		return fail(kernelmsg.ENOENT), nil
	}
	i.Enabled = c.arg(0) != 0
	c.k.tr.Emit(trace.Kernel, "net.interface", trace.Str("name", i.Name), trace.Bool("enabled", i.Enabled))
	return ok(0), nil
}

func sysTimeSyncSet(c *call) (kernelmsg.Result, *wait) {
	if !c.p.manifest.Capabilities.TimeSyncConfig {
		return fail(kernelmsg.EACCES), nil
	}
	c.k.net.timeSync = c.arg(0) != 0
	return ok(0), nil
}

func sysTimeSyncGet(c *call) (kernelmsg.Result, *wait) {
	if !c.p.manifest.Capabilities.TimeSyncConfig {
		return fail(kernelmsg.EACCES), nil
	}
	if c.k.net.timeSync {
		return ok(1), nil
	}
	return ok(0), nil
}

// --- time and rtc.h --------------------------------------------------------

// clockState is the system wall clock's offset from the fixed epoch, set by
// clock_settime, and the last value written to the hardware RTC.
type clockState struct {
	offset int64
	rtc    int64
}

// wallNow is CLOCK_REALTIME in nanoseconds since the Unix epoch.
func (k *Kernel) wallNow() int64 { return kernelmsg.EpochUnixNano + k.now() + k.clock.offset }

func sysClockSettime(c *call) (kernelmsg.Result, *wait) {
	ns := c.arg(1)
	if c.arg(0) != clockRealtime || ns < 0 {
		return fail(kernelmsg.EINVAL), nil
	}
	if !c.p.manifest.Capabilities.SystemTime {
		return fail(kernelmsg.EACCES), nil
	}
	c.k.clock.offset = ns - kernelmsg.EpochUnixNano - c.k.now()
	c.k.tr.Emit(trace.Kernel, "clock.set", trace.Int("unix_ns", ns))
	return ok(0), nil
}

func sysClockOffset(c *call) (kernelmsg.Result, *wait) { return ok(c.k.clock.offset), nil }

func sysClockSysToHC(c *call) (kernelmsg.Result, *wait) {
	if !c.p.manifest.Capabilities.SystemTime {
		return fail(kernelmsg.EACCES), nil
	}
	c.k.clock.rtc = c.k.wallNow()
	c.k.tr.Emit(trace.Kernel, "rtc.set", trace.Int("unix_ns", c.k.clock.rtc))
	return ok(0), nil
}

// --- signals and the rest ----------------------------------------------------

func sysSignalSetDisposition(c *call) (kernelmsg.Result, *wait) {
	sig, disp := c.arg(0), c.arg(1)
	if sig < 1 || sig > 31 || sig == sigKILL || sig == 19 /* SIGSTOP */ || disp < dispDefault || disp > dispIgnored {
		return fail(kernelmsg.EINVAL), nil
	}
	c.p.disposition[int32(sig)] = int32(disp)
	return ok(0), nil
}

func sysUnimplemented(c *call) (kernelmsg.Result, *wait) {
	name := string(c.args.Data)
	if len(name) > 128 {
		name = name[:128]
	}
	c.k.tr.Emit(trace.Kernel, "api.unimplemented", trace.Str("cid", c.p.cid), trace.Str("api", strings.ToValidUTF8(name, "?")))
	return fail(kernelmsg.ENOSYS), nil
}

// JumpClock moves the wall clock by d nanoseconds, as a wrong real-time
// clock would (fault injection); it lasts until the OS restarts.
func (k *Kernel) JumpClock(d int64) { k.clock.offset += d }
