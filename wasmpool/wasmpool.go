// Package wasmpool keeps warm wazero runtimes for a core's guest apps, so
// that devices of one process (a fault campaign's thousands of runs) do not
// redo, at every app start, work whose result depends only on its inputs:
//
//   - the fuel instrumentation of an app's module, memoized by the module's
//     exact bytes (its SHA-256, then a full comparison);
//   - the compilation of the core's host modules, once per runtime: their
//     functions act for whichever app runs in the runtime at the time
//     (the runtime's binding, of type B);
//   - the decoding, validation and compilation of an app's module, kept per
//     runtime by the same key.
//
// A runtime runs one app at a time; its app module is instantiated afresh
// for every start (new linear memory, globals and fuel counter) and closed
// when the app ends, so an app sees exactly what a new runtime would show
// it. The high-level app core and the real-time cores each describe their
// runtimes with a Kind; a Pool is safe for concurrent use by many devices.
package wasmpool

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/fuel"
)

// Kind describes the runtimes of one kind of core.
type Kind[B any] struct {
	// MemoryPages bounds an app's linear memory.
	MemoryPages uint32
	// NewBinding returns what a new runtime's host functions act for.
	NewBinding func() B
	// Reset clears a binding when its app ended.
	Reset func(B)
	// HostModules returns the host modules of a runtime, bound to b.
	HostModules func(rt wazero.Runtime, b B) []Host
}

// Host is one host module of a runtime, named for errors.
type Host struct {
	Name    string
	Builder wazero.HostModuleBuilder
}

// Pool keeps idle runtimes of one Kind and the instrumentation memo.
type Pool[B any] struct {
	kind  *Kind[B]
	cache wazero.CompilationCache

	mu     sync.Mutex
	free   []*Slot[B]
	meter  map[Key]*metered
	closed bool
}

// metered is one module's fuel instrumentation.
type metered struct {
	src []byte // the module as the core received it
	out []byte // instrumented
	err error
}

// maxMetered and maxCompiled bound the memos (an app-update or bit-flip
// campaign sees a new module in many runs); past the bound they start over.
const (
	maxMetered  = 64
	maxCompiled = 16
)

// New returns a pool of runtimes of kind k that compile through cache (nil:
// a private in-memory cache).
func New[B any](k *Kind[B], cache wazero.CompilationCache) *Pool[B] {
	return &Pool[B]{kind: k, cache: cache, meter: map[Key]*metered{}}
}

// Close closes every idle runtime of the pool; runtimes in use are closed
// when their app ends.
func (p *Pool[B]) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, s := range p.free {
		s.close()
	}
	p.free = nil
	return nil
}

// Key is the memos' key of a module: its SHA-256 (the bytes are compared
// too on a hit).
type Key [32]byte

// Key returns the memos' key of wasm (the zero key without a pool, which
// memoizes nothing).
func (p *Pool[B]) Key(wasm []byte) Key {
	if p == nil {
		return Key{}
	}
	return sha256.Sum256(wasm)
}

// Instrument adds the fuel counter to a module, memoized by its bytes.
func (p *Pool[B]) Instrument(key Key, wasm []byte) ([]byte, error) {
	if p == nil {
		return fuel.Instrument(wasm, fuel.Options{})
	}
	p.mu.Lock()
	m, ok := p.meter[key]
	p.mu.Unlock()
	if ok && bytes.Equal(m.src, wasm) {
		return m.out, m.err
	}
	out, err := fuel.Instrument(wasm, fuel.Options{})
	p.mu.Lock()
	if len(p.meter) >= maxMetered {
		clear(p.meter)
	}
	p.meter[key] = &metered{src: bytes.Clone(wasm), out: out, err: err}
	p.mu.Unlock()
	return out, err
}

