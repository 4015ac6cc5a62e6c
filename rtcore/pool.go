package rtcore

import (
	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/wasmpool"
)

// Pool keeps warm wazero runtimes for real-time apps (package wasmpool), as
// appcore.Pool does for high-level ones: their two host modules (mt3620,
// the fuel callback) are compiled once per runtime and act for whichever
// core's app runs in it at the time.
type Pool = wasmpool.Pool[*hostCell]

// hostCell is what a runtime's host functions act for: the core whose app
// runs in it.
type hostCell struct{ c *Core }

// runtimes describes a real-time core's runtimes.
var runtimes = &wasmpool.Kind[*hostCell]{
	MemoryPages: MemoryPages,
	NewBinding:  func() *hostCell { return &hostCell{} },
	Reset:       func(h *hostCell) { h.c = nil },
	HostModules: func(rt wazero.Runtime, h *hostCell) []wasmpool.Host {
		return []wasmpool.Host{
			{Name: "host module", Builder: hostModule(rt, h)},
			{Name: "fuel host module", Builder: fuelModule(rt, h)},
		}
	},
}

// NewPool returns a pool whose runtimes compile through cache (nil: a
// private in-memory cache).
func NewPool(cache wazero.CompilationCache) *Pool { return wasmpool.New(runtimes, cache) }
