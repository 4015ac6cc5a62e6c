package fuel

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
)

// countLoop is (func (param $n i32) (result i32) (local $i i32)
// (block (loop (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
// (local.set $i (i32.add (local.get $i) (i32.const 1))) (br 0))) (local.get $i)).
//
// Its segments: the loop header [local.get local.get i32.ge_u br_if] = 4,
// the body [local.get i32.const i32.add local.set br] = 5, the tail after
// the block [local.get] = 1 (block, loop and end cost nothing). So n
// iterations cost 4(n+1) + 5n + 1 = 9n + 5.
var countLoop = wasmModule(
	sec(secType, vec(functype([]byte{tI32}, []byte{tI32}))),
	sec(secFunction, vec(u32(0))),
	sec(secExport, vec(exportFunc("count", 0))),
	sec(secCode, vec(body([]byte{1, 1, tI32},
		[]byte{0x02, 0x40, 0x03, 0x40},
		[]byte{0x20, 1, 0x20, 0, 0x4f, 0x0d, 1},
		[]byte{0x20, 1, 0x41, 1, 0x6a, 0x21, 1, 0x0c, 0},
		[]byte{0x0b, 0x0b, 0x20, 1}))),
)

func TestStaticCostIsExact(t *testing.T) {
	metered := instrument(t, countLoop)
	for _, compiler := range []bool{true, false} {
		m := &meter{quantum: 7}
		mod := instantiate(t, newRuntime(t, compiler, m), metered)
		m.start(mod)
		for _, n := range []uint64{0, 1, 2, 10, 1000, 123457} {
			before := m.total(mod)
			require.Equal(t, []uint64{n}, call(t, mod, "count", n))
			require.Equal(t, int64(9*n+5), m.total(mod)-before, "n=%d", n)
		}
	}
}

func TestBulkMemoryIsChargedByLength(t *testing.T) {
	metered := instrument(t, readTestdata(t, "bulk.wasm"))
	m := &meter{quantum: 1 << 20}
	mod := instantiate(t, newRuntime(t, true, m), metered)
	m.start(mod)
	cost := func(name string, args ...uint64) int64 {
		before := m.total(mod)
		call(t, mod, name, args...)
		return m.total(mod) - before
	}
	base := cost("set", 0, 1, 0)
	require.Equal(t, base+8000/BulkMemoryBytesPerFuel, cost("set", 0, 1, 8000))
	require.Equal(t, base+1, cost("set", 0, 1, 15)) // rounded down
	baseCopy := cost("copy", 0, 100, 0)
	require.Equal(t, baseCopy+0x7fff/BulkMemoryBytesPerFuel, cost("copy", 0, 100, 0x7fff))
	require.Equal(t, int64(8000/BulkMemoryBytesPerFuel), Dynamic(0xfc, 11, 8000))
	require.Equal(t, int64(0), Dynamic(0x28, 0, 8000))
}

