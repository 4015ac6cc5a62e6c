package wasmpool

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/sphere-emu/sphere-emu/fuel"
)

// binding counts the fuel callbacks of the app running in a runtime.
type binding struct{ calls int }

var kind = &Kind[*binding]{
	MemoryPages: 4,
	NewBinding:  func() *binding { return &binding{} },
	Reset:       func(b *binding) { *b = binding{} },
	HostModules: func(rt wazero.Runtime, b *binding) []Host {
		return []Host{{Name: "fuel host module", Builder: rt.NewHostModuleBuilder(fuel.DefaultImportModule).
			NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) { b.calls++ }), nil, nil).
			Export(fuel.DefaultImportName)}}
	},
}

// TestPoolReusesRuntimesAndMemos: a runtime goes back to the pool with its
// binding reset and comes out again; instrumentation and compilation are
// memoized by the module's bytes; without a pool every runtime is fresh.
func TestPoolReusesRuntimesAndMemos(t *testing.T) {
	wasm, err := os.ReadFile(filepath.Join("..", "testdata", "apps", "blink", "app.wasm"))
	require.NoError(t, err)
	p := New(kind, wazero.NewCompilationCache())
	defer p.Close()
	key := p.Key(wasm)
	out1, err := p.Instrument(key, wasm)
	require.NoError(t, err)
	out2, err := p.Instrument(key, wasm)
	require.NoError(t, err)
	require.Same(t, &out1[0], &out2[0], "the second instrumentation is the memo's")

	s, err := p.Get(kind, nil)
	require.NoError(t, err)
	s.Binding.calls = 7
	cm1, err := s.Compile(context.Background(), key, wasm, out1)
	require.NoError(t, err)
	cm2, err := s.Compile(context.Background(), key, wasm, out1)
	require.NoError(t, err)
	require.Equal(t, cm1, cm2, "compiled once per runtime")
	p.Put(s)
	again, err := p.Get(kind, nil)
	require.NoError(t, err)
	require.Same(t, s, again, "the idle runtime is lent again")
	require.Zero(t, again.Binding.calls, "with its binding reset")
	p.Put(again)

	var none *Pool[*binding]
	require.Equal(t, Key{}, none.Key(wasm))
	f1, err := none.Get(kind, nil)
	require.NoError(t, err)
	none.Put(f1)
	f2, err := none.Get(kind, nil)
	require.NoError(t, err)
	require.NotSame(t, f1, f2)
	none.Put(f2)

	_, err = s.Compile(context.Background(), p.Key([]byte("not wasm")), []byte("not wasm"), []byte("not wasm"))
	require.Error(t, err)
}

// TestHostModuleFailureNamesIt: a runtime whose host module does not load
// (here, a second module of the same name) says which.
func TestHostModuleFailureNamesIt(t *testing.T) {
	bad := *kind
	bad.HostModules = func(rt wazero.Runtime, b *binding) []Host {
		return append(kind.HostModules(rt, b), Host{Name: "second fuel host module", Builder: kind.HostModules(rt, b)[0].Builder})
	}
	s, err := New(&bad, nil).Get(&bad, nil)
	require.Error(t, err)
	require.Equal(t, "second fuel host module", s.Step)
}
