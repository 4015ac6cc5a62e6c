package fuel

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// multiValue uses type-index block types (block, loop and if with
// parameters and several results), typed select, br_table and a function
// with two results; type 4 is () -> (), which the callback reuses.
var multiValue = wasmModule(
	sec(secType, vec(
		functype([]byte{tI32, tI32}, []byte{tI32}),       // 0: mv
		functype([]byte{tI32, tI32}, []byte{tI32, tI32}), // 1: swap, block type
		functype([]byte{tI32}, []byte{tI32}),             // 2: loop/if type
		functype([]byte{tI32}, []byte{tI32, tI64}),       // 3: split
		functype(nil, nil),                               // 4
	)),
	sec(secFunction, vec(u32(0), u32(1), u32(3), u32(2))),
	sec(secExport, vec(exportFunc("mv", 0), exportFunc("swap", 1), exportFunc("split", 2), exportFunc("classify", 3))),
	sec(secCode, vec(
		body(nil,
			[]byte{0x20, 0, 0x41, 3, 0x02, 1, 0x6c, 0x41, 1, 0x0b, 0x6b},                                  // block (type 1): x*3, 1; i32.sub
			[]byte{0x20, 1, 0x41, 15, 0x71, 0x21, 1},                                                      // y &= 15
			[]byte{0x03, 2, 0x41, 2, 0x6c, 0x20, 1, 0x41, 1, 0x6b, 0x22, 1, 0x41, 0, 0x4a, 0x0d, 0, 0x0b}, // loop (type 2)
			[]byte{0x20, 0, 0x41, 1, 0x71, 0x04, 2, 0x41, 5, 0x6a, 0x05, 0x41, 7, 0x6b, 0x0b},             // if (type 2) else
			[]byte{0x41, 11, 0x20, 0, 0x41, 2, 0x71, 0x1c, 1, tI32}),                                      // select (result i32)
		body(nil, []byte{0x20, 1, 0x20, 0}),
		body(nil, []byte{0x20, 0, 0x41, 1, 0x6a, 0x20, 0, 0xac, 0x42, 3, 0x7e}), // x+1, i64(x)*3
		body(nil, // classify: br_table over 4 nested blocks
			[]byte{0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40},
			[]byte{0x20, 0, 0x0e, 3, 0, 1, 2, 3},
			[]byte{0x0b, 0x41, 10, 0x0f},
			[]byte{0x0b, 0x41, 20, 0x0f},
			[]byte{0x0b, 0x41, 30, 0x0f},
			[]byte{0x0b, 0x41, 40}),
	)),
)

func TestMultiValueAndBlockTypes(t *testing.T) {
	metered := instrument(t, multiValue)
	// No type was added: () -> () exists.
	mm := &module{in: metered}
	mm.split()
	mm.scan()
	require.Len(t, mm.types, 5)
	for _, compiler := range []bool{true, false} {
		plain := instantiate(t, newRuntime(t, compiler, nil), multiValue)
		m := &meter{quantum: 2}
		mod := instantiate(t, newRuntime(t, compiler, m), metered)
		for _, x := range []uint64{0, 1, 2, 3, 7, 100, 0xffffffff} {
			for _, y := range []uint64{0, 1, 5, 15, 16} {
				require.Equal(t, call(t, plain, "mv", x, y), call(t, mod, "mv", x, y))
				require.Equal(t, call(t, plain, "swap", x, y), call(t, mod, "swap", x, y))
			}
			require.Equal(t, call(t, plain, "split", x), call(t, mod, "split", x))
			require.Equal(t, call(t, plain, "classify", x), call(t, mod, "classify", x))
		}
		require.Positive(t, m.calls)
	}
}

