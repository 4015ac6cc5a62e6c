package kernel

import (
	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// serve answers syscalls from the app core until power-off, completing
// blocked calls as time passes and input arrives.
func (k *Kernel) serve() {
	for {
		served := k.serveGateway() // a device REST API request (gateway.go)
		if m, ok := k.ep.TryRecv(); ok {
			k.handle(m)
			k.pump()
			continue
		}
		if served {
			k.pump()
			continue
		}
		k.pump()
		if k.waitHost() { // host input arrived at this virtual instant
			continue
		}
		// Nothing to receive yet: the bus wakes us when a message reaches
		// the FIFO head, timers and hardware input wake us too.
		k.proc.Park()
	}
}

// call is one syscall being served.
type call struct {
	k    *Kernel
	m    mailbox.Message
	p    *process
	name string
	args kernelmsg.Args
}

// arg returns integer argument i.
func (c *call) arg(i int) int64 { return c.args.Ints[i] }

// handler serves one syscall: it returns the result, or a wait to block on.
type handler func(c *call) (kernelmsg.Result, *wait)

// syscall describes one syscall: its handler and integer argument count.
type syscall struct {
	nargs int
	fn    handler
}

func ok(v int64) kernelmsg.Result { return kernelmsg.Result{Value: v} }

func fail(e kernelmsg.Errno) kernelmsg.Result { return kernelmsg.Result{Value: -int64(e)} }

func (k *Kernel) handle(m mailbox.Message) {
	if m.From == mailbox.Secmon && m.Kind == kernelmsg.KindRTStopped {
		k.rtStopped(m)
		return
	}
	if m.From != mailbox.Appcore {
		k.reject(m, mailbox.ErrCodeDenied, m.From.String()+" may not make syscalls")
		return
	}
	if m.Kind == kernelmsg.KindAppExited {
		k.appExited(m)
		return
	}
	if k.app == nil {
		k.reject(m, mailbox.ErrCodeDenied, "no app is running on the app core")
		return
	}
	sc, found := syscallTable[m.Kind]
	name := kernelmsg.SyscallName(m.Kind)
	if !found {
		k.reject(m, mailbox.ErrCodeUnknownKind, "no such syscall: "+mailbox.KindName(m))
		return
	}
	args, err := kernelmsg.UnmarshalArgs(m.Payload, sc.nargs)
	if err != nil {
		k.reject(m, mailbox.ErrCodeMalformed, name+": "+err.Error())
		return
	}
	k.proc.Sleep(costSyscall)
	if k.app == nil { // it ended while we slept
		k.reject(m, mailbox.ErrCodeDenied, "no app is running on the app core")
		return
	}
	r, w := sc.fn(&call{k: k, m: m, p: k.app, name: name, args: args})
	if w != nil {
		w.msg, w.name = m, name
		k.block(w)
		return
	}
	k.reply(m, name, k.withSignal(r))
}

// withSignal attaches a pending signal to a result: positive to run the
// app's handler, negative to terminate the app by that signal.
func (k *Kernel) withSignal(r kernelmsg.Result) kernelmsg.Result {
	p := k.app
	if p == nil || p.pending == 0 {
		return r
	}
	sig := p.pending
	p.pending = 0
	switch p.disposition[sig] {
	case dispHandled:
		r.Signal = sig
	case dispIgnored:
	default:
		r.Signal = -sig
	}
	k.tr.Emit(trace.Kernel, "signal.deliver", trace.Str("cid", p.cid), trace.Int("signal", int64(sig)),
		trace.Str("action", map[bool]string{true: "handler", false: "terminate"}[r.Signal > 0]))
	return r
}

// quietErrnos are failures too ordinary to trace (would-block, interrupted).
var quietErrnos = map[kernelmsg.Errno]bool{kernelmsg.EAGAIN: true, kernelmsg.EINTR: true}

// quietEnds are the failures that end an enumeration by design: wasi-libc
// walks the preopened directories until fd_prestat_get says EBADF.
var quietEnds = map[string]kernelmsg.Errno{"fd_prestat_get": kernelmsg.EBADF}

func (k *Kernel) reply(m mailbox.Message, name string, r kernelmsg.Result) {
	if e := kernelmsg.Errno(-r.Value); r.Value < 0 && !quietErrnos[e] && (quietEnds[name] != e) && k.app != nil {
		k.tr.Emit(trace.Kernel, "syscall.error", trace.Str("cid", k.app.cid), trace.Str("call", name),
			trace.Str("errno", kernelmsg.Errno(-r.Value).String()))
		if kernelmsg.Errno(-r.Value) == kernelmsg.EACCES {
			k.recordDenial(k.app.cid, name)
		}
	}
	_ = k.ep.Reply(m, r.Marshal())
}

var syscallTable map[mailbox.Kind]syscall

func init() {
	syscallTable = map[mailbox.Kind]syscall{
		kernelmsg.KindLog:            {0, sysLog},
		kernelmsg.KindGPIOOpenInput:  {1, sysGPIOOpenInput},
		kernelmsg.KindGPIOOpenOutput: {3, sysGPIOOpenOutput},
		kernelmsg.KindGPIOGetValue:   {1, sysGPIOGetValue},
		kernelmsg.KindGPIOSetValue:   {2, sysGPIOSetValue},

		kernelmsg.KindEventLoopCreate:     {0, sysEventLoopCreate},
		kernelmsg.KindEventLoopRegister:   {4, sysEventLoopRegister},
		kernelmsg.KindEventLoopModify:     {3, sysEventLoopModify},
		kernelmsg.KindEventLoopUnregister: {2, sysEventLoopUnregister},
		kernelmsg.KindEventLoopWait:       {3, sysEventLoopWait},
		kernelmsg.KindTimerfdCreate:       {2, sysTimerfdCreate},
		kernelmsg.KindTimerfdSettime:      {4, sysTimerfdSettime},
		kernelmsg.KindTimerfdGettime:      {1, sysTimerfdGettime},

		kernelmsg.KindStorageOpenMutable:   {0, sysStorageOpenMutable},
		kernelmsg.KindStorageDeleteMutable: {0, sysStorageDeleteMutable},
		kernelmsg.KindStoragePackageRoot:   {0, sysStoragePackageRoot},

		kernelmsg.KindApplicationConnect:        {0, sysApplicationConnect},
		kernelmsg.KindApplicationDeviceAuthRead: {0, sysDeviceAuthReady},
		kernelmsg.KindApplicationsMemoryUsage:   {2, sysMemoryUsage},
		kernelmsg.KindApplicationsOSVersion:     {0, sysOSVersion},
		kernelmsg.KindPowerForceReboot:          {0, sysForceReboot},
		kernelmsg.KindPowerForcePowerDown:       {1, sysForcePowerDown},
		kernelmsg.KindPowerSetProfile:           {1, sysSetPowerProfile},
		kernelmsg.KindSysEventRegister:          {1, sysSysEventRegister},
		kernelmsg.KindSysEventDefer:             {2, sysEventDeferUpdate},
		kernelmsg.KindSysEventResume:            {1, sysEventResumeUpdate},
		kernelmsg.KindNetInterfaceCount:         {0, sysNetInterfaceCount},
		kernelmsg.KindNetInterfaces:             {1, sysNetInterfaces},
		kernelmsg.KindNetConnectionStatus:       {0, sysNetConnectionStatus},
		kernelmsg.KindNetSetInterfaceState:      {1, sysNetSetInterfaceState},
		kernelmsg.KindNetTimeSyncSet:            {1, sysTimeSyncSet},
		kernelmsg.KindNetTimeSyncGet:            {0, sysTimeSyncGet},
		kernelmsg.KindRTCSysToHC:                {0, sysClockSysToHC},
		kernelmsg.KindClockSettime:              {2, sysClockSettime},
		kernelmsg.KindClockOffset:               {0, sysClockOffset},
		kernelmsg.KindSignalSetDisp:             {2, sysSignalSetDisposition},
		kernelmsg.KindSetsockopt:                {3, sysSetsockopt},
		kernelmsg.KindUnimplemented:             {0, sysUnimplemented},

		kernelmsg.KindFdClose:          {1, sysFdClose},
		kernelmsg.KindFdRead:           {2, sysFdRead},
		kernelmsg.KindFdWrite:          {1, sysFdWrite},
		kernelmsg.KindFdSeek:           {3, sysFdSeek},
		kernelmsg.KindFdTell:           {1, sysFdTell},
		kernelmsg.KindFdFdstatGet:      {1, sysFdFdstatGet},
		kernelmsg.KindFdFdstatSetFlags: {2, sysFdFdstatSetFlags},
		kernelmsg.KindFdFilestatGet:    {1, sysFdFilestatGet},
		kernelmsg.KindFdFilestatSize:   {2, sysFdFilestatSetSize},
		kernelmsg.KindFdPrestatGet:     {1, sysFdPrestatGet},
		kernelmsg.KindFdPrestatDirName: {1, sysFdPrestatDirName},
		kernelmsg.KindFdSync:           {1, sysFdSync},
		kernelmsg.KindPathOpen:         {4, sysPathOpen},
		kernelmsg.KindPathFilestatGet:  {1, sysPathFilestatGet},
		kernelmsg.KindPollOneoff:       {0, sysPollOneoff},
		kernelmsg.KindSockSend:         {1, sysSockSend},
		kernelmsg.KindSockRecv:         {3, sysSockRecv},
		kernelmsg.KindSockShutdown:     {2, sysSockShutdown},
		kernelmsg.KindGetrandom:        {1, sysGetrandom},

		kernelmsg.KindSocket:           {3, sysSocket},
		kernelmsg.KindSocketConnect:    {3, sysSocketConnect},
		kernelmsg.KindSocketBind:       {3, sysSocketBind},
		kernelmsg.KindSocketListen:     {2, sysSocketListen},
		kernelmsg.KindSocketAccept:     {2, sysSocketAccept},
		kernelmsg.KindSocketGetsockopt: {3, sysSocketGetsockopt},
		kernelmsg.KindSocketAddr:       {2, sysSocketAddr},
		kernelmsg.KindResolve:          {0, sysResolve},
		kernelmsg.KindHTTPSPerform:     {0, sysHTTPSPerform},
		kernelmsg.KindDeviceAuthSSLCtx: {0, sysDeviceAuthSSLCtx},
		kernelmsg.KindDeviceAuthPath:   {0, sysDeviceAuthPath},
	}
	for k, v := range peripheralSyscalls {
		syscallTable[k] = v
	}
}

// maxLogBytes bounds one Log_Debug call.
const maxLogBytes = 4096

func sysLog(c *call) (kernelmsg.Result, *wait) {
	text := c.args.Data
	if len(text) > maxLogBytes {
		text = text[:maxLogBytes]
	}
	s := string(text)
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '\n' {
			c.k.tr.Emit(trace.Appcore, "app.log", trace.Str("cid", c.p.cid), trace.Str("line", s[start:i]))
			c.k.logLine("%s log: %s", c.p.cid, s[start:i])
			start = i + 1
		}
	}
	return ok(0), nil
}

