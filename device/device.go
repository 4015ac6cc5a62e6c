// Package device assembles one emulated Azure Sphere device from its parts —
// flash, fuses, GPIO, the mailbox bus and the five trust domains — powers it
// on, runs it in virtual time, and powers it off. It is the only package
// that wires domains together.
package device

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tetratelabs/wazero"

	sphereemu "github.com/sphere-emu/sphere-emu"
	"github.com/sphere-emu/sphere-emu/appcore"
	"github.com/sphere-emu/sphere-emu/device/devicemsg"
	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/guestfault"
	"github.com/sphere-emu/sphere-emu/hw"
	"github.com/sphere-emu/sphere-emu/image"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/mailbox"
	"github.com/sphere-emu/sphere-emu/pluton"
	"github.com/sphere-emu/sphere-emu/rtcore"
	"github.com/sphere-emu/sphere-emu/secmon"
	"github.com/sphere-emu/sphere-emu/secmon/secmonmsg"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Config describes the device to build.
type Config struct {
	// Image is the flash image file (see docs/image-format.md).
	Image []byte
	// Seed drives every random choice of the run.
	Seed uint64
	// DeviceSeed stands for the silicon's manufacturing randomness: it
	// decides the unique device secret of a device without a state directory.
	DeviceSeed uint64
	// RootKeyHash is the SHA-256 of the platform root public key (X‖Y)
	// fused into a new device; nil fuses the public test key of testdata/keys.
	RootKeyHash *[32]byte
	// From, if set, starts the device from a Snapshot of another (its flash
	// writes and fuses) instead of a new one flashed with Image; StateDir
	// is then ignored for loading.
	From *Snapshot
	// StateDir, if set, keeps the device's fuses across runs (fuses.json):
	// anti-rollback counters burnt in one run hold in the next. It also
	// keeps the flash blocks the device wrote (flash.json: the telemetry
	// and mutable storage partitions) while the same image file is booted.
	StateDir string
	// Cache is a wazero compilation cache shared between devices (may be nil).
	Cache wazero.CompilationCache
	// Shared, if set, is state this device shares with others of the
	// process (a campaign's runs): see Shared. Its cache replaces Cache.
	Shared *Shared
	// Sinks receive the trace.
	Sinks []trace.Sink
	// OnFirstInstruction is called just before the app's first instruction.
	OnFirstInstruction func()
	// RestartApps makes the OS restart a high-level app that exits or
	// crashes, with back-off, as the real OS does; without it the run stops
	// at the app's first exit.
	RestartApps bool
	// Glitch, if set, glitches the security decisions it chooses (fault
	// injection: package glitch names them).
	Glitch glitch.Injector
	// Service connects the device's OS to a security service (attestation,
	// certificates, error reports); nil: the device is offline.
	Service *kernel.ServiceLink
	// Net is the emulated network of the apps' sockets and HTTPS (kernel.NetConfig).
	Net *kernel.NetConfig
	// RunawayLimit is the virtual time a high-level app may compute
	// without a syscall before it is killed (0 = appcore.RunawayLimit).
	RunawayLimit int64
	// Gateway is the door of the device REST API (served by package
	// gateway): every boot's kernel answers the requests it queues; nil:
	// no REST API.
	Gateway *kernel.Gateway
	// Faults, if set, is armed at power-on, before any domain runs
	// (fault.Apply; docs/faults.md).
	Faults *fault.Plan
}

// Result says how a run ended.
type Result struct {
	Stop       string // "until", "idle", "halt" or "app-exit"
	Time       int64  // virtual time at the end
	Halted     bool
	HaltStage  string
	HaltReason string
	AppStarted bool // the app reached its first instruction
	AppExited  bool
	AppCID     string
	ExitCode   int32
	Signal     int32
	Panic      string // an emulator bug: a domain's Go code panicked
	Reboots    int    // reboots and power-down wake-ups during the run
}

// rebootTime is how long a reboot keeps the chip in reset (emulator-defined).
const rebootTime = 100 * sim.Millisecond