func TestStartFunctionIsMetered(t *testing.T) {
	ctx := context.Background()
	// refsModule's start function (i32.const 42, global.set) has no calls
	// and no loops, so no check: it runs, and the counter is left at -2 for
	// the host to account.
	{
		m := &meter{quantum: 100}
		rt := newRuntime(t, true, m)
		env, err := rt.CompileModule(ctx, envModule)
		require.NoError(t, err)
		_, err = rt.InstantiateModule(ctx, env, wazero.NewModuleConfig().WithName("env"))
		require.NoError(t, err)
		cm, err := rt.CompileModule(ctx, instrument(t, refsModule))
		require.NoError(t, err)
		mod, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig())
		require.NoError(t, err)
		require.Equal(t, 0, m.calls)
		require.Equal(t, uint64(42), mod.ExportedGlobal("started").Get())
		require.Equal(t, int64(-2), int64(mod.ExportedGlobal(DefaultGlobalExport).Get()))
	}
	// A start function that calls another checks at its entry: with the
	// counter at 0 the callback fires inside InstantiateModule, and the
	// module it gets already works.
	{
		wasm := wasmModule(
			sec(secType, vec(functype(nil, nil))),
			sec(secFunction, vec(u32(0), u32(0))),
			sec(secStart, u32(0)),
			sec(secCode, vec(body(nil, []byte{0x10, 1, 0x10, 1}), body(nil, []byte{0x01}))),
		)
		var during []int64
		m := &meter{quantum: 100, hook: func(m *meter, _ api.Module) { during = append(during, m.burnt) }}
		rt := newRuntime(t, true, m)
		cm, err := rt.CompileModule(ctx, instrument(t, wasm))
		require.NoError(t, err)
		mod, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig())
		require.NoError(t, err)
		require.Equal(t, 1, m.calls)
		require.Equal(t, []int64{2}, during) // call, call
		require.Equal(t, int64(2), m.total(mod))
	}
}

// TestExistingImportIsReused: a module that already imports the callback
// (as () -> ()) keeps its function indices.
func TestExistingImportIsReused(t *testing.T) {
	wasm := wasmModule(
		sec(secType, vec(functype(nil, nil), functype(nil, []byte{tI32}))),
		sec(secImport, vec(cat(str(DefaultImportModule), str(DefaultImportName), []byte{0}, u32(0)))),
		sec(secFunction, vec(u32(1))),
		sec(secExport, vec(exportFunc("f", 1))),
		sec(secCode, vec(body(nil, []byte{0x10, 0, 0x10, 0, 0x41, 9}))), // calls the callback twice itself
	)
	metered := instrument(t, wasm)
	m := &meter{quantum: 1000}
	rt := newRuntime(t, true, m)
	cm, err := rt.CompileModule(context.Background(), metered)
	require.NoError(t, err)
	require.Len(t, cm.ImportedFunctions(), 1)
	require.Equal(t, uint32(1), cm.ExportedFunctions()["f"].Index())
	mod := instantiate(t, rt, metered)
	m.start(mod)
	require.Equal(t, []uint64{9}, call(t, mod, "f"))
	require.Equal(t, 2, m.calls) // the guest's own calls
	require.Equal(t, int64(3), m.total(mod))

	// Under another name, the callback is a new import.
	out, err := Instrument(wasm, Options{ImportModule: "host", ImportName: "tick", GlobalExport: "fuel"})
	require.NoError(t, err)
	cm, err = newRuntime(t, false, nil).CompileModule(context.Background(), out)
	require.NoError(t, err)
	require.Len(t, cm.ImportedFunctions(), 2)
	mod2, name, _ := cm.ImportedFunctions()[1].Import()
	require.Equal(t, "host.tick", mod2+"."+name)
	require.Equal(t, uint32(2), cm.ExportedFunctions()["f"].Index())
}