// appExited records the end of the app, then restarts it (with back-off)
// or reports the final exit to the device controller.
func (k *Kernel) appExited(m mailbox.Message) {
	e, err := kernelmsg.UnmarshalAppExited(m.Payload)
	if err != nil {
		k.reject(m, mailbox.ErrCodeMalformed, err.Error())
		return
	}
	p := k.app
	if p == nil {
		return
	}
	f := []trace.Field{trace.Str("cid", p.cid), trace.Int("code", int64(e.Code)), trace.Int("signal", int64(e.Signal))}
	if e.Detail != "" {
		f = append(f, trace.Str("detail", e.Detail))
	}
	k.tr.Emit(trace.Kernel, "app.exit", f...)
	p.running = false
	k.restAppExited(p, e.Code, e.Signal)
	if !p.stopping {
		k.recordAppEnd(p, e.Code, e.Signal)
	}
	k.dropWaits()
	stopped := p.stopping
	p.reset(k)
	if f := k.onAppStopped; f != nil && stopped {
		k.onAppStopped = nil
		f()
		return
	}
	if k.power.pending != nil {
		k.finishPowerAction()
		return
	}
	if p.held { // stopped through the REST API: it stays stopped until started
		k.appStoppedByREST(p)
		return
	}
	if k.cfg.RestartApps && !stopped {
		k.scheduleRestart(p)
		return
	}
	n := devicemsg.AppExit{ComponentID: p.cid, Code: e.Code, Signal: e.Signal}
	_, _ = k.ep.Send(mailbox.Device, devicemsg.KindAppExit, n.Marshal())
}

// Restart back-off: the first restart after 1 s, doubling up to 5 minutes;
// an app that ran for at least 5 minutes starts again from 1 s. The real
// OS's exact policy is not published; this is the emulator's.
const (
	restartFirst = 1 * sim.Second
	restartMax   = 300 * sim.Second
)

func (k *Kernel) scheduleRestart(p *process) {
	if k.now()-p.started >= restartMax || p.backoff == 0 {
		p.backoff = restartFirst
	} else {
		p.backoff = min(2*p.backoff, restartMax)
	}
	delay := p.backoff
	k.tr.Emit(trace.Kernel, "app.restart", trace.Str("cid", p.cid), trace.Int("in_ns", delay), trace.Int("starts", int64(p.starts)))
	k.after(delay, func() {
		if k.app == p && !p.running && !p.held {
			k.launch()
		}
	})
}
