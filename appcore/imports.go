package appcore

import (
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
)

// hostModuleName is the import module of the applibs ABI (docs/abi.md).
const hostModuleName = "applibs"

// maxLogLen bounds the text of one log_debug call.
const maxLogLen = 4096

var i32 = api.ValueTypeI32

// hostModule defines the applibs imports. Every guest pointer is checked
// against the module's memory; a bad one gives -EFAULT, never a host panic.
func (g *guest) hostModule(rt wazero.Runtime) wazero.HostModuleBuilder {
	b := rt.NewHostModuleBuilder(hostModuleName)
	fn := func(name string, params int, f api.GoModuleFunc) {
		ps := make([]api.ValueType, params)
		for i := range ps {
			ps[i] = i32
		}
		b.NewFunctionBuilder().WithGoModuleFunction(f, ps, []api.ValueType{i32}).Export(name)
	}
	fn("log_debug", 2, func(ctx context.Context, m api.Module, st []uint64) {
		ptr, n := api.DecodeU32(st[0]), api.DecodeU32(st[1])
		if n > maxLogLen {
			n = maxLogLen
		}
		text, ok := m.Memory().Read(ptr, n)
		if !ok || ptr == 0 {
			st[0] = api.EncodeI32(guestEFAULT)
			return
		}
		r := g.syscall(kernelmsg.KindLog, kernelmsg.Args{Data: append([]byte(nil), text...)})
		st[0] = api.EncodeI32(r.Value)
	})
	fn("gpio_open_input", 1, g.ints(kernelmsg.KindGPIOOpenInput, 1))
	fn("gpio_open_output", 3, g.ints(kernelmsg.KindGPIOOpenOutput, 3))
	fn("gpio_set_value", 2, g.ints(kernelmsg.KindGPIOSetValue, 2))
	fn("gpio_get_value", 2, func(ctx context.Context, m api.Module, st []uint64) {
		fd, out := api.DecodeI32(st[0]), api.DecodeU32(st[1])
		if _, ok := m.Memory().Read(out, 1); !ok || out == 0 {
			st[0] = api.EncodeI32(guestEFAULT)
			return
		}
		r := g.syscall(kernelmsg.KindGPIOGetValue, kernelmsg.Args{Ints: []int32{fd}})
		if r.Value >= 0 {
			if len(r.Data) != 1 || !m.Memory().WriteByte(out, r.Data[0]) {
				r.Value = guestEIO
			}
		}
		st[0] = api.EncodeI32(r.Value)
	})
	return b
}

// ints returns a host function that passes n i32 arguments to a syscall.
func (g *guest) ints(kind mailbox.Kind, n int) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, st []uint64) {
		args := make([]int32, n)
		for i := range args {
			args[i] = api.DecodeI32(st[i])
		}
		st[0] = api.EncodeI32(g.syscall(kind, kernelmsg.Args{Ints: args}).Value)
	}
}