func TestRefusals(t *testing.T) {
	fib := readTestdata(t, "fib.wasm")
	metered := instrument(t, fib)
	fnBody := func(code ...byte) []byte {
		return wasmModule(sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0))),
			sec(secCode, vec(body(nil, code))))
	}
	cases := []struct {
		name    string
		wasm    []byte
		section string
		opcode  string
		msg     string
	}{
		{"empty", nil, "header", "", "unexpected end"},
		{"not wasm", []byte("#!/bin/sh\necho hi\n"), "header", "", "bad magic"},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), "header", "", "unsupported binary version"},
		{"truncated", fib[:len(fib)/2], "", "", "unexpected end"},
		{"already instrumented", metered, "export", "", "already exports \"__fuel\""},
		{"callback with another type", wasmModule(
			sec(secType, vec(functype([]byte{tI32}, nil))),
			sec(secImport, vec(cat(str(DefaultImportModule), str(DefaultImportName), []byte{0}, u32(0))))),
			"import", "", "other than () -> ()"},
		{"callback name used by a global", wasmModule(
			sec(secImport, vec(cat(str(DefaultImportModule), str(DefaultImportName), []byte{3, tI32, 0})))),
			"import", "", "other than a function"},
		{"tag section", wasmModule(sec(secTag, vec([]byte{0, 0}))), "tag", "", "exception handling"},
		{"unknown section", wasmModule(sec(14, nil)), "header", "", "unknown section id 14"},
		{"out of order", wasmModule(sec(secFunction, vec()), sec(secType, vec())), "type", "", "out of order"},
		{"try", fnBody(0x06, 0x40, 0x0b), "code", "0x06", "unsupported instruction"},
		{"throw", fnBody(0x08, 0), "code", "0x08", "unsupported instruction"},
		{"try_table", fnBody(0x1f, 0x40, 0, 0x0b), "code", "0x1f", "unsupported instruction"},
		{"unassigned SIMD", fnBody(0xfd, 0x9a, 0x01), "code", "0xfd 0x9a", "unknown SIMD"},
		{"unknown 0xfc", fnBody(0xfc, 18), "code", "0xfc 0x12", "unknown instruction"},
		{"overlong LEB", fnBody(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a), "code", "", "overlong LEB128"},
		{"overflowing LEB", fnBody(0x41, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1a), "code", "", "overflows"},
		{"multi-memory", fnBody(0x41, 0, 0x28, 0x40, 0, 0, 0x1a), "code", "0x28", "multi-memory"},
		{"call out of range", fnBody(0x10, 5), "code", "", "function index 5 out of range"},
		{"branch out of range", fnBody(0x0c, 1), "code", "", "branch depth 1 out of range"},
		{"missing end", wasmModule(sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0))),
			sec(secCode, vec([]byte{2, 0, 0x01}))), "code", "", "ends inside a block"},
		{"code after end", wasmModule(sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0))),
			sec(secCode, vec([]byte{3, 0, 0x0b, 0x01}))), "code", "", "after the end of the function"},
		{"body count", wasmModule(sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0), u32(0))),
			sec(secCode, vec(body(nil)))), "code", "", "2 declared functions"},
		{"no code section", wasmModule(sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0)))),
			"function", "", "no code section"},
		{"huge count", wasmModule(sec(secType, []byte{0xff, 0xff, 0xff, 0xff, 0x0f})), "type", "", "exceeds"},
		{"gc type", wasmModule(sec(secType, vec([]byte{0x5f, 0, 0}))), "type", "", "unsupported type form"},
		{"GC value type", wasmModule(sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0))),
			sec(secCode, vec(body([]byte{1, 1, 0x6e})))), "code", "", "unsupported value type 0x6e"},
		{"bad heap type", wasmModule(sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0))),
			sec(secCode, vec(body([]byte{1, 1, 0x63, 0x6e})))), "code", "", "unsupported heap type -18"},
		{"bad element flags", wasmModule(sec(secElement, vec([]byte{8, 0}))), "element", "", "flags 8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Instrument(c.wasm, Options{})
			require.Nil(t, out)
			var fe *Error
			require.True(t, errors.As(err, &fe), "%v", err)
			if c.section != "" {
				require.Equal(t, c.section, fe.Section, err.Error())
			}
			require.Equal(t, c.opcode, fe.Opcode, err.Error())
			require.Contains(t, err.Error(), c.msg)
			require.GreaterOrEqual(t, fe.Offset, 0)
			require.LessOrEqual(t, fe.Offset, len(c.wasm))
		})
	}
	_, err := Instrument(fib, Options{GlobalExport: "\xff"})
	require.ErrorContains(t, err, "UTF-8")
}

