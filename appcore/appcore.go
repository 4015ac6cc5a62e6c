// Package appcore is the A7's user space: it runs the one high-level app, a
// WASM module, with wazero. The app's clocks and randomness come from the
// simulation; each applibs import becomes a syscall message to the kernel.
package appcore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/sphere-emu/sphere-emu/appcore/appcoremsg"
	"github.com/sphere-emu/sphere-emu/fuel"
	"github.com/sphere-emu/sphere-emu/guestfault"
	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// MemoryLimitPages is the high-level app's memory limit: 256 KiB, four
// 64 KiB WASM pages (reference §1.2).
const MemoryLimitPages = 4

// Config holds what the app core is built from.
type Config struct {
	Bus    *mailbox.Bus
	Tracer *trace.Tracer
	// Cache is the wazero compilation cache shared by devices; nil compiles afresh.
	Cache wazero.CompilationCache
	// Pool, if set, lends the app core a warm runtime for each app (and
	// Cache is then the pool's); nil builds a runtime per app.
	Pool *Pool
	// RunawayLimit is the virtual time an app may compute without a
	// syscall before it is killed as a runaway (0 = RunawayLimit).
	RunawayLimit int64
	// OnFirstInstruction, if set, is called just before the app's entry point runs.
	OnFirstInstruction func()
	// AppFault, if set, is asked at each syscall of the app (by component
	// ID) whether a fault strikes it there (fault injection).
	AppFault guestfault.Source
}

// Appcore is the high-level app core of one device.
type Appcore struct {
	cfg  Config
	ep   *mailbox.Endpoint
	tr   *trace.Tracer
	proc *sim.Proc
	cid  string
}

// New builds the app core and opens its mailbox endpoint.
func New(c Config) *Appcore {
	if c.RunawayLimit == 0 {
		c.RunawayLimit = RunawayLimit
	}
	return &Appcore{cfg: c, ep: c.Bus.Open(mailbox.Appcore, 0), tr: c.Tracer}
}

// Run is the app core's process: run each app the kernel starts.
func (a *Appcore) Run(proc *sim.Proc) {
	a.proc = proc
	a.ep.Bind(proc)
	for {
		m := a.ep.Recv()
		if m.Kind != appcoremsg.KindStartApp || m.From != mailbox.Kernel {
			a.tr.Emit(trace.Appcore, "request.reject", trace.Str("from", m.From.String()), trace.Str("kind", mailbox.KindName(m)))
			_ = a.ep.ReplyError(m, mailbox.ErrCodeDenied, "the app core only takes StartApp from the kernel")
			continue
		}
		req, err := appcoremsg.UnmarshalStartApp(m.Payload)
		if err != nil {
			a.tr.Emit(trace.Appcore, "request.reject", trace.Str("from", m.From.String()), trace.Str("reason", err.Error()))
			a.exited(kernelmsg.AppExited{Code: 1, Detail: err.Error()})
			continue
		}
		a.exited(a.runApp(req))
	}
}

func (a *Appcore) exited(e kernelmsg.AppExited) {
	_, _ = a.ep.Send(mailbox.Kernel, kernelmsg.KindAppExited, e.Marshal())
}

// runApp compiles, instantiates and runs one app to its end.
func (a *Appcore) runApp(req appcoremsg.StartApp) kernelmsg.AppExited {
	a.cid = req.ComponentID
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	key := a.cfg.Pool.Key(req.Wasm)
	wasm, err := a.cfg.Pool.Instrument(key, req.Wasm)
	if err != nil {
		return a.loadFailed("meter", err)
	}
	sl, err := a.cfg.Pool.Get(runtimes, a.cfg.Cache)
	if err != nil {
		return a.loadFailed(sl.Step, err)
	}
	defer a.cfg.Pool.Put(sl)
	g := sl.Binding
	*g = guest{a: a, ctx: ctx, args: append([]string{req.Name}, req.Args...)}
	g.meter.g = g
	cm, err := sl.Compile(ctx, key, req.Wasm, wasm)
	if err != nil {
		return a.loadFailed("compile", err)
	}
	if err := checkImports(cm); err != nil {
		return a.loadFailed("link", err)
	}
	// The guest's WASI comes from our own host module (wasi.go): clocks,
	// sleep and randomness are served from virtual time through the kernel.
	mc := wazero.NewModuleConfig().WithName(req.ComponentID).WithStartFunctions()
	mod, err := sl.Runtime.InstantiateModule(ctx, cm, mc)
	if err != nil {
		return a.loadFailed("instantiate", err)
	}
	defer mod.Close(context.Background())
	g.mod = mod
	if !g.meter.start(mod) {
		return a.loadFailed("meter", errors.New("the instrumented module exports no fuel counter"))
	}
	if err := g.syncClockBeforeStart(); err != nil {
		return a.result(err, g) // a signal was already pending: the app ends before its first instruction
	}
	start := mod.ExportedFunction("_start")
	if start == nil {
		return a.loadFailed("link", errors.New("the module exports no _start function"))
	}
	a.tr.Emit(trace.Appcore, "app.start", trace.Str("cid", req.ComponentID))
	if a.cfg.OnFirstInstruction != nil {
		a.cfg.OnFirstInstruction()
	}
	_, err = start.Call(ctx)
	if a.proc.Killed() {
		panic(sim.ErrKilled) // powered off while the app was blocked in a syscall
	}
	return a.result(err, g)
}

