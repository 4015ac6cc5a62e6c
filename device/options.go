package device

import (
	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/fault"
	"github.com/sphere-emu/sphere-emu/glitch"
	"github.com/sphere-emu/sphere-emu/kernel"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Option sets one field of a device's Config, for Open:
//
//	dev, err := device.Open(img, device.WithSeed(7), device.WithFaults(plan))
//
// Open and New build the same *Device; Open also records the trace
// (Device.Log), which the run helpers (RunUntilEvent, Verdict, UARTOutput)
// read.
type Option func(*Config)

// WithSeed sets the run's seed (Config.Seed; Open's default is 1).
func WithSeed(seed uint64) Option { return func(c *Config) { c.Seed = seed } }

// WithDeviceSeed sets the manufacturing seed of a new device's unique
// secret (Config.DeviceSeed; Open's default is 1).
func WithDeviceSeed(seed uint64) Option { return func(c *Config) { c.DeviceSeed = seed } }

// WithFaults arms a fault plan at power-on (Config.Faults; docs/faults.md).
func WithFaults(p *fault.Plan) Option { return func(c *Config) { c.Faults = p } }

// WithGlitch glitches the security decisions the injector chooses
// (Config.Glitch; package glitch).
func WithGlitch(g glitch.Injector) Option { return func(c *Config) { c.Glitch = g } }

// WithService connects the OS to a security service (Config.Service).
func WithService(link *kernel.ServiceLink) Option { return func(c *Config) { c.Service = link } }

// WithStateDir keeps fuses and written flash blocks in dir across runs
// (Config.StateDir); Close saves them.
func WithStateDir(dir string) Option { return func(c *Config) { c.StateDir = dir } }

// WithCache shares a wazero compilation cache between devices (Config.Cache):
// tests that open many devices should pass one.
func WithCache(cache wazero.CompilationCache) Option {
	return func(c *Config) { c.Cache = cache }
}

// WithShared makes the device share immutable work with the other devices
// given the same Shared (Config.Shared): warm app runtimes, memoized
// signature and key arithmetic. Test suites and campaigns that open many
// devices should pass one; the devices trace exactly as without it.
func WithShared(s *Shared) Option { return func(c *Config) { c.Shared = s } }

// WithSinks adds trace sinks (Config.Sinks), after any already added.
func WithSinks(sinks ...trace.Sink) Option {
	return func(c *Config) { c.Sinks = append(c.Sinks, sinks...) }
}

// WithRestartApps makes the OS restart an app that exits or crashes
// (Config.RestartApps).
func WithRestartApps(on bool) Option { return func(c *Config) { c.RestartApps = on } }

// WithNet sets the apps' emulated network (Config.Net).
func WithNet(n *kernel.NetConfig) Option { return func(c *Config) { c.Net = n } }

// WithGateway attaches the device REST API's door (Config.Gateway).
func WithGateway(g *kernel.Gateway) Option { return func(c *Config) { c.Gateway = g } }

// WithRunawayLimit sets how long an app may compute without a syscall
// (Config.RunawayLimit, virtual nanoseconds).
func WithRunawayLimit(ns int64) Option { return func(c *Config) { c.RunawayLimit = ns } }

// WithRootKeyHash fuses a platform root key hash into a new device
// (Config.RootKeyHash).
func WithRootKeyHash(h [32]byte) Option { return func(c *Config) { c.RootKeyHash = &h } }

// WithConfig starts from a whole Config (its Image is replaced by Open's
// argument); later options change it further.
func WithConfig(cfg Config) Option {
	return func(c *Config) {
		img := c.Image
		*c = cfg
		c.Image = img
	}
}

// Open assembles a device from a flash image and options and powers it on,
// as New does, with the trace recorded from power-on (Device.Log). Seed and
// DeviceSeed default to 1. Nothing runs until Run, Step, RunFor or
// RunUntilEvent.
func Open(img []byte, opts ...Option) (*Device, error) {
	cfg := Config{Seed: 1, DeviceSeed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.Image = img
	cfg.Sinks = append(append([]trace.Sink(nil), cfg.Sinks...), &Log{})
	return New(cfg)
}
