package fuel_test

import (
	"context"
	"fmt"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/sphere-emu/sphere-emu/fuel"
)

// Instrument a module, provide the callback, grant fuel before calling into
// the guest, and account for the fuel burnt.
func ExampleInstrument() {
	ctx := context.Background()
	wasm, err := os.ReadFile("testdata/fib.wasm")
	if err != nil {
		panic(err)
	}
	metered, err := fuel.Instrument(wasm, fuel.Options{})
	if err != nil {
		panic(err)
	}

	const quantum = 10_000
	var granted, burnt int64
	callbacks := 0
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	_, err = rt.NewHostModuleBuilder(fuel.DefaultImportModule).NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, _ []uint64) {
			g := m.ExportedGlobal(fuel.DefaultGlobalExport).(api.MutableGlobal)
			burnt += granted - int64(g.Get()) // the counter is negative here: the overdraft counts
			callbacks++
			// A scheduler would advance virtual time by burnt and maybe park
			// here; a watchdog would kill with m.CloseWithExitCode and
			// panic(sys.NewExitError(code)).
			g.Set(quantum)
			granted = quantum
		}), nil, nil).Export(fuel.DefaultImportName).
		Instantiate(ctx)
	if err != nil {
		panic(err)
	}
	mod, err := rt.InstantiateModule(ctx, must(rt.CompileModule(ctx, metered)), wazero.NewModuleConfig())
	if err != nil {
		panic(err)
	}
	g := mod.ExportedGlobal(fuel.DefaultGlobalExport).(api.MutableGlobal)
	g.Set(quantum) // the counter starts at 0: grant a first quantum
	granted = quantum

	res, err := mod.ExportedFunction("fib").Call(ctx, 20)
	if err != nil {
		panic(err)
	}
	burnt += granted - int64(g.Get())
	fmt.Printf("fib(20) = %d, %d units of fuel, %d callbacks\n", res[0], burnt, callbacks)
	// Output: fib(20) = 6765, 291343 units of fuel, 29 callbacks
}

func must(cm wazero.CompiledModule, err error) wazero.CompiledModule {
	if err != nil {
		panic(err)
	}
	return cm
}