// Device is one emulated device.
type Device struct {
	glitches  []glitch.Injector           // added by fault plans (AddGlitch)
	appFaults []guestfault.Source         // added by fault plans (AddAppFault)
	regFaults []guestfault.RegisterSource // added by fault plans (AddRegisterFault)
	link      *kernel.ServiceLink         // cfg.Service, divertible (mitm.go)
	mitm      bool                        // a man in the middle answers the service's connections
	replay    replayer                    // records the service's answers; replays them when on (mitm.go)
	sim       *sim.Sim
	tr        *trace.Tracer
	bus       *mailbox.Bus
	flash     *hw.Flash
	board     *hw.Board
	fuses     *pluton.Fuses
	pluton    *pluton.Pluton
	secmon    *secmon.SecurityMonitor
	kernel    *kernel.Kernel
	appcore   *appcore.Appcore
	rt        [2]*rtcore.Core
	rtLinks   [2]kernel.RTLink // the A7↔real-time-core channels of this boot
	ep        *mailbox.Endpoint
	cfg       Config
	result    Result
	closed    bool
	starts    uint32 // calls of start: power-ons and resets
}

// TestRootKeyHash returns the SHA-256 of the public test platform key's
// X‖Y encoding, which new devices have fused unless told otherwise.
func TestRootKeyHash() ([32]byte, error) {
	pub, err := image.ParsePublicKeyPEM(sphereemu.TestPlatformPublicKey)
	if err != nil {
		return [32]byte{}, fmt.Errorf("device: bundled test platform key: %w", err)
	}
	xy := image.PublicKeyBytes(pub)
	return sha256.Sum256(xy[:]), nil
}

// New assembles a device and powers it on; nothing runs until Run.
func New(cfg Config) (*Device, error) {
	fuses, err := loadFuses(cfg)
	if err != nil {
		return nil, err
	}
	flash, err := hw.NewFlash(image.DefaultFlashSize, cfg.Image)
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	restored := false
	if cfg.From != nil {
		fuses = cfg.From.fuses.Clone()
		for i, b := range cfg.From.blocks {
			if err := flash.RestoreBlock(i, b); err != nil {
				return nil, fmt.Errorf("device: snapshot: %w", err)
			}
		}
		restored = len(cfg.From.blocks) > 0
	} else if cfg.StateDir != "" {
		if restored, err = loadFlashState(cfg.StateDir, cfg.Image, flash); err != nil {
			return nil, err
		}
	}
	if cfg.Shared != nil {
		cfg.Cache = cfg.Shared.cache
	}
	s := sim.New(cfg.Seed)
	tr := trace.New(s.Now, cfg.Sinks...)
	d := &Device{sim: s, tr: tr, flash: flash, fuses: fuses, cfg: cfg}
	d.bus = mailbox.NewBus(s, tr)
	d.board = hw.NewBoard(tr, s.Now, s.Schedule)
	if cfg.Net != nil && cfg.Net.Offline {
		d.board.SetNetworkUp(false)
	}
	// The ISU interrupt lines reach both real-time cores' NVICs: a transfer
	// completing or a byte arriving wakes a core asleep in wfi, which then
	// samples the levels. The board outlives a reboot, so the hooks find
	// the cores and kernel of the current boot.
	wakeRT := func() {
		for _, c := range d.rt {
			if c != nil {
				c.Interrupt()
			}
		}
	}
	d.board.OnInput(func() {
		if d.kernel != nil {
			d.kernel.Interrupt()
		}
		wakeRT()
	})
	d.board.OnISUIRQ(wakeRT)
	s.OnPanic(func(p *sim.Proc, v any) {
		// A bug in a domain's Go code: report it as the emulator's failure,
		// never as the device's behaviour, and stop.
		d.result.Panic = fmt.Sprintf("%s: %v", p.Name(), v)
		tr.Emit(trace.Device, "domain.panic", trace.Str("domain", p.Name()), trace.Str("value", fmt.Sprint(v)))
		d.sim.Stop("panic")
	})
	tr.Emit(trace.Device, "power.on", trace.Uint("seed", cfg.Seed), trace.Int("flash_bytes", int64(len(cfg.Image))), trace.Bool("flash_state", restored))
	if cfg.Faults != nil {
		if err := fault.Apply(cfg.Faults, d); err != nil {
			return nil, fmt.Errorf("device: fault plan: %w", err)
		}
	}
	d.link = d.serviceLink()
	d.start()
	return d, nil
}

