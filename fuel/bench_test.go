package fuel

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// benchModule instantiates a module plain (no fuel) or metered (the callback
// refills 1e6 units: about 20 slices per MiB of CRC).
func benchModule(b *testing.B, file string, metered, compiler bool) (api.Module, *meter) {
	wasm := readTestdata(b, file)
	if !metered {
		return instantiate(b, newRuntime(b, compiler, nil), wasm), nil
	}
	m := &meter{quantum: 1_000_000}
	mod := instantiate(b, newRuntime(b, compiler, m), instrument(b, wasm))
	m.start(mod)
	return mod, m
}

var benchVariants = []struct {
	name              string
	metered, compiler bool
}{{"plain", false, true}, {"metered", true, true}, {"interpreter-plain", false, false}, {"interpreter-metered", true, false}}

// BenchmarkCRC: table-driven CRC-32 over 1 MiB, plain vs metered, on the
// compiler (plain, metered) and the interpreter.
func BenchmarkCRC(b *testing.B) {
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			mod, _ := benchModule(b, "crc.wasm", v.metered, v.compiler)
			const n = 1 << 20
			call(b, mod, "crc_init")
			call(b, mod, "fill", 1, n)
			f := mod.ExportedFunction("crc_buf")
			stack := []uint64{n}
			ctx := context.Background()
			b.SetBytes(n)
			b.ResetTimer()
			for b.Loop() {
				stack[0] = n
				if err := f.CallWithStack(ctx, stack); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFib: recursive fib(25), call-heavy (a function-entry check per
// call), plain vs metered.
func BenchmarkFib(b *testing.B) {
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			mod, _ := benchModule(b, "fib.wasm", v.metered, v.compiler)
			f := mod.ExportedFunction("fib")
			stack := []uint64{25}
			ctx := context.Background()
			for b.Loop() {
				stack[0] = 25
				if err := f.CallWithStack(ctx, stack); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func biggestApp(b *testing.B) (string, []byte) {
	var name string
	var wasm []byte
	for n, w := range appModules(b) {
		if len(w) > len(wasm) {
			name, wasm = n, w
		}
	}
	return name, wasm
}

// BenchmarkInstrument: the pass itself, on the biggest repository app.
func BenchmarkInstrument(b *testing.B) {
	name, wasm := biggestApp(b)
	b.Logf("%s: %d bytes", name, len(wasm))
	b.SetBytes(int64(len(wasm)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Instrument(wasm, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile: wazero's compiler (no cache) on the biggest repository
// app, plain vs instrumented.
func BenchmarkCompile(b *testing.B) {
	_, wasm := biggestApp(b)
	for _, v := range []struct {
		name string
		wasm []byte
	}{{"plain", wasm}, {"metered", instrument(b, wasm)}} {
		b.Run(v.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
				if _, err := rt.CompileModule(ctx, v.wasm); err != nil {
					b.Fatal(err)
				}
				rt.Close(ctx)
			}
		})
	}
}
