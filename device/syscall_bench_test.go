package device_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/sphere-emu/sphere-emu/device"
	"github.com/sphere-emu/sphere-emu/sim"
)

// TestSyscallStormDoesNotStall: an app issuing 10^6 syscalls back to back is
// served to the end; the emulator stays responsive and exact.
func TestSyscallStormDoesNotStall(t *testing.T) {
	res, rec := boot(t, readImage(t, "syscall-storm.bin"), 100*sim.Second)
	require.True(t, res.AppExited)
	require.EqualValues(t, 0, res.ExitCode)
	_, ok := rec.First("app.log", "line", "storm: 1000000 syscalls, 1000000 ok")
	require.True(t, ok)
}

// BenchmarkSyscallRoundTrip measures one applibs syscall from the guest to
// the kernel and back (GPIO_GetValue: wazero host call, encode, mailbox,
// kernel, reply, decode), per call.
func BenchmarkSyscallRoundTrip(b *testing.B) {
	img := stormImageB(b, b.N)
	var d *device.Device
	d, err := device.New(device.Config{Image: img, Seed: 1, Cache: cache, OnFirstInstruction: func() { b.ResetTimer() }})
	require.NoError(b, err)
	res := d.Run(1 << 62)
	b.StopTimer()
	require.True(b, res.AppExited)
	_ = d.Close()
}

func stormImageB(b *testing.B, n int) []byte {
	wasm, err := os.ReadFile("../testdata/apps/syscall-storm/app.wasm")
	require.NoError(b, err)
	return buildImageTB(b, wasm, fmt.Sprintf(`{"SchemaVersion":1,"Name":"Blink","ComponentId":"da24e045-eb65-4f85-9654-8f843d5735a2","EntryPoint":"/bin/app","CmdArgs":["%d"],"Capabilities":{"Gpio":[12]},"ApplicationType":"Default"}`, n))
}

// BenchmarkBareHostCall is the baseline: the same guest loop against
// stub imports that return at once (wazero's own WASI, no kernel).
func BenchmarkBareHostCall(b *testing.B) {
	ctx := context.Background()
	wasm, err := os.ReadFile("../testdata/apps/syscall-storm/app.wasm")
	require.NoError(b, err)
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	hb := rt.NewHostModuleBuilder("applibs")
	stub := func(name string, params int, result int32) {
		ps := make([]api.ValueType, params)
		for i := range ps {
			ps[i] = api.ValueTypeI32
		}
		hb.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, st []uint64) {
			st[0] = api.EncodeI32(result)
		}), ps, []api.ValueType{api.ValueTypeI32}).Export(name)
	}
	stub("gpio_open_input", 1, 3)
	stub("gpio_get_value", 2, 0)
	stub("log_debug", 2, 0)
	_, err = hb.Instantiate(ctx)
	require.NoError(b, err)
	cm, err := rt.CompileModule(ctx, wasm)
	require.NoError(b, err)
	b.ResetTimer()
	mod, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithArgs("storm", fmt.Sprint(b.N)))
	b.StopTimer()
	if err != nil && !strings.Contains(err.Error(), "exit_code(0)") {
		b.Fatal(err)
	}
	if mod != nil {
		mod.Close(ctx)
	}
}