// Get returns an idle runtime of the pool, or a new one of kind k compiling
// through cache (a nil pool: a new one that Put closes). On an error the
// slot's Step says which host module failed.
func (p *Pool[B]) Get(k *Kind[B], cache wazero.CompilationCache) (*Slot[B], error) {
	if p != nil {
		p.mu.Lock()
		if n := len(p.free); n > 0 {
			s := p.free[n-1]
			p.free = p.free[:n-1]
			p.mu.Unlock()
			return s, nil
		}
		p.mu.Unlock()
		k, cache = p.kind, p.cache
	}
	s, err := newSlot(context.Background(), k, cache)
	if err != nil {
		return s, err
	}
	s.pooled = p != nil
	return s, nil
}

// Put gives a runtime back after its app ended.
func (p *Pool[B]) Put(s *Slot[B]) {
	s.kind.Reset(s.Binding)
	if p == nil || !s.pooled {
		s.close()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		s.close()
		return
	}
	p.free = append(p.free, s)
}

// Slot is one runtime with its host modules instantiated, bound to
// Binding.
type Slot[B any] struct {
	Runtime wazero.Runtime
	Binding B
	// Step names the host module that failed to load, if one did.
	Step string

	kind     *Kind[B]
	host     []wazero.CompiledModule
	compiled map[Key]*compiled
	pooled   bool
}

// compiled is an app module compiled in a slot's runtime.
type compiled struct {
	src []byte
	cm  wazero.CompiledModule
}

func newSlot[B any](ctx context.Context, k *Kind[B], cache wazero.CompilationCache) (*Slot[B], error) {
	// No WithCloseOnContextDone: the fuel counter brings the guest back to
	// the host at least once per quantum, deterministically.
	rc := wazero.NewRuntimeConfig().WithMemoryLimitPages(k.MemoryPages)
	if cache != nil {
		rc = rc.WithCompilationCache(cache)
	}
	s := &Slot[B]{Runtime: wazero.NewRuntimeWithConfig(ctx, rc), Binding: k.NewBinding(), kind: k, compiled: map[Key]*compiled{}}
	for _, h := range k.HostModules(s.Runtime, s.Binding) {
		cm, err := h.Builder.Compile(ctx)
		if err == nil {
			s.host = append(s.host, cm)
			_, err = s.Runtime.InstantiateModule(ctx, cm, wazero.NewModuleConfig())
		}
		if err != nil {
			s.Step = h.Name
			s.close()
			return s, err
		}
	}
	return s, nil
}

// Compile returns the compiled app module for wasm (instrumented; src is
// what the core received, the memo's key). A module wazero panics on is
// an error, not a crash.
func (s *Slot[B]) Compile(ctx context.Context, key Key, src, wasm []byte) (wazero.CompiledModule, error) {
	if c, ok := s.compiled[key]; ok && bytes.Equal(c.src, src) {
		return c.cm, nil
	}
	cm, err := compile(ctx, s.Runtime, wasm)
	if err != nil {
		return nil, err
	}
	if !s.pooled {
		// Not closed: the compilation cache keeps it for the next device
		// that loads the same module.
		return cm, nil
	}
	if len(s.compiled) >= maxCompiled {
		for k, c := range s.compiled {
			_ = c.cm.Close(context.Background())
			delete(s.compiled, k)
		}
	}
	s.compiled[key] = &compiled{src: bytes.Clone(src), cm: cm}
	return cm, nil
}

func compile(ctx context.Context, rt wazero.Runtime, wasm []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, fmt.Errorf("invalid module (wazero panicked while validating it: %v)", r)
		}
	}()
	return rt.CompileModule(ctx, wasm)
}

// close closes the runtime and releases its compiled modules from the
// compilation cache: the host modules are compiled explicitly (Compile,
// then InstantiateModule), so closing the runtime does not release them
// as it does a module a builder's Instantiate compiled.
func (s *Slot[B]) close() {
	ctx := context.Background()
	_ = s.Runtime.Close(ctx)
	for _, cm := range s.host {
		_ = cm.Close(ctx)
	}
	for _, c := range s.compiled {
		_ = c.cm.Close(ctx)
	}
	s.host, s.compiled = nil, nil
}
