package fuel

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

type callSpec struct {
	name string
	args []uint64
}

func c(name string, args ...uint64) callSpec { return callSpec{name, args} }

func i32(v int32) uint64   { return api.EncodeI32(v) }
func f32(v float32) uint64 { return api.EncodeF32(v) }
func f64(v float64) uint64 { return api.EncodeF64(v) }

type op struct {
	op  byte
	sub uint32
}

// The clang-built modules of testdata/ (see testdata/build.sh), the calls
// whose results must not change, and instructions each must contain (so
// that the test really covers them).
var clangModules = []struct {
	file  string
	calls []callSpec
	has   []op
}{
	{"fib.wasm", []callSpec{c("fib", 0), c("fib", 1), c("fib", 20), c("fib", 24), c("ack", 2, 3), c("ack", 3, 3)},
		[]op{{0x10, 0}}},
	{"crc.wasm", []callSpec{c("crc_init"), c("fill", 1, 1<<16), c("crc_buf", 1<<16), c("crc_buf", 1000), c("crc_buf", 0),
		c("loop_n", 0), c("loop_n", 1000)},
		[]op{{0x03, 0}}},
	{"fanout.wasm", []callSpec{c("tree0", 5), c("tree1", 5), c("tree10", 3), c("tree16", 7)},
		[]op{{0x10, 0}}},
	{"dispatch.wasm", []callSpec{c("run", 10000, 7), c("run", 1, 0), c("dispatch", 0, 100, 7), c("dispatch", 6, 100, 7),
		c("dispatch", 5, 0x12345678, 12), c("pick", 5, 3, 4), c("pick", 6, 0, 0)},
		[]op{{0x11, 0}}},
	{"bulk.wasm", []callSpec{c("set", 0, 9, 100), c("copy", 10, 0, 500), c("sum", 1<<16), c("shuffle", 200), c("set", 5, 1, 0),
		c("copy", 0, 0, 0x7fff), c("sum", 1<<16)},
		[]op{{0xfc, 10}, {0xfc, 11}}},
	{"mixed.wasm", []callSpec{
		c("i64ops", 0x123456789abcdef, 0xfedcba98),
		c("i64ops", uint64(1)<<63, ^uint64(0)),
		c("f32ops", f32(3.25), 10), c("f32ops", f32(-1e30), 3),
		c("f64ops", f64(1.0001), 50), c("f64ops", f64(-2.5), 7),
		c("conv", f64(1e20), f32(-5)), c("conv", f64(-123.75), f32(4e9)),
		c("mix", 500)},
		[]op{{0xfc, 2}, {0xfc, 6}, {0xc2, 0}, {0x7c, 0}, {0x92, 0}, {0xa0, 0}}},
	{"simd.wasm", []callSpec{c("init", 1024), c("dot", 1024), c("dot", 5), c("shuffle", 12345), c("shuffle", i32(-7)),
		c("bytesum", 1024), c("bytesum", 3)},
		[]op{{0xfd, 0x0c}, {0xfd, 0x0d}, {0xfd, 0x00}, {0xfd, 0x5a}, {0xfd, 0x5d}, {0xfd, 0x16}}},
}

// opcodes lists the instructions of every function body of a module.
func opcodes(t testing.TB, wasm []byte) map[op]int {
	t.Helper()
	m := &module{in: wasm}
	m.split()
	m.scan()
	s := m.byID[secCode]
	require.NotNil(t, s)
	r := newReader(s.content, s.off, "code")
	n := r.count("n", 2)
	w := &rewriter{m: m}
	ops := map[op]int{}
	for range n {
		size := r.u32("size")
		br := newReader(r.bytes(int(size)), 0, "code")
		groups := br.count("groups", 2)
		for range groups {
			br.u32("n")
			br.valType()
		}
		w.decode(br)
		for _, in := range w.instrs {
			o := op{op: in.op}
			switch in.op {
			case prefixMisc:
				v, _, err := decodeULEB(br.b[in.start+1:], 32)
				require.NoError(t, err)
				o.sub = uint32(v)
			case prefixSIMD, prefixAtomic:
				o.sub = uint32(br.b[in.start+1])
			}
			ops[o]++
		}
	}
	return ops
}

