// Package rtcore is one of the MT3620's two Cortex-M4F real-time cores. The
// Security Monitor loads a real-time app into it with a firewall
// configuration; the app is a WASM module that reaches hardware the way a
// bare-metal app does — by physical address, through its `mt3620` imports —
// and handles interrupts through its exported rt_irq. Every access is checked
// against the firewall: a violation is a bus fault that stops this core's app
// alone.
package rtcore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/sphere-emu/sphere-emu/fuel"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/guestfault"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/rtcore/rtcoremsg"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Block is a memory-mapped register block of the core's own hardware.
type Block interface {
	Read32(off uint32) (uint32, error)
	Write32(off, v uint32) error
}

// IO is the shared peripheral space (GPIO, PWM, ADC, ISUs) at 0x38000000.
type IO interface {
	IORead32(addr uint32) (uint32, error)
	IOWrite32(addr, v uint32) error
}

// Memory map of an M4 core (reference §1.3).
const (
	TCMBase      = 0x00100000
	TCMSize      = 192 << 10
	SYSRAMBase   = 0x22000000
	SYSRAMSize   = 64 << 10
	WDTBase      = 0x21020000
	GPTBase      = 0x21030000
	UARTBase     = 0x21040000
	MailboxBase  = 0x21050000
	blockSize    = 0x10000
	IOBase       = 0x38000000
	IOEnd        = 0x380C0000 // GPIO, PWM, ADC and ISU0–4 (hw/iomux.go, hw/isu.go)
	NVICISER     = 0xE000E100
	NVICICER     = 0xE000E180
	NVICIPR      = 0xE000E400
	NVICEnd      = 0xE000E500
	IRQGPT       = 1
	IRQMailbox   = 11
	numIRQs      = 128
	MemoryPages  = 3 // the app's linear memory is the 192 KiB TCM
	importModule = "mt3620"
)

// Cost model in virtual time (emulator-defined): a register or memory access
// on the M4's bus. Debts are paid in batches so a busy app does not schedule
// an event per access.
const (
	costAccess  = 50 * sim.Nanosecond
	payDebtOver = 10 * sim.Microsecond
	maxIRQBurst = 64
)

// Metering (docs/fuel.md): the app is instrumented with a fuel counter; a
// unit is one WebAssembly instruction, counted as one cycle of the M4F's
// 200 MHz clock. When the counter runs out the computation is paid in
// virtual time, interrupts are delivered, and the core yields: so time
// advances as the app computes, a spinning app is preempted, and its
// watchdog can fire.
const (
	nsPerFuel = 5 // M4F at 200 MHz
	quantum   = 20_000
)

// Config holds what a core is built from.
type Config struct {
	Core   int // 0 (IO0) or 1 (IO1)
	Bus    *mailbox.Bus
	Tracer *trace.Tracer
	// The core's own blocks and the shared spaces it can reach.
	Mailbox, GPT, WDT, UART Block
	IO                      IO
	Shared                  *hw.RAM // intercore ring buffers in the A7's SYSRAM
	// IRQLines reports the level of each interrupt line wired to the NVIC.
	IRQLines map[int]func() bool
	Cache    wazero.CompilationCache
	// Pool, if set, lends the core a warm runtime for each app (and Cache
	// is then the pool's); nil builds a runtime per app.
	Pool *Pool
	// Glitch, if set, may glitch the core's firewall checks (fault injection).
	Glitch glitch.Injector
	// AppFault, if set, is asked at each host call of the app whether a
	// fault strikes it there (fault injection).
	AppFault guestfault.Source
	// RegisterFault, if set, may change what a register read returns
	// (fault injection: a flipped bit in a peripheral register).
	RegisterFault guestfault.RegisterSource
}

// Core is one real-time core.
type Core struct {
	cfg    Config
	addr   mailbox.Addr
	dom    string
	ep     *mailbox.Endpoint
	tr     *trace.Tracer
	proc   *sim.Proc
	sysram *hw.RAM // SYSRAMSize bytes at SYSRAMBase (allocated at the first write)

	// The running app.
	app        *rtcoremsg.Start
	mod        api.Module
	irqFn      api.Function
	ctx        context.Context
	regions    []rtcoremsg.Region
	nvic       [numIRQs / 32]uint32
	lines      [numIRQs]func() bool // Config.IRQLines by number, for pending
	masked     bool
	inIRQ      bool
	debt       int64
	stopReason string // set when the app must end: "fault", "watchdog", "stop"
	stopDetail string
	fuel       api.MutableGlobal
	granted    int64
}

// New builds a core and opens its mailbox endpoint.
func New(c Config) *Core {
	addr := mailbox.RTCore0
	if c.Core == 1 {
		addr = mailbox.RTCore1
	}
	core := &Core{cfg: c, addr: addr, dom: addr.String(), ep: c.Bus.Open(addr, 0), tr: c.Tracer, sysram: hw.NewRAM(SYSRAMBase, SYSRAMSize)}
	for n, line := range c.IRQLines {
		if n >= 0 && n < numIRQs {
			core.lines[n] = line
		}
	}
	return core
}

// Interrupt tells the core an interrupt line may have risen; a core asleep
// in wfi wakes. Safe from the scheduler or any process.
func (c *Core) Interrupt() {
	if c.proc != nil {
		c.proc.Wake()
	}
}

// WatchdogExpired resets the core: its app stops and the OS restarts it.
func (c *Core) WatchdogExpired() {
	if c.app == nil {
		return
	}
	c.tr.Emit(c.dom, "rt.watchdog", trace.Str("cid", c.app.ComponentID))
	c.requestStop("watchdog", "the watchdog expired")
}

