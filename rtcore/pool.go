package rtcore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sync"

	"github.com/tetratelabs/wazero"

	"github.com/sphere-emu/sphere-emu/fuel"
)

// Pool keeps warm wazero runtimes for real-time apps, as appcore.Pool does
// for high-level ones, so that devices of one process (a fault campaign's
// runs) do not redo, at every app start, work whose result depends only on
// its inputs:
//
//   - the fuel instrumentation of a module (a pure function of its bytes),
//     memoized by the bytes themselves (SHA-256, then compared in full);
//   - the compilation of the two host modules (mt3620, the fuel
//     callback): a runtime of the pool keeps them instantiated, and their
//     functions act for whichever core's app runs in it at the time;
//   - the decoding, validation and compilation of an app's module, kept
//     per runtime by the same key.
//
// A runtime runs one app at a time; its app module is instantiated afresh
// for every start (new linear memory, globals and fuel counter) and closed
// when the app ends, so an app sees exactly what a new runtime would show
// it. A Pool is safe for concurrent use by many devices.
type Pool struct {
	cache wazero.CompilationCache

	mu     sync.Mutex
	free   []*slot
	meter  map[moduleKey]*metered
	closed bool
}

// metered is one module's fuel instrumentation.
type metered struct {
	src []byte // the module as the kernel sent it
	out []byte // instrumented
	err error
}

// maxMetered and maxCompiled bound the memos (an app-update or bit-flip
// campaign sees a new module in many runs); past the bound they start over.
const (
	maxMetered  = 64
	maxCompiled = 16
)

// NewPool returns a pool whose runtimes compile through cache (nil: a
// private in-memory cache).
func NewPool(cache wazero.CompilationCache) *Pool {
	return &Pool{cache: cache, meter: map[moduleKey]*metered{}}
}

// Close closes every runtime of the pool; runtimes in use are closed when
// their app ends.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, s := range p.free {
		s.close()
	}
	p.free = nil
	return nil
}

// moduleKey is the memos' key of a module: its SHA-256 (the bytes are
// compared too on a hit).
type moduleKey [32]byte

// key returns the memos' key of wasm (the zero key without a pool, which
// memoizes nothing).
func (p *Pool) key(wasm []byte) moduleKey {
	if p == nil {
		return moduleKey{}
	}
	return sha256.Sum256(wasm)
}

// instrument adds the fuel counter to a module, memoized by its bytes.
func (p *Pool) instrument(key moduleKey, wasm []byte) ([]byte, error) {
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

// get returns an idle runtime of the pool, or a new one (nil pool: a new
// one that put closes).
func (p *Pool) get(cache wazero.CompilationCache) (*slot, error) {
	ctx := context.Background()
	if p != nil {
		p.mu.Lock()
		if n := len(p.free); n > 0 {
			s := p.free[n-1]
			p.free = p.free[:n-1]
			p.mu.Unlock()
			return s, nil
		}
		p.mu.Unlock()
		cache = p.cache
	}
	s, err := newSlot(ctx, cache)
	if err != nil {
		return s, err // s says which host module failed
	}
	s.pooled = p != nil
	return s, nil
}

// put gives a runtime back after its app ended.
func (p *Pool) put(s *slot) {
	s.cell.c = nil
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

// hostCell is what a slot's host functions act for: the core whose app
// runs in the slot's runtime.
type hostCell struct{ c *Core }

// slot is one runtime with the host modules instantiated. The host
// functions' closures hold cell, which runApp points at its core.
type slot struct {
	rt       wazero.Runtime
	cell     *hostCell
	host     []wazero.CompiledModule
	compiled map[moduleKey]*compiled
	pooled   bool
	// step and err say which host module failed to load, if one did.
	step string
	err  error
}

// compiled is an app module compiled in a slot's runtime.
type compiled struct {
	src []byte
	cm  wazero.CompiledModule
}

func newSlot(ctx context.Context, cache wazero.CompilationCache) (*slot, error) {
	// No WithCloseOnContextDone: the fuel counter brings the guest back to
	// the host at least once per quantum, deterministically.
	rc := wazero.NewRuntimeConfig().WithMemoryLimitPages(MemoryPages)
	if cache != nil {
		rc = rc.WithCompilationCache(cache)
	}
	s := &slot{rt: wazero.NewRuntimeWithConfig(ctx, rc), cell: &hostCell{}, compiled: map[moduleKey]*compiled{}}
	for _, h := range []struct {
		step string
		b    wazero.HostModuleBuilder
	}{
		{"host module", hostModule(s.rt, s.cell)},
		{"fuel host module", fuelModule(s.rt, s.cell)},
	} {
		cm, err := h.b.Compile(ctx)
		if err == nil {
			s.host = append(s.host, cm)
			_, err = s.rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig())
		}
		if err != nil {
			s.step, s.err = h.step, err
			s.close()
			return s, err
		}
	}
	return s, nil
}

// compile returns the compiled app module for wasm (instrumented; src is
// what the kernel sent, the memo's key).
func (s *slot) compile(ctx context.Context, key moduleKey, src, wasm []byte) (wazero.CompiledModule, error) {
	if c, ok := s.compiled[key]; ok && bytes.Equal(c.src, src) {
		return c.cm, nil
	}
	cm, err := compile(ctx, s.rt, wasm)
	if err != nil {
		return nil, err
	}
	if !s.pooled {
		// Not closed: the compilation cache keeps it for the next device
		// that loads the same module, as it always has.
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

// close closes the runtime and releases its compiled modules from the
// compilation cache: the host modules are compiled explicitly (Compile,
// then InstantiateModule), so closing the runtime does not release them
// as it does a module a builder's Instantiate compiled.
func (s *slot) close() {
	ctx := context.Background()
	_ = s.rt.Close(ctx)
	for _, cm := range s.host {
		_ = cm.Close(ctx)
	}
	for _, c := range s.compiled {
		_ = c.cm.Close(ctx)
	}
	s.host, s.compiled = nil, nil
}