func (a *Appcore) loadFailed(step string, err error) kernelmsg.AppExited {
	a.tr.Emit(trace.Appcore, "app.load-failed", trace.Str("cid", a.cid), trace.Str("step", step), trace.Str("error", firstLine(err.Error())))
	return kernelmsg.AppExited{Code: 1, Detail: step + ": " + firstLine(err.Error())}
}

// Signals reported for traps, as the real OS reports crashes (AppCrash).
const (
	sigILL  = 4
	sigFPE  = 8
	sigKILL = 9
	sigSEGV = 11
)

// result turns the end of _start into an exit record: a normal exit, or a
// crash with the signal a native app would have died of.
func (a *Appcore) result(err error, g *guest) kernelmsg.AppExited {
	if err == nil {
		return kernelmsg.AppExited{Code: 0}
	}
	if g.runaway {
		detail := fmt.Sprintf("runaway: computed %s of virtual time without a syscall", sim.FormatTime(g.meter.compute))
		a.tr.Emit(trace.Appcore, "app.crash", trace.Str("cid", a.cid), trace.Int("signal", sigKILL), trace.Str("detail", detail))
		return kernelmsg.AppExited{Signal: sigKILL, Detail: detail}
	}
	if g.termSignal != 0 {
		a.tr.Emit(trace.Appcore, "app.terminated", trace.Str("cid", a.cid), trace.Int("signal", int64(g.termSignal)))
		return kernelmsg.AppExited{Signal: g.termSignal, Detail: "terminated by signal"}
	}
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		return kernelmsg.AppExited{Code: int32(ee.ExitCode() & 0xFF)} // a Linux exit status is 8 bits
	}
	msg := firstLine(err.Error())
	sig := int32(sigSEGV)
	switch {
	case strings.Contains(msg, "unreachable"):
		sig = sigILL
	case strings.Contains(msg, "integer divide by zero"), strings.Contains(msg, "integer overflow"):
		sig = sigFPE
	}
	a.tr.Emit(trace.Appcore, "app.crash", trace.Str("cid", a.cid), trace.Int("signal", int64(sig)), trace.Str("detail", msg))
	return kernelmsg.AppExited{Signal: sig, Detail: msg}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// compile compiles a module, turning a panic inside wazero into an error:
// wazero v1.12.0's validator panics on some malformed modules (an index out
// of range in func_validation.go), and a bad app must never take the
// emulator down.

// checkImports refuses modules that import anything but WASI and applibs.
func checkImports(cm wazero.CompiledModule) error {
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != wasiModuleName && mod != hostModuleName && mod != fuel.DefaultImportModule {
			return fmt.Errorf("the module imports %s.%s; apps may import only %s and wasi_snapshot_preview1", mod, name, hostModuleName)
		}
	}
	return nil
}

// guest is the host side of one running app.
type guest struct {
	a          *Appcore
	ctx        context.Context
	mod        api.Module
	args       []string
	wallOffset int64 // clock_settime's shift of CLOCK_REALTIME, from the kernel
	termSignal int32 // the signal that terminated the app, if any
	meter      meter
	runaway    bool
}

// block runs f, which may park the app core's process (a syscall, a
// sleep, a preemption).
func (g *guest) block(f func()) { f() }