// start builds the trust domains on the device's hardware and runs them
// from reset: at power-on and after every reboot. Flash, fuses, mutable
// storage and the board (the world around the chip) carry over.
func (d *Device) start() {
	cfg := d.cfg
	d.starts++
	d.ep = d.bus.Open(mailbox.Device, 0)
	var (
		sigs *image.SignatureMemo
		keys *pluton.KeyMemo
	)
	if cfg.Shared != nil {
		sigs, keys = cfg.Shared.sigs, cfg.Shared.keys
	}
	d.pluton = pluton.New(pluton.Config{Fuses: d.fuses, Flash: d.flash, Bus: d.bus, Tracer: d.tr, Glitch: d.glitchAt, Signatures: sigs, Keys: keys})
	d.secmon = secmon.New(secmon.Config{Flash: d.flash, Bus: d.bus, Tracer: d.tr, Glitch: d.glitchAt})
	// The real-time cores and their links to the A7, reset at every boot.
	var (
		links  [2]kernel.RTLink
		rtPool *rtcore.Pool
	)
	if cfg.Shared != nil {
		rtPool = cfg.Shared.rts
	}
	for core := range d.rt {
		mb := hw.NewMailboxChannel(core, d.tr)
		gpt := hw.NewGPT(core, d.tr, d.sim.Now, d.sim.Schedule)
		wdt := hw.NewWatchdog(core, d.tr, d.sim.Now, d.sim.Schedule)
		shared := hw.NewRAM(secmonmsg.SharedBufferBase+uint32(core)*secmonmsg.SharedBufferSize, secmonmsg.SharedBufferSize)
		// An ISU's interrupt lines reach a core only while its firewall maps
		// that ISU's block: another core's UART traffic is no one else's.
		var c *rtcore.Core
		lines := map[int]func() bool{rtcore.IRQGPT: gpt.IRQ, rtcore.IRQMailbox: mb.M4IRQ}
		for irq := hw.ISUIRQI2CBase; irq < hw.ISUIRQI2CBase+hw.ISUCount*hw.ISUIRQStride; irq++ {
			block := hw.IOISUBase + uint32((irq-hw.ISUIRQI2CBase)/hw.ISUIRQStride)*hw.IOBlockSize
			if _, ok := d.board.ISUIRQLevel(irq); ok {
				lines[irq] = func() bool {
					level, _ := d.board.ISUIRQLevel(irq)
					return level && c.Maps(block)
				}
			}
		}
		c = rtcore.New(rtcore.Config{Core: core, Bus: d.bus, Tracer: d.tr,
			Mailbox: mb, GPT: gpt, WDT: wdt, UART: hw.NewM4UART(core, d.tr), IO: d.board, Shared: shared,
			IRQLines: lines, Cache: cfg.Cache, Pool: rtPool, Glitch: d.glitchAt, AppFault: d.appFaultAt, RegisterFault: d.registerFaultAt})
		mb.OnM4IRQ(c.Interrupt)
		gpt.OnIRQ(c.Interrupt)
		wdt.OnExpire(c.WatchdogExpired)
		mb.OnA7IRQ(func() {
			if d.kernel != nil {
				d.kernel.Interrupt()
			}
		})
		d.rt[core] = c
		links[core] = kernel.RTLink{Mailbox: mb, Shared: shared}
	}
	d.rtLinks = links
	d.kernel = kernel.New(kernel.Config{Bus: d.bus, Tracer: d.tr, Board: d.board, RestartApps: cfg.RestartApps, RT: links, Service: d.link, Net: cfg.Net, Gateway: cfg.Gateway})
	var pool *appcore.Pool
	if cfg.Shared != nil {
		pool = cfg.Shared.apps
	}
	d.appcore = appcore.New(appcore.Config{Bus: d.bus, Tracer: d.tr, Cache: cfg.Cache, Pool: pool, RunawayLimit: cfg.RunawayLimit, AppFault: d.appFaultAt, OnFirstInstruction: func() {
		d.result.AppStarted = true
		if cfg.OnFirstInstruction != nil {
			cfg.OnFirstInstruction()
		}
	}})
	s := d.sim
	s.Spawn("device", d.serve)
	s.Spawn("pluton", d.pluton.Run)
	s.Spawn("secmon", d.secmon.Run)
	s.Spawn("kernel", d.kernel.Run)
	s.Spawn("appcore", d.appcore.Run)
	s.Spawn("rtcore0", d.rt[0].Run)
	s.Spawn("rtcore1", d.rt[1].Run)
}

// restart resets every domain after delay (a reboot, or the end of a
// power-down), as a scheduler event so that no domain is running.
func (d *Device) restart(delay int64, why string) {
	d.sim.After(delay, func() {
		d.sim.Shutdown()
		for _, a := range []mailbox.Addr{mailbox.Pluton, mailbox.Secmon, mailbox.Kernel, mailbox.Appcore, mailbox.Device, mailbox.RTCore0, mailbox.RTCore1} {
			d.bus.Close(a)
		}
		d.result.Reboots++
		d.tr.Emit(trace.Device, "power.reset", trace.Str("reason", why), trace.Int("boot", int64(d.result.Reboots+1)))
		d.start()
	})
}

