package fuel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// TestPreemption: a loop that never ends and a loop-free call tree of 2^40
// calls are both stopped by a callback that kills the module after n
// refills, on the compiler engine without WithCloseOnContextDone.
func TestPreemption(t *testing.T) {
	cases := []struct {
		file, fn string
		args     []uint64
	}{
		{"crc.wasm", "spin", nil},
		{"fanout.wasm", "tree40", []uint64{1}},
		{"fib.wasm", "fib", []uint64{60}},
	}
	for _, tc := range cases {
		t.Run(tc.fn, func(t *testing.T) {
			metered := instrument(t, readTestdata(t, tc.file))
			var runs [][]int64
			for range 2 {
				const n = 200
				m := &meter{quantum: 10_000, record: true, hook: func(m *meter, mod api.Module) {
					if m.calls == n { // kill: close, then unwind (as WASI's proc_exit)
						_ = mod.CloseWithExitCode(context.Background(), 137)
						panic(sys.NewExitError(137))
					}
				}}
				mod := instantiate(t, newRuntime(t, true, m), metered)
				m.start(mod)
				start := time.Now()
				_, err := mod.ExportedFunction(tc.fn).Call(context.Background(), tc.args...)
				var exit *sys.ExitError
				require.True(t, errors.As(err, &exit), "%v", err)
				require.Equal(t, uint32(137), exit.ExitCode())
				require.Equal(t, n, m.calls)
				require.Less(t, time.Since(start), 5*time.Second)
				require.True(t, mod.IsClosed())
				runs = append(runs, m.seen)
			}
			// The callback fired at the same points, with the same overdraft.
			require.Equal(t, runs[0], runs[1])
			for _, left := range runs[0][1:] {
				require.Negative(t, left)
				require.Greater(t, left, int64(-100), "overdraft is bounded by the straight-line code between checks")
			}
		})
	}
}

// TestGCWhileSpinning: a metered guest that spins does not stall the Go
// process; runtime.GC completes while it runs (the callback is a safe point).
func TestGCWhileSpinning(t *testing.T) {
	metered := instrument(t, readTestdata(t, "crc.wasm"))
	var stop atomic.Bool
	m := &meter{quantum: 100_000, hook: func(*meter, api.Module) {
		if stop.Load() {
			panic(sys.NewExitError(1))
		}
	}}
	mod := instantiate(t, newRuntime(t, true, m), metered)
	m.start(mod)
	done := make(chan error)
	go func() {
		_, err := mod.ExportedFunction("spin").Call(context.Background())
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	for range 5 {
		start := time.Now()
		runtime.GC()
		require.Less(t, time.Since(start), 2*time.Second)
	}
	stop.Store(true)
	require.Error(t, <-done)
}

// TestTimeSlicing: two spinning guests share one virtual CPU. The callback
// hands the CPU to the other guest and blocks until it comes back; the
// schedule and the fuel burnt in each slice are the same in every run.
func TestTimeSlicing(t *testing.T) {
	metered := instrument(t, readTestdata(t, "crc.wasm"))
	run := func() []string {
		ctx := context.Background()
		const quantum, slices = 5_000, 10
		batons := [2]chan struct{}{make(chan struct{}, 1), make(chan struct{}, 1)}
		var mu sync.Mutex
		var schedule []string
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
		defer rt.Close(ctx)
		ids := map[api.Module]int{}
		granted := map[api.Module]int64{}
		count := 0
		_, err := rt.NewHostModuleBuilder(DefaultImportModule).NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, _ []uint64) {
				g := mod.ExportedGlobal(DefaultGlobalExport).(api.MutableGlobal)
				id := ids[mod]
				mu.Lock()
				count++
				last := count >= 2*slices
				if count <= 2*slices {
					schedule = append(schedule, fmt.Sprintf("%d:%d", id, granted[mod]-int64(g.Get())))
				}
				mu.Unlock()
				batons[1-id] <- struct{}{} // hand over the CPU ...
				if last {
					panic(sys.NewExitError(0))
				}
				<-batons[id] // ... and wait for it
				g.Set(quantum)
				granted[mod] = quantum
			}), nil, nil).Export(DefaultImportName).Instantiate(ctx)
		require.NoError(t, err)
		cm, err := rt.CompileModule(ctx, metered)
		require.NoError(t, err)
		var mods [2]api.Module
		for i := range mods {
			mods[i], err = rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName(""))
			require.NoError(t, err)
			ids[mods[i]] = i
			mods[i].ExportedGlobal(DefaultGlobalExport).(api.MutableGlobal).Set(quantum)
			granted[mods[i]] = quantum
		}
		var wg sync.WaitGroup
		for i := range mods {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-batons[i]
				mods[i].ExportedFunction("spin").Call(ctx) //nolint:errcheck // ends with exit
				select {                                   // let the other guest finish too
				case batons[1-i] <- struct{}{}:
				default:
				}
			}()
		}
		batons[0] <- struct{}{}
		wg.Wait()
		return schedule
	}
	first := run()
	require.Len(t, first, 20)
	for i, s := range first {
		require.True(t, strings.HasPrefix(s, fmt.Sprint(i%2, ":")), "%v", first)
	}
	require.Equal(t, first, run())
}