// syscall sends one syscall to the kernel and returns its result with the
// value in the guest's errno numbering. A blocking syscall waits in virtual
// time for as long as the kernel holds it. A signal that comes with the
// result is delivered before returning: the app's handler runs, or the app
// is terminated.
func (g *guest) syscall(kind mailbox.Kind, args kernelmsg.Args) kernelmsg.Result {
	var r kernelmsg.Result
	if f := g.a.cfg.AppFault; f != nil {
		if af := f(trace.Appcore, g.a.cid); af.Op != "" {
			g.injectFault(af)
		}
	}
	g.meter.syscall()
	g.block(func() {
		resp, err := g.a.ep.Call(mailbox.Kernel, kind, args.Marshal(), 0)
		if err == nil {
			r, err = kernelmsg.UnmarshalResult(resp)
		}
		if err != nil {
			g.a.tr.Emit(trace.Appcore, "syscall.failed", trace.Str("cid", g.a.cid), trace.Str("kind", mailbox.KindName(mailbox.Message{To: mailbox.Kernel, Kind: kind})), trace.Str("error", err.Error()))
			r = kernelmsg.Result{Value: -int64(kernelmsg.EIO)}
		}
	})
	if g.a.proc.Killed() {
		panic(sim.ErrKilled)
	}
	r.Value = int64(guestResult(r.Value))
	if r.Signal != 0 {
		g.deliver(r.Signal)
	}
	return r
}

// deliver runs the app's handler for a positive signal, or terminates the
// app for a negative one (the default action), as the kernel decided.
func (g *guest) deliver(sig int32) {
	if sig < 0 {
		g.termSignal = -sig
		panic(sys.NewExitError(uint32(128 - sig)))
	}
	h := g.mod.ExportedFunction("__applibs_signal")
	if h == nil {
		g.termSignal = sig
		panic(sys.NewExitError(uint32(128 + sig)))
	}
	g.a.tr.Emit(trace.Appcore, "signal.handler", trace.Str("cid", g.a.cid), trace.Int("signal", int64(sig)))
	if _, err := h.Call(g.ctx, uint64(sig)); err != nil {
		panic(err) // the handler trapped or exited: end the app with its error
	}
}

// syscallInts makes a syscall whose arguments are all integers.
func (g *guest) syscallInts(kind mailbox.Kind, ints ...int64) kernelmsg.Result {
	return g.syscall(kind, kernelmsg.Args{Ints: ints})
}

// syncClockBeforeStart is syncClock outside any guest call: a signal the
// kernel delivers with the answer (the OS stopping the app before it ran)
// becomes an exit error here rather than a panic no wazero frame catches.
func (g *guest) syncClockBeforeStart() (err error) {
	defer func() {
		if r := recover(); r != nil {
			ee, ok := r.(*sys.ExitError)
			if !ok {
				panic(r)
			}
			err = ee
		}
	}()
	g.syncClock()
	return nil
}

// syncClock fetches the wall-clock offset clock_settime may have set.
func (g *guest) syncClock() {
	if r := g.syscallInts(kernelmsg.KindClockOffset); r.Value >= 0 {
		g.wallOffset = r.Value
	}
}

// injectFault makes a fault strike the app at this syscall (fault
// injection: package fault's app actions).
func (g *guest) injectFault(af guestfault.Fault) {
	op := af.Op
	switch op {
	case "flip":
		if details, emit := af.StrikeMemory(g.mod.Memory()); emit {
			g.a.tr.Emit(trace.Appcore, "app.fault", append([]trace.Field{trace.Str("cid", g.a.cid), trace.Str("op", op)}, details...)...)
		}
	case "trap":
		g.a.tr.Emit(trace.Appcore, "app.fault", trace.Str("cid", g.a.cid), trace.Str("op", op))
		panic(errors.New("wasm error: unreachable (injected fault)"))
	case "hang":
		// A guest that spins without yielding: its computation passes the
		// runaway limit and the app core's watchdog kills it.
		g.a.tr.Emit(trace.Appcore, "app.fault", trace.Str("cid", g.a.cid), trace.Str("op", op))
		limit := g.a.cfg.RunawayLimit
		g.block(func() { g.a.proc.Sleep(limit) })
		if g.a.proc.Killed() {
			panic(sim.ErrKilled)
		}
		g.meter.compute = limit
		g.a.tr.Emit(trace.Appcore, "app.runaway", trace.Str("cid", g.a.cid), trace.Int("computed_ns", limit))
		g.runaway = true
		panic(sys.NewExitError(128 + sigKILL))
	case "exhaust":
		pages := guestfault.Grow(g.mod.Memory())
		g.a.tr.Emit(trace.Appcore, "app.fault", trace.Str("cid", g.a.cid), trace.Str("op", op), trace.Uint("pages_grown", uint64(pages)))
	}
}
