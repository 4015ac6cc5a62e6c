package appcore

import (
	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/wasmpool"
)

// Pool keeps warm wazero runtimes for high-level apps (package wasmpool):
// their three host modules (WASI, applibs, the fuel callback) are compiled
// once per runtime and act for whichever app runs in it at the time.
type Pool = wasmpool.Pool[*guest]

// runtimes describes the app core's runtimes.
var runtimes = &wasmpool.Kind[*guest]{
	MemoryPages: MemoryLimitPages,
	NewBinding:  func() *guest { return &guest{} },
	Reset:       func(g *guest) { *g = guest{} },
	HostModules: func(rt wazero.Runtime, g *guest) []wasmpool.Host {
		return []wasmpool.Host{
			{Name: "fuel host module", Builder: g.fuelModule(rt)},
			{Name: "WASI host module", Builder: g.wasiModule(rt)},
			{Name: "applibs host module", Builder: g.hostModule(rt)},
		}
	},
}

// NewPool returns a pool whose runtimes compile through cache (nil: a
// private in-memory cache).
func NewPool(cache wazero.CompilationCache) *Pool { return wasmpool.New(runtimes, cache) }