// TestClangModules instruments the clang-built modules and checks, on both
// engines, that the output compiles, keeps its shape and names, computes the
// same results, and calls back deterministically.
func TestClangModules(t *testing.T) {
	for _, tc := range clangModules {
		plainWasm := readTestdata(t, tc.file)
		ops := opcodes(t, plainWasm)
		for _, o := range tc.has {
			require.NotZero(t, ops[o], "%s should contain opcode %#x %#x", tc.file, o.op, o.sub)
		}
		meteredWasm := instrument(t, plainWasm)
		for _, compiler := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/compiler=%v", tc.file, compiler), func(t *testing.T) {
				ctx := context.Background()
				rt := newRuntime(t, compiler, nil)
				pcm, err := rt.CompileModule(ctx, plainWasm)
				require.NoError(t, err)
				plain, err := rt.InstantiateModule(ctx, pcm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
				require.NoError(t, err)
				var want [][]uint64
				for _, cs := range tc.calls {
					want = append(want, call(t, plain, cs.name, cs.args...))
				}

				// Metered, with a small quantum so that the callback fires
				// often; twice, to check determinism.
				var runs []*meter
				for range 2 {
					m := &meter{quantum: 997, record: true}
					mrt := newRuntime(t, compiler, m)
					mcm, err := mrt.CompileModule(ctx, meteredWasm)
					require.NoError(t, err)
					requireSameShape(t, pcm, mcm)
					mod := instantiate(t, mrt, meteredWasm)
					m.start(mod)
					for i, cs := range tc.calls {
						got := call(t, mod, cs.name, cs.args...)
						require.Equal(t, want[i], got, "%s%v", cs.name, cs.args)
					}
					m.seen = append(m.seen, m.total(mod))
					runs = append(runs, m)
				}
				require.Positive(t, runs[0].calls)
				require.Equal(t, runs[0].calls, runs[1].calls, "callback count")
				require.Equal(t, runs[0].seen, runs[1].seen, "fuel at each callback, and total")
			})
		}
		requireNamesShifted(t, plainWasm, meteredWasm, 0)
	}
}

// TestFuelIsEngineIndependent: the compiler and the interpreter burn exactly
// the same fuel, with the callback at the same points.
func TestFuelIsEngineIndependent(t *testing.T) {
	for _, tc := range clangModules {
		metered := instrument(t, readTestdata(t, tc.file))
		var seen [][]int64
		for _, compiler := range []bool{true, false} {
			m := &meter{quantum: 1 << 12, record: true}
			mod := instantiate(t, newRuntime(t, compiler, m), metered)
			m.start(mod)
			for _, cs := range tc.calls {
				call(t, mod, cs.name, cs.args...)
			}
			seen = append(seen, append(m.seen, m.total(mod)))
		}
		require.Equal(t, seen[0], seen[1], tc.file)
	}
}

// TestQuantumDoesNotChangeTotal: the fuel burnt does not depend on how it is
// handed out, and the callback count follows the quantum.
func TestQuantumDoesNotChangeTotal(t *testing.T) {
	metered := instrument(t, readTestdata(t, "crc.wasm"))
	var totals []int64
	var calls []int
	for _, q := range []int64{1, 100, 10_000, 1 << 40} {
		m := &meter{quantum: q}
		mod := instantiate(t, newRuntime(t, true, m), metered)
		m.start(mod)
		call(t, mod, "crc_init")
		call(t, mod, "fill", 3, 50_000)
		before := m.total(mod)
		call(t, mod, "crc_buf", 50_000)
		totals = append(totals, m.total(mod)-before)
		calls = append(calls, m.calls)
	}
	for _, tot := range totals {
		require.Equal(t, totals[0], tot)
	}
	require.Greater(t, calls[0], calls[1])
	require.Greater(t, calls[1], calls[2])
	require.Zero(t, calls[3])
	// crc32's loop: about 20 instructions per byte.
	require.InDelta(t, 20*50_000, float64(totals[0]), 10*50_000, "total %d", totals[0])
}
