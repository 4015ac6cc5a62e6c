package appcore

import (
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/sphere-emu/sphere-emu/fuel"
	"github.com/sphere-emu/sphere-emu/sim"
	"github.com/sphere-emu/sphere-emu/trace"
)

// Metering (docs/fuel.md): every app is instrumented with a fuel counter
// when it is loaded. Fuel is WebAssembly instructions; the A7 runs at
// 500 MHz and we count one cycle per instruction, so a unit is 2 ns of
// virtual time. Each time the counter runs out the guest yields to the
// scheduler (a deterministic preemption point) and virtual time advances.
const (
	nsPerFuel = 2 // A7 at 500 MHz, one cycle per instruction
	quantum   = 100_000
	// RunawayLimit is how much virtual time an app may compute without a
	// syscall before the kernel is told it hangs (it is killed, SIGKILL).
	RunawayLimit = 10 * sim.Second
)

// meter is the host side of one app's fuel counter.
type meter struct {
	g       *guest
	global  api.MutableGlobal
	granted int64 // fuel given at the last refill
	compute int64 // virtual ns computed since the last syscall
}

// fuelModule defines the callback the instrumented module imports.
func (g *guest) fuelModule(rt wazero.Runtime) wazero.HostModuleBuilder {
	return rt.NewHostModuleBuilder(fuel.DefaultImportModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, st []uint64) {
			g.meter.outOfFuel()
		}), nil, nil).
		Export(fuel.DefaultImportName)
}

// start binds the meter to the instantiated module and grants a quantum.
func (mt *meter) start(mod api.Module) bool {
	glob, ok := mod.ExportedGlobal(fuel.DefaultGlobalExport).(api.MutableGlobal)
	if !ok {
		return false
	}
	mt.global = glob
	mt.refill()
	return true
}

func (mt *meter) refill() {
	mt.granted = quantum
	mt.global.Set(uint64(quantum))
}

// burnt returns the fuel used since the last refill and refills.
func (mt *meter) take() int64 {
	if mt.global == nil {
		return 0
	}
	used := mt.granted - int64(mt.global.Get())
	mt.refill()
	return max(used, 0)
}

// outOfFuel is the preemption point: the computation is paid in virtual
// time (other domains run meanwhile), then the guest goes on, unless it has
// computed past RunawayLimit without a syscall.
func (mt *meter) outOfFuel() {
	used := mt.take()
	mt.compute += used * nsPerFuel
	mt.g.block(func() { mt.g.a.proc.Sleep(used * nsPerFuel) })
	if mt.g.a.proc.Killed() {
		panic(sim.ErrKilled)
	}
	if mt.compute >= mt.g.a.cfg.RunawayLimit {
		mt.g.a.tr.Emit(trace.Appcore, "app.runaway", trace.Str("cid", mt.g.a.cid), trace.Int("computed_ns", mt.compute))
		mt.g.runaway = true
		panic(sys.NewExitError(128 + sigKILL))
	}
}

// syscall pays the computation before a syscall, so the kernel sees it at
// the right virtual time, and resets the runaway clock.
func (mt *meter) syscall() {
	if used := mt.take(); used > 0 {
		mt.g.a.proc.Sleep(used * nsPerFuel)
	}
	mt.compute = 0
}