func (c *Core) requestStop(reason, detail string) {
	if c.stopReason == "" {
		c.stopReason, c.stopDetail = reason, detail
	}
	c.Interrupt()
}

// Run is the core's process: run each app the Security Monitor loads.
func (c *Core) Run(p *sim.Proc) {
	c.proc = p
	c.ep.Bind(p)
	for {
		m := c.ep.Recv()
		switch {
		case m.Kind == rtcoremsg.KindStart && m.From == mailbox.Secmon:
			s, err := rtcoremsg.UnmarshalStart(m.Payload)
			if err != nil {
				c.tr.Emit(c.dom, "request.reject", trace.Str("from", m.From.String()), trace.Str("reason", err.Error()))
				c.report(rtcoremsg.Stopped{Reason: "load", Detail: err.Error()})
				continue
			}
			c.report(c.runApp(s))
		case m.Kind == rtcoremsg.KindStop && m.From == mailbox.Secmon:
			// not running: nothing to stop
		default:
			c.tr.Emit(c.dom, "request.reject", trace.Str("from", m.From.String()), trace.Str("kind", mailbox.KindName(m)))
			_ = c.ep.ReplyError(m, mailbox.ErrCodeDenied, "a real-time core only takes orders from the Security Monitor")
		}
	}
}

func (c *Core) report(s rtcoremsg.Stopped) {
	c.tr.Emit(c.dom, "rt.stop", trace.Str("cid", s.ComponentID), trace.Str("reason", s.Reason), trace.Str("detail", s.Detail))
	_, _ = c.ep.Send(mailbox.Secmon, secmonmsg.KindRTStopped, s.Marshal())
}

// runApp loads and runs one app until it returns, faults, is stopped, or its
// watchdog resets the core.
func (c *Core) runApp(s rtcoremsg.Start) rtcoremsg.Stopped {
	c.app, c.regions = &s, s.Regions
	c.nvic = [numIRQs / 32]uint32{}
	c.masked, c.inIRQ, c.debt = false, false, 0
	c.stopReason, c.stopDetail = "", ""
	c.sysram.Clear()
	defer func() { c.app, c.mod, c.irqFn = nil, nil, nil }()
	stopped := func(reason, detail string) rtcoremsg.Stopped {
		return rtcoremsg.Stopped{ComponentID: s.ComponentID, Reason: reason, Detail: detail}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.ctx = ctx
	sl, err := c.cfg.Pool.Get(runtimes, c.cfg.Cache)
	if err != nil {
		return stopped("load", sl.Step+": "+err.Error())
	}
	defer c.cfg.Pool.Put(sl)
	sl.Binding.c = c
	key := c.cfg.Pool.Key(s.Wasm)
	wasm, err := c.cfg.Pool.Instrument(key, s.Wasm)
	if err != nil {
		return stopped("load", "cannot meter the module: "+err.Error())
	}
	cm, err := sl.Compile(ctx, key, s.Wasm, wasm)
	if err != nil {
		return stopped("load", firstLine(err.Error()))
	}
	for _, f := range cm.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod != importModule && mod != fuel.DefaultImportModule {
			return stopped("load", fmt.Sprintf("the module imports %s.%s; real-time apps may import only %s", mod, name, importModule))
		}
	}
	mod, err := sl.Runtime.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(s.ComponentID).WithStartFunctions())
	if err != nil {
		return stopped("load", firstLine(err.Error()))
	}
	defer mod.Close(context.Background())
	main, irq := mod.ExportedFunction("rt_main"), mod.ExportedFunction("rt_irq")
	if main == nil || irq == nil {
		return stopped("load", "the module must export rt_main and rt_irq")
	}
	c.mod, c.irqFn = mod, irq
	g, ok := mod.ExportedGlobal(fuel.DefaultGlobalExport).(api.MutableGlobal)
	if !ok {
		return stopped("load", "the instrumented module exports no fuel counter")
	}
	c.fuel = g
	c.refill()
	c.tr.Emit(c.dom, "rt.start", trace.Str("cid", s.ComponentID), trace.Str("name", s.Name))
	_, err = main.Call(ctx)
	if c.proc.Killed() {
		panic(sim.ErrKilled)
	}
	switch {
	case c.stopReason != "":
		return stopped(c.stopReason, c.stopDetail)
	case err == nil:
		return stopped("exit", "rt_main returned")
	}
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		return stopped("exit", fmt.Sprintf("exit code %d", ee.ExitCode()))
	}
	return stopped("crash", firstLine(err.Error()))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (c *Core) refill() {
	c.granted = quantum
	c.fuel.Set(uint64(quantum))
}

// takeFuel returns the fuel used since the last refill, as virtual time
// owed, and refills.
func (c *Core) takeFuel() int64 {
	if c.fuel == nil {
		return 0
	}
	used := c.granted - int64(c.fuel.Get())
	c.refill()
	return max(used, 0) * nsPerFuel
}

// fuelModule defines the callback the instrumented module imports: the
// preemption point.
func fuelModule(rt wazero.Runtime, cell *hostCell) wazero.HostModuleBuilder {
	return rt.NewHostModuleBuilder(fuel.DefaultImportModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, st []uint64) {
			c := cell.c
			c.enter()
			defer c.leave()
			c.pay()
		}), nil, nil).
		Export(fuel.DefaultImportName)
}