// refsModule exercises everything that names a function: imports (a
// function and a global, from envModule), exports (including a re-exported
// import), the start function, every element segment encoding (flags 0-7),
// ref.func in code and in global initializers, table.init/copy/fill,
// memory.init, and a name section with function and local names.
var refsModule = func() []byte {
	konst := func(v byte) []byte { return body(nil, []byte{0x41, v}) }
	return wasmModule(
		sec(secType, vec(
			functype(nil, []byte{tI32}),          // 0: () -> i32
			functype([]byte{tI32}, []byte{tI32}), // 1: i32 -> i32
			functype(nil, nil),                   // 2: () -> ()
		)),
		sec(secImport, vec(
			cat(str("env"), str("imp"), []byte{0x00}, u32(1)),
			cat(str("env"), str("g"), []byte{0x03, tI32, 0x00}),
		)),
		// 1-8: f_a..f_h, 9 gettab, 10 callimp, 11 init, 12 reffunc, 13 start, 14 readg
		sec(secFunction, vec(u32(0), u32(0), u32(0), u32(0), u32(0), u32(0), u32(0), u32(0),
			u32(1), u32(1), u32(2), u32(0), u32(2), u32(0))),
		sec(secTable, vec([]byte{tFunc, 0x00, 16})),
		sec(secMemory, vec([]byte{0x00, 1})),
		sec(secGlobal, vec(
			[]byte{tI32, 0x01, 0x41, 0x00, 0x0b},  // 1: started (mut)
			[]byte{tFunc, 0x00, 0xd2, 0x08, 0x0b}, // 2: ref.func f_h
			[]byte{tI32, 0x00, 0x23, 0x00, 0x0b},  // 3: global.get env.g
		)),
		sec(secExport, vec(
			exportFunc("gettab", 9), exportFunc("callimp", 10), exportFunc("init", 11),
			exportFunc("reffunc", 12), exportFunc("readg", 14), exportFunc("f_a", 1), exportFunc("imp", 0),
			cat(str("mem"), []byte{0x02, 0}), cat(str("tab"), []byte{0x01, 0}), cat(str("started"), []byte{0x03, 1}),
		)),
		sec(secStart, u32(13)),
		sec(secElement, vec(
			[]byte{0x00, 0x41, 0, 0x0b, 1, 1},
			[]byte{0x02, 0, 0x41, 1, 0x0b, 0x00, 1, 2},
			[]byte{0x04, 0x41, 2, 0x0b, 2, 0xd2, 3, 0x0b, 0xd0, tFunc, 0x0b},
			[]byte{0x06, 0, 0x41, 4, 0x0b, tFunc, 1, 0xd2, 4, 0x0b},
			[]byte{0x01, 0x00, 2, 5, 6},
			[]byte{0x05, tFunc, 1, 0xd2, 7, 0x0b},
			[]byte{0x03, 0x00, 1, 8},
			[]byte{0x07, tFunc, 1, 0xd2, 1, 0x0b},
		)),
		sec(secDataCount, u32(1)),
		sec(secCode, vec(
			konst(1), konst(2), konst(3), konst(4), konst(5), konst(6), konst(7), konst(8),
			body(nil, []byte{0x20, 0, 0x11, 0, 0}), // gettab: call_indirect (type 0) (local.get 0)
			body(nil, []byte{0x20, 0, 0x10, 0}),    // callimp: call env.imp
			body(nil, // init
				[]byte{0x41, 8, 0x41, 0, 0x41, 2, 0xfc, 12, 4, 0},  // table.init 4
				[]byte{0x41, 10, 0x41, 0, 0x41, 1, 0xfc, 12, 5, 0}, // table.init 5
				[]byte{0xfc, 13, 4}, // elem.drop 4
				[]byte{0x41, 12, 0x41, 0, 0x41, 2, 0xfc, 14, 0, 0},     // table.copy
				[]byte{0x41, 14, 0xd2, 3, 0x41, 1, 0xfc, 17, 0},        // table.fill with ref.func f_c
				[]byte{0x41, 15, 0x23, 2, 0x26, 0},                     // table.set 15 (global f_h)
				[]byte{0x41, 0xe4, 0, 0x41, 0, 0x41, 5, 0xfc, 8, 0, 0}, // memory.init
				[]byte{0xfc, 9, 0}), // data.drop
			body(nil, []byte{0xd2, 1, 0xd1, 0xd2, 8, 0xd1, 0x6a, 0x41, 3, 0x25, 0, 0xd1, 0x6a}), // reffunc
			body(nil, []byte{0x41, 42, 0x24, 1}),                                                // start
			body(nil, []byte{0x23, 3, 0x23, 1, 0x6a, 0x41, 0xe4, 0, 0x2d, 0, 0, 0x6a}),          // readg
		)),
		sec(secData, vec(cat([]byte{0x01}, str("hello")))),
		sec(secCustom, str("name"),
			[]byte{0}, u32(5), str("refs"),
			[]byte{1}, func() []byte {
				names := []string{"imp", "f_a", "f_b", "f_c", "f_d", "f_e", "f_f", "f_g", "f_h",
					"gettab", "callimp", "init", "reffunc", "start", "readg"}
				var items [][]byte
				for i, n := range names {
					items = append(items, cat(u32(uint32(i)), str(n)))
				}
				v := vec(items...)
				return cat(u32(uint32(len(v))), v)
			}(),
			[]byte{2}, func() []byte {
				v := vec(cat(u32(9), vec(cat(u32(0), str("i")))))
				return cat(u32(uint32(len(v))), v)
			}(),
		),
		sec(secCustom, str(".debug_info"), []byte{1, 2, 3}),
		sec(secCustom, str("producers"), []byte{0}),
	)
}()

// envModule provides refsModule's imports.
var envModule = wasmModule(
	sec(secType, vec(functype([]byte{tI32}, []byte{tI32}))),
	sec(secFunction, vec(u32(0))),
	sec(secGlobal, vec([]byte{tI32, 0x00, 0x41, 5, 0x0b})),
	sec(secExport, vec(exportFunc("imp", 0), cat(str("g"), []byte{0x03, 0}))),
	sec(secCode, vec(body(nil, []byte{0x20, 0, 0x41, 0xe8, 0x07, 0x6a}))), // x + 1000
)

func runRefs(t *testing.T, wasm []byte, compiler bool, m *meter) []uint64 {
	ctx := context.Background()
	rt := newRuntime(t, compiler, m)
	env, err := rt.CompileModule(ctx, envModule)
	require.NoError(t, err)
	_, err = rt.InstantiateModule(ctx, env, wazero.NewModuleConfig().WithName("env"))
	require.NoError(t, err)
	cm, err := rt.CompileModule(ctx, wasm)
	require.NoError(t, err)
	mod, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("refs")) // runs the start function
	require.NoError(t, err)
	var out []uint64
	out = append(out, mod.ExportedGlobal("started").Get())
	call(t, mod, "init")
	for i := range uint64(16) {
		res, err := mod.ExportedFunction("gettab").Call(ctx, i)
		if err != nil {
			out = append(out, 1<<40) // null entry: a trap
			continue
		}
		out = append(out, res[0])
	}
	out = append(out, call(t, mod, "callimp", 5)...)
	out = append(out, call(t, mod, "imp", 6)...)
	out = append(out, call(t, mod, "f_a")...)
	out = append(out, call(t, mod, "readg")...)
	out = append(out, call(t, mod, "reffunc")...)
	return out
}

func TestRenumbering(t *testing.T) {
	plain := refsModule
	metered := instrument(t, plain)
	for _, compiler := range []bool{true, false} {
		want := runRefs(t, plain, compiler, nil)
		require.Equal(t, []uint64{42, 1, 2, 3, 1 << 40, 4, 1 << 40, 1 << 40, 1 << 40, 5, 6, 7, 1 << 40, 1, 2, 3, 8,
			1005, 1006, 1, 5 + 42 + 'h', 1}, want)
		m := &meter{quantum: 3}
		require.Equal(t, want, runRefs(t, metered, compiler, m))
		require.Positive(t, m.calls)
	}
	requireNamesShifted(t, plain, metered, 1)

	// The stale DWARF section is dropped, the others kept.
	mm := &module{in: metered}
	mm.split()
	var customs []string
	for _, s := range mm.sections {
		if s.id == secCustom {
			customs = append(customs, s.name)
		}
	}
	require.Equal(t, []string{"name", "producers"}, customs)
}