// ---- The repository's apps ----

type appRun struct {
	log    []string
	stdout string
	err    string
	exit   uint32
	hash   uint32 // linear memory at the last host call
}

// runApp runs an app (_start, or rt_main for a real-time core app) on the
// compiler with wazero's deterministic WASI and a stub for every other import (it logs the call and returns zeros).
// The run ends after 300 stub calls; a plain module that computes for 2 s
// is stopped by its context; a metered one after 2e8 fuel.
func runApp(t *testing.T, wasm []byte, metered bool) appRun {
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfigCompiler()
	if !metered {
		cfg = cfg.WithCloseOnContextDone(true)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
	}
	rt := wazero.NewRuntimeWithConfig(context.Background(), cfg)
	defer rt.Close(context.Background())
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	cm, err := rt.CompileModule(ctx, wasm)
	require.NoError(t, err)
	var res appRun
	stubs := map[string]wazero.HostModuleBuilder{}
	for _, d := range cm.ImportedFunctions() {
		modName, name, _ := d.Import()
		if modName == wasi_snapshot_preview1.ModuleName || modName == DefaultImportModule {
			continue
		}
		b, ok := stubs[modName]
		if !ok {
			b = rt.NewHostModuleBuilder(modName)
			stubs[modName] = b
		}
		params, nr := d.ParamTypes(), len(d.ResultTypes())
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, mod api.Module, stack []uint64) {
			args := make([]uint64, len(params))
			for i, p := range params {
				args[i] = stack[i]
				if p == api.ValueTypeI32 || p == api.ValueTypeF32 {
					args[i] = uint64(uint32(stack[i])) // the upper half is undefined
				}
			}
			res.log = append(res.log, fmt.Sprint(name, args))
			mem, _ := mod.Memory().Read(0, mod.Memory().Size())
			res.hash = crc32.ChecksumIEEE(mem)
			clear(stack[:nr])
			if len(res.log) >= 300 {
				panic(sys.NewExitError(222))
			}
		}), d.ParamTypes(), d.ResultTypes()).Export(name)
	}
	names := make([]string, 0, len(stubs))
	for n := range stubs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		_, err := stubs[n].Instantiate(ctx)
		require.NoError(t, err)
	}
	m := &meter{quantum: 10_000, hook: func(m *meter, _ api.Module) {
		if m.burnt > 2e8 {
			panic(sys.NewExitError(223))
		}
	}}
	if metered {
		_, err := rt.NewHostModuleBuilder(DefaultImportModule).NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(m.callback), nil, nil).Export(DefaultImportName).Instantiate(ctx)
		require.NoError(t, err)
	}
	var stdout bytes.Buffer
	mod, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("app").WithArgs("app").
		WithStdout(&stdout).WithStderr(&stdout).WithStartFunctions())
	require.NoError(t, err)
	if metered {
		m.start(mod)
	}
	entry := mod.ExportedFunction("_start") // a high-level app
	if entry == nil {
		entry = mod.ExportedFunction("rt_main") // a real-time core app
	}
	require.NotNil(t, entry, "no entry point")
	_, err = entry.Call(ctx)
	res.stdout = stdout.String()
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		res.exit = exit.ExitCode()
	} else if err != nil {
		res.err = err.Error()
	}
	return res
}

func TestRepositoryApps(t *testing.T) {
	for name, plainWasm := range appModules(t) {
		t.Run(name, func(t *testing.T) {
			out, err := Instrument(plainWasm, Options{})
			require.NoError(t, err)
			ctx := context.Background()
			for _, compiler := range []bool{true, false} {
				rt := newRuntime(t, compiler, nil)
				pcm, err := rt.CompileModule(ctx, plainWasm)
				require.NoError(t, err)
				mcm, err := rt.CompileModule(ctx, out)
				require.NoError(t, err)
				requireSameShape(t, pcm, mcm)
				requireNamesShifted(t, plainWasm, out, uint32(len(pcm.ImportedFunctions())))
			}
			plain, metered := runApp(t, plainWasm, false), runApp(t, out, true)
			t.Logf("%d host calls, exit %d, err %q", len(plain.log), plain.exit, firstLineOf(plain.err))
			if plain.exit == sys.ExitCodeDeadlineExceeded {
				// A guest that computes forever (testdata/apps/spin): the
				// plain run is stopped by its deadline, the metered one by
				// its fuel budget.
				require.Equal(t, uint32(223), metered.exit)
				metered.exit = plain.exit
				plain.hash, metered.hash = 0, 0
			}
			require.Equal(t, plain.stdout, metered.stdout)
			require.Equal(t, plain.err, metered.err)
			require.Equal(t, plain.exit, metered.exit)
			require.Equal(t, len(plain.log), len(metered.log))
			for i := range plain.log {
				require.Equal(t, plain.log[i], metered.log[i], "host call %d", i)
			}
			require.Equal(t, plain.hash, metered.hash)
		})
	}
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