// TestUnusualModules: modules without some or all sections, huge local
// counts, deep nesting, dead code, code after unconditional branches, and a
// name section wazero tolerates but this pass cannot parse.
func TestUnusualModules(t *testing.T) {
	manyLocals := func(groups int, perGroup uint32) []byte {
		var decl []byte
		decl = append(decl, u32(uint32(groups))...)
		for range groups {
			decl = append(decl, u32(perGroup)...)
			decl = append(decl, tI64)
		}
		return wasmModule(
			sec(secType, vec(functype([]byte{tI32}, []byte{tI32}))),
			sec(secFunction, vec(u32(0))),
			sec(secMemory, vec([]byte{0, 1})),
			sec(secExport, vec(exportFunc("f", 0))),
			sec(secCode, vec(body(decl, // memory.fill(0, 7, n); return load8_u(n-1)
				[]byte{0x41, 0, 0x41, 7, 0x20, 0, 0xfc, 11, 0},
				[]byte{0x20, 0, 0x41, 1, 0x6b, 0x2d, 0, 0}))),
		)
	}
	nested := func(depth int) []byte {
		var code []byte
		for range depth {
			code = append(code, 0x02, 0x40)
		}
		code = append(code, 0x0c, byte(depth/2)) // br out of half of them (depth/2 < 128)
		for range depth {
			code = append(code, 0x0b)
		}
		code = append(code, 0x41, 1)
		return wasmModule(sec(secType, vec(functype(nil, []byte{tI32}))), sec(secFunction, vec(u32(0))),
			sec(secExport, vec(exportFunc("f", 0))), sec(secCode, vec(body(nil, code))))
	}
	deadCode := wasmModule(
		sec(secType, vec(functype([]byte{tI32}, []byte{tI32}))),
		sec(secFunction, vec(u32(0))),
		sec(secMemory, vec([]byte{0, 1})),
		sec(secExport, vec(exportFunc("f", 0))),
		sec(secCode, vec(body(nil,
			[]byte{0x02, 0x7f, 0x20, 0, 0x0c, 0},                               // block (result i32) local.get 0; br 0
			[]byte{0x41, 1, 0x6a, 0x02, 0x40, 0x03, 0x40, 0x0c, 0, 0x0b, 0x0b}, // dead: add, nested block+loop
			[]byte{0xfc, 11, 0, 0x00},                                          // dead: memory.fill with a polymorphic stack, unreachable
			[]byte{0x0b},
			[]byte{0x20, 0, 0x45, 0x04, 0x40, 0x00, 0x05, 0x41, 2, 0x1a, 0x0b}, // if unreachable else drop
		))),
	)
	oddNames := wasmModule( // a function name subsection whose size is too small: wazero reads on
		sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0))),
		sec(secCode, vec(body(nil))),
		sec(secCustom, str("name"), []byte{1, 2}, vec(cat(u32(0), str("f")))),
	)
	cases := map[string]struct {
		wasm  []byte
		calls [][2]uint64 // arg, want
	}{
		"header only":       {wasmModule(), nil},
		"memory only":       {wasmModule(sec(secMemory, vec([]byte{0, 1}))), nil},
		"empty function":    {wasmModule(sec(secType, vec(functype(nil, nil))), sec(secFunction, vec(u32(0))), sec(secExport, vec(exportFunc("f", 0))), sec(secCode, vec(body(nil)))), [][2]uint64{{0, 0}}},
		"many locals":       {manyLocals(1, 100_000), [][2]uint64{{10, 7}}},
		"many local groups": {manyLocals(3000, 2), [][2]uint64{{10, 7}}},
		"deep nesting":      {nested(250), [][2]uint64{{0, 1}}},
		"dead code":         {deadCode, [][2]uint64{{5, 5}, {0, 0}}},
		"unparsable names":  {oddNames, nil},
		"custom first":      {cat(wasmModule(sec(secCustom, str("x"), []byte{1})), sec(secType, vec(functype(nil, nil)))), nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rt := newRuntime(t, false, nil)
			_, err := rt.CompileModule(ctx, c.wasm)
			require.NoError(t, err, "the input must be valid")
			metered := instrument(t, c.wasm)
			if name == "unparsable names" {
				require.Empty(t, funcNames(t, metered), "the name section is dropped")
			}
			for _, compiler := range []bool{true, false} {
				m := &meter{quantum: 1}
				mod := instantiate(t, newRuntime(t, compiler, m), metered)
				require.NotNil(t, mod.ExportedGlobal(DefaultGlobalExport))
				for _, cl := range c.calls {
					f := mod.ExportedFunction("f")
					var args []uint64
					if len(f.Definition().ParamTypes()) == 1 {
						args = append(args, cl[0])
					}
					res, err := f.Call(ctx, args...)
					if len(f.Definition().ResultTypes()) == 0 {
						require.NoError(t, err)
						continue
					}
					if name == "dead code" && cl[0] == 0 {
						require.ErrorContains(t, err, "unreachable")
						continue
					}
					require.NoError(t, err)
					require.Equal(t, cl[1], res[0])
				}
			}
		})
	}
}