func loadFuses(cfg Config) (*pluton.Fuses, error) {
	if cfg.StateDir != "" {
		f, err := pluton.LoadFuses(filepath.Join(cfg.StateDir, "fuses.json"))
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("device: state %s: %w", cfg.StateDir, err)
		}
	}
	root := cfg.RootKeyHash
	if root == nil {
		h, err := TestRootKeyHash()
		if err != nil {
			return nil, err
		}
		root = &h
	}
	return pluton.Manufacture(cfg.DeviceSeed, *root), nil
}

// serve is the device controller's process: it hears halts and app exits.
func (d *Device) serve(p *sim.Proc) {
	d.ep.Bind(p)
	for {
		m := d.ep.Recv()
		switch m.Kind {
		case devicemsg.KindHalt:
			h, err := devicemsg.UnmarshalHalt(m.Payload)
			if err != nil {
				d.tr.Emit(trace.Device, "request.reject", trace.Str("from", m.From.String()), trace.Str("reason", err.Error()))
				continue
			}
			d.result.Halted, d.result.HaltStage, d.result.HaltReason = true, h.Stage, h.Reason
			d.stop("halt")
		case devicemsg.KindAppExit:
			e, err := devicemsg.UnmarshalAppExit(m.Payload)
			if err != nil {
				d.tr.Emit(trace.Device, "request.reject", trace.Str("from", m.From.String()), trace.Str("reason", err.Error()))
				continue
			}
			d.result.AppExited, d.result.AppCID, d.result.ExitCode, d.result.Signal = true, e.ComponentID, e.Code, e.Signal
			d.stop("app-exit")
		case devicemsg.KindReboot:
			d.tr.Emit(trace.Device, "power.reboot")
			d.restart(rebootTime, "reboot")
			return
		case devicemsg.KindPowerDown:
			pd, err := devicemsg.UnmarshalPowerDown(m.Payload)
			if err != nil {
				d.tr.Emit(trace.Device, "request.reject", trace.Str("from", m.From.String()), trace.Str("reason", err.Error()))
				continue
			}
			d.tr.Emit(trace.Device, "power.down", trace.Int("max_residency_s", int64(pd.MaxResidencySeconds)))
			d.restart(int64(pd.MaxResidencySeconds)*sim.Second, "power-down ended")
			return
		default:
			d.tr.Emit(trace.Device, "request.reject", trace.Str("from", m.From.String()), trace.Str("kind", mailbox.KindName(m)))
		}
	}
}

func (d *Device) stop(reason string) {
	d.tr.Emit(trace.Device, "power.stop", trace.Str("reason", reason))
	d.sim.Stop(reason)
}

// Run runs the device until virtual time until, a halt, or the app's exit.
func (d *Device) Run(until int64) Result {
	why := d.sim.Run(until)
	if stopped, reason := d.sim.Stopped(); stopped {
		why = reason
	}
	d.result.Stop = why
	d.result.Time = d.sim.Now()
	return d.result
}

// Sim returns the device's simulation (its clock and scheduler).
func (d *Device) Sim() *sim.Sim { return d.sim }

// GPIO returns the device's GPIO pins, for test benches to watch and drive.
func (d *Device) GPIO() *hw.GPIO { return d.board.GPIO }

// Board returns the device's board: its peripherals and the world they
// sense, for test benches and scenarios.
func (d *Device) Board() *hw.Board { return d.board }

// Flash returns the device's flash part, for fault injection.
func (d *Device) Flash() *hw.Flash { return d.flash }

// Bus returns the device's mailbox bus, for fault injection taps.
func (d *Device) Bus() *mailbox.Bus { return d.bus }

// Tracer returns the device's tracer.
func (d *Device) Tracer() *trace.Tracer { return d.tr }

// DeviceID returns the device ID (the identity public key as 128 hex characters).
func (d *Device) DeviceID() string { return d.pluton.DeviceID() }

// Close powers the device off and saves its fuses to the state directory.
func (d *Device) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.tr.Emit(trace.Device, "power.off")
	d.sim.Shutdown()
	if d.cfg.StateDir != "" {
		if err := os.MkdirAll(d.cfg.StateDir, 0o755); err != nil {
			return fmt.Errorf("device: %w", err)
		}
		if err := d.fuses.Save(filepath.Join(d.cfg.StateDir, "fuses.json")); err != nil {
			return fmt.Errorf("device: %w", err)
		}
		if err := saveFlashState(d.cfg.StateDir, d.cfg.Image, d.flash); err != nil {
			return err
		}
	}
	return nil
}
