package fuel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// ---- A small assembler for hand-built modules ----

func u32(v uint32) []byte { return appendULEB(nil, uint64(v)) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func vec(items ...[]byte) []byte { return cat(u32(uint32(len(items))), cat(items...)) }
func str(s string) []byte        { return cat(u32(uint32(len(s))), []byte(s)) }

// sec encodes a section.
func sec(id byte, content ...[]byte) []byte {
	c := cat(content...)
	return cat([]byte{id}, u32(uint32(len(c))), c)
}

func wasmModule(sections ...[]byte) []byte {
	return cat([]byte("\x00asm\x01\x00\x00\x00"), cat(sections...))
}

// functype encodes a function type.
func functype(params, results []byte) []byte {
	return cat([]byte{0x60}, u32(uint32(len(params))), params, u32(uint32(len(results))), results)
}

// body encodes a function body: locals (already encoded groups, with
// count) and instructions (the final end is added).
func body(locals []byte, code ...[]byte) []byte {
	if locals == nil {
		locals = []byte{0}
	}
	c := cat(locals, cat(code...), []byte{0x0b})
	return cat(u32(uint32(len(c))), c)
}

func exportFunc(name string, idx uint32) []byte { return cat(str(name), []byte{0}, u32(idx)) }

// Value types.
const (
	tI32  = 0x7f
	tI64  = 0x7e
	tFunc = 0x70
)

// ---- Loading test modules ----

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func appModules(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../testdata/apps/*/app.wasm")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	apps := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		apps[filepath.Base(filepath.Dir(f))] = b
	}
	return apps
}

func instrument(t testing.TB, wasm []byte) []byte {
	t.Helper()
	out, err := Instrument(wasm, Options{})
	require.NoError(t, err)
	return out
}

// ---- Metering host ----

// meter is the host side of the fuel callback: it refills the counter with
// quantum at every call and accounts the fuel burnt.
type meter struct {
	quantum int64
	granted int64   // the value last written to the counter
	burnt   int64   // fuel burnt up to the last callback
	calls   int     // callbacks so far
	seen    []int64 // the counter's value at each callback (if record)
	record  bool
	hook    func(m *meter, mod api.Module) // called at each callback, before the refill
}

func (m *meter) callback(_ context.Context, mod api.Module, _ []uint64) {
	g := mod.ExportedGlobal(DefaultGlobalExport).(api.MutableGlobal)
	left := int64(g.Get())
	m.burnt += m.granted - left
	m.calls++
	if m.record {
		m.seen = append(m.seen, left)
	}
	if m.hook != nil {
		m.hook(m, mod)
	}
	g.Set(uint64(m.quantum))
	m.granted = m.quantum
}

// total returns the fuel burnt so far, including the current quantum.
func (m *meter) total(mod api.Module) int64 {
	return m.burnt + m.granted - int64(mod.ExportedGlobal(DefaultGlobalExport).Get())
}

// start grants a first quantum before a host->guest call.
func (m *meter) start(mod api.Module) {
	mod.ExportedGlobal(DefaultGlobalExport).(api.MutableGlobal).Set(uint64(m.quantum))
	m.granted = m.quantum
}

func engineConfig(compiler bool) wazero.RuntimeConfig {
	if compiler {
		return wazero.NewRuntimeConfigCompiler()
	}
	return wazero.NewRuntimeConfigInterpreter()
}

// newRuntime returns a runtime with the fuel host module bound to m (which
// may be nil when no metered module will run).
func newRuntime(t testing.TB, compiler bool, m *meter) wazero.Runtime {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, engineConfig(compiler))
	t.Cleanup(func() { rt.Close(ctx) })
	if m != nil {
		_, err := rt.NewHostModuleBuilder(DefaultImportModule).
			NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(m.callback), nil, nil).Export(DefaultImportName).
			Instantiate(ctx)
		require.NoError(t, err)
	}
	return rt
}

func instantiate(t testing.TB, rt wazero.Runtime, wasm []byte) api.Module {
	t.Helper()
	ctx := context.Background()
	cm, err := rt.CompileModule(ctx, wasm)
	require.NoError(t, err)
	mod, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	require.NoError(t, err)
	return mod
}

func call(t testing.TB, mod api.Module, name string, args ...uint64) []uint64 {
	t.Helper()
	f := mod.ExportedFunction(name)
	require.NotNil(t, f, name)
	res, err := f.Call(context.Background(), args...)
	require.NoError(t, err, name)
	return res
}

// compileSafe compiles wasm, turning a wazero panic into an error.
func compileSafe(ctx context.Context, rt wazero.Runtime, wasm []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, fmt.Errorf("wazero panicked: %v", r)
		}
	}()
	return rt.CompileModule(ctx, wasm)
}

// ---- Comparing module shapes ----

type funcSig struct {
	Name, Module, Import string
	Params, Results      []api.ValueType
	Exports              []string
}

func sigOf(d api.FunctionDefinition) funcSig {
	mod, name, _ := d.Import()
	ex := append([]string(nil), d.ExportNames()...)
	sort.Strings(ex)
	return funcSig{d.Name(), mod, name, d.ParamTypes(), d.ResultTypes(), ex}
}

// requireSameShape checks that the instrumented module has the functions of
// the original (same names from the name section, types and exports, in the
// same order) plus the fuel import, and the extra export.
func requireSameShape(t testing.TB, plain, metered wazero.CompiledModule) {
	t.Helper()
	pi, mi := plain.ImportedFunctions(), metered.ImportedFunctions()
	var got []funcSig
	var found bool
	for _, d := range mi {
		s := sigOf(d)
		if s.Module == DefaultImportModule && s.Import == DefaultImportName {
			found = true
			continue
		}
		got = append(got, s)
	}
	require.True(t, found, "fuel import")
	var want []funcSig
	for _, d := range pi {
		want = append(want, sigOf(d))
	}
	require.Equal(t, want, got, "imported functions")

	pe, me := plain.ExportedFunctions(), metered.ExportedFunctions()
	require.Equal(t, len(pe), len(me))
	for name, d := range pe {
		require.Equal(t, sigOf(d), sigOf(me[name]), name)
		want := d.Index()
		if want >= uint32(len(pi)) {
			want++ // defined functions move up by one: the fuel import
		}
		require.Equal(t, want, me[name].Index(), name)
	}
	pm, mm := plain.ExportedMemories(), metered.ExportedMemories()
	require.Equal(t, len(pm), len(mm))
}

// funcNames decodes the function names of a module's name section.
func funcNames(t testing.TB, wasm []byte) map[uint32]string {
	t.Helper()
	m := &module{in: wasm}
	m.split()
	names := map[uint32]string{}
	for _, s := range m.sections {
		if s.id != secCustom || s.name != "name" {
			continue
		}
		r := newReader(s.content, s.off, "name")
		r.name("name")
		for !r.eof() {
			id := r.byte()
			size := r.u32("size")
			c := r.bytes(int(size))
			if id != 1 {
				continue
			}
			sr := newReader(c, 0, "name")
			n := sr.count("n", 2)
			for range n {
				idx := sr.u32("idx")
				names[idx] = sr.name("name")
			}
		}
	}
	return names
}

// requireNamesShifted checks that the instrumented module's function names
// are the original's, moved up by one from the first defined function.
func requireNamesShifted(t testing.TB, plain, metered []byte, nImports uint32) {
	t.Helper()
	pn, mn := funcNames(t, plain), funcNames(t, metered)
	want := map[uint32]string{}
	for i, n := range pn {
		if i >= nImports {
			i++
		}
		want[i] = n
	}
	require.Equal(t, want, mn)
}