// TestExperimentalFeatures: tail calls (renumbered), atomics and typed
// function references (call_ref, br_on_null, typed locals and block types)
// pass through.
func TestExperimentalFeatures(t *testing.T) {
	ctx := context.Background()
	wasm := wasmModule(
		sec(secType, vec(functype([]byte{tI32}, []byte{tI32}))),
		sec(secFunction, vec(u32(0), u32(0), u32(0), u32(0), u32(0))),
		sec(secMemory, vec([]byte{0x03, 1, 1})), // shared
		sec(secExport, vec(exportFunc("down", 0), exportFunc("atom", 1), exportFunc("cr", 3), exportFunc("bn", 4))),
		sec(secElement, vec([]byte{0x03, 0x00, 1, 2})), // declares function 2 for ref.func
		sec(secCode, vec(
			// down(n): if n == 0 return 0 else return_call down(n-1)
			body(nil, []byte{0x20, 0, 0x45, 0x04, 0x40, 0x41, 0, 0x0f, 0x0b, 0x20, 0, 0x41, 1, 0x6b, 0x12, 0}),
			// atom(x): atomic add x to [0], fence, atomic load [0]
			body(nil, []byte{0x41, 0, 0x20, 0, 0xfe, 0x1e, 2, 0, 0x1a, 0xfe, 0x03, 0x00, 0x41, 0, 0xfe, 0x10, 2, 0}),
			body(nil, []byte{0x20, 0, 0x20, 0, 0x6c}), // sq(x) = x*x
			// cr(x): call_ref (type 0) (ref.func sq) with a typed local and a typed block result
			body([]byte{1, 1, 0x63, 0}, []byte{0xd2, 2, 0x21, 1, 0x20, 0, 0x02, 0x64, 0, 0x20, 1, 0xd4, 0x0b, 0x14, 0}),
			// bn(x): block (br_on_null (ref.null 0) drops out), br_on_non_null (ref.func sq) exits with it
			body(nil, []byte{0x02, 0x40, 0xd0, 0, 0xd5, 0, 0x1a, 0x0b},
				[]byte{0x02, 0x63, 0, 0xd2, 2, 0xd6, 0, 0xd0, 0, 0x0b, 0x1a, 0x20, 0, 0x41, 1, 0x6a}),
		)),
	)
	metered := instrument(t, wasm)
	cfg := wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTailCall |
		experimental.CoreFeaturesThreads | experimental.CoreFeaturesTypedFunctionReferences)
	m := &meter{quantum: 10}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer rt.Close(ctx)
	_, err := rt.NewHostModuleBuilder(DefaultImportModule).NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(m.callback), nil, nil).Export(DefaultImportName).Instantiate(ctx)
	require.NoError(t, err)
	mod := instantiate(t, rt, metered)
	require.Equal(t, []uint64{0}, call(t, mod, "down", 100_000))
	require.Equal(t, []uint64{5}, call(t, mod, "atom", 5))
	require.Equal(t, []uint64{12}, call(t, mod, "atom", 7))
	require.Equal(t, []uint64{49}, call(t, mod, "cr", 7))
	require.Equal(t, []uint64{8}, call(t, mod, "bn", 7))
	require.Positive(t, m.calls)
}

// TestValidatorPanicModule: the module that makes wazero's validator panic
// gives an error or a module here, never a panic.
func TestValidatorPanicModule(t *testing.T) {
	wasm, err := os.ReadFile("../device/testdata/wazero-validator-panic.wasm")
	require.NoError(t, err)
	recoverAll = false
	defer func() { recoverAll = true }()
	out, err := Instrument(wasm, Options{})
	if err != nil {
		t.Logf("refused: %v", err)
		return
	}
	_, cerr := compileSafe(context.Background(), newRuntime(t, false, nil), out)
	t.Logf("instrumented (%d bytes); wazero on the output: %v", len(out), cerr)
}
