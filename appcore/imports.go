package appcore

import (
	"context"
	"encoding/binary"
	"math"

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

// intImports are the applibs imports whose arguments are all plain i32
// integers passed straight to a syscall: name → syscall and parameter count.
var intImports = map[string]struct {
	kind   mailbox.Kind
	params int
}{
	"gpio_open_input":                   {kernelmsg.KindGPIOOpenInput, 1},
	"gpio_open_output":                  {kernelmsg.KindGPIOOpenOutput, 3},
	"gpio_set_value":                    {kernelmsg.KindGPIOSetValue, 2},
	"eventloop_create":                  {kernelmsg.KindEventLoopCreate, 0},
	"eventloop_register":                {kernelmsg.KindEventLoopRegister, 4},
	"eventloop_modify":                  {kernelmsg.KindEventLoopModify, 3},
	"eventloop_unregister":              {kernelmsg.KindEventLoopUnregister, 2},
	"timerfd_create":                    {kernelmsg.KindTimerfdCreate, 2},
	"uart_open":                         {kernelmsg.KindUARTOpen, 7},
	"i2c_open":                          {kernelmsg.KindI2COpen, 1},
	"i2c_set_bus_speed":                 {kernelmsg.KindI2CSetBusSpeed, 2},
	"i2c_set_timeout":                   {kernelmsg.KindI2CSetTimeout, 2},
	"i2c_set_default_target":            {kernelmsg.KindI2CSetDefaultTarget, 2},
	"spi_open":                          {kernelmsg.KindSPIOpen, 3},
	"spi_set_bus_speed":                 {kernelmsg.KindSPISetBusSpeed, 2},
	"spi_set_mode":                      {kernelmsg.KindSPISetMode, 2},
	"spi_set_bit_order":                 {kernelmsg.KindSPISetBitOrder, 2},
	"adc_open":                          {kernelmsg.KindADCOpen, 1},
	"adc_get_sample_bit_count":          {kernelmsg.KindADCGetSampleBitCount, 2},
	"pwm_open":                          {kernelmsg.KindPWMOpen, 1},
	"storage_open_mutable":              {kernelmsg.KindStorageOpenMutable, 0},
	"storage_delete_mutable":            {kernelmsg.KindStorageDeleteMutable, 0},
	"powermanagement_force_reboot":      {kernelmsg.KindPowerForceReboot, 0},
	"powermanagement_force_power_down":  {kernelmsg.KindPowerForcePowerDown, 1},
	"powermanagement_set_power_profile": {kernelmsg.KindPowerSetProfile, 1},
	"sysevent_register":                 {kernelmsg.KindSysEventRegister, 1},
	"sysevent_defer":                    {kernelmsg.KindSysEventDefer, 2},
	"sysevent_resume":                   {kernelmsg.KindSysEventResume, 1},
	"networking_get_interface_count":    {kernelmsg.KindNetInterfaceCount, 0},
	"networking_timesync_set_enabled":   {kernelmsg.KindNetTimeSyncSet, 1},
	"rtc_clock_systohc":                 {kernelmsg.KindRTCSysToHC, 0},
	"signal_set_disposition":            {kernelmsg.KindSignalSetDisp, 2},
}

// unsignedParams lists imports whose integer parameters are unsigned in C
// (zero-extended rather than sign-extended into the syscall).
var unsignedParams = map[string]bool{"uart_open": true, "i2c_set_bus_speed": true, "spi_set_bus_speed": true,
	"i2c_set_timeout": true, "powermanagement_force_power_down": true, "sysevent_defer": true}

// hostModule defines the applibs imports. Every guest pointer is checked
// against the module's memory; a bad one gives -EFAULT, never a host panic.
func (g *guest) hostModule(rt wazero.Runtime) wazero.HostModuleBuilder {
	b := rt.NewHostModuleBuilder(hostModuleName)
	def := func(name string, params []api.ValueType, f api.GoModuleFunc) {
		b.NewFunctionBuilder().WithGoModuleFunction(f, params, []api.ValueType{i32}).Export(name)
	}
	p := func(n int) []api.ValueType {
		ps := make([]api.ValueType, n)
		for i := range ps {
			ps[i] = i32
		}
		return ps
	}
	ret := func(st []uint64, v int64) { st[0] = api.EncodeI32(int32(v)) }
	efault := func(st []uint64) { ret(st, guestEFAULT) }

	for name, im := range intImports {
		unsigned := unsignedParams[name]
		def(name, p(im.params), func(ctx context.Context, m api.Module, st []uint64) {
			args := make([]int64, im.params)
			for i := range args {
				if unsigned {
					args[i] = int64(u32(st[i]))
				} else {
					args[i] = int64(i32v(st[i]))
				}
			}
			ret(st, g.syscallInts(im.kind, args...).Value)
		})
	}

	// textCall passes a guest string as the syscall's data.
	textCall := func(kind mailbox.Kind, ptr, n uint32, ints ...int64) (kernelmsg.Result, bool) {
		text, ok := g.readArg(ptr, min(n, 4096))
		if !ok {
			return kernelmsg.Result{}, false
		}
		return g.syscall(kind, kernelmsg.Args{Ints: ints, Data: text}), true
	}
	// outCall makes a syscall and writes its data to out (at most cap bytes).
	outBytes := func(m api.Module, st []uint64, r kernelmsg.Result, out uint32) {
		if r.Value >= 0 && (out == 0 || !writeBytes(m, out, r.Data)) {
			efault(st)
			return
		}
		ret(st, r.Value)
	}

	def("log_debug", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r, ok := textCall(kernelmsg.KindLog, u32(st[0]), u32(st[1]))
		if !ok {
			efault(st)
			return
		}
		ret(st, r.Value)
	})
	def("gpio_get_value", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		out := u32(st[1])
		if !g.validOut(out, 1) {
			efault(st)
			return
		}
		r := g.syscallInts(kernelmsg.KindGPIOGetValue, int64(i32v(st[0])))
		if r.Value >= 0 && len(r.Data) != 1 {
			r.Value = guestEIO
		}
		outBytes(m, st, r, out)
	})
	def("eventloop_wait", p(4), func(ctx context.Context, m api.Module, st []uint64) {
		out, max := u32(st[2]), int64(i32v(st[3]))
		if max <= 0 || !g.validOut(out, uint32(max)*8) {
			ret(st, -int64(wasiErrno[kernelmsg.EINVAL]))
			if max > 0 {
				efault(st)
			}
			return
		}
		r := g.syscallInts(kernelmsg.KindEventLoopWait, int64(i32v(st[0])), int64(i32v(st[1])), max)
		if r.Value >= 0 && len(r.Data) != int(r.Value)*8 {
			r.Value = guestEIO
		}
		outBytes(m, st, r, out)
	})
	def("timerfd_settime", []api.ValueType{i32, i32, i64, i64}, func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.syscallInts(kernelmsg.KindTimerfdSettime, int64(i32v(st[0])), int64(i32v(st[1])), int64(st[2]), int64(st[3])).Value)
	})
	def("timerfd_gettime", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		out := u32(st[1])
		if !g.validOut(out, 16) {
			efault(st)
			return
		}
		outBytes(m, st, g.syscallInts(kernelmsg.KindTimerfdGettime, int64(i32v(st[0]))), out)
	})
	def("i2c_transfer", p(6), func(ctx context.Context, m api.Module, st []uint64) {
		fd, addr := int64(i32v(st[0])), int64(u32(st[1]))
		wr, wlen, rd, rlen := u32(st[2]), u32(st[3]), u32(st[4]), u32(st[5])
		if wlen > maxTransfer || rlen > maxTransfer {
			ret(st, -int64(wasiErrno[kernelmsg.EINVAL]))
			return
		}
		var data []byte
		if wlen > 0 {
			var ok bool
			if data, ok = g.readArg(wr, wlen); !ok {
				efault(st)
				return
			}
		}
		if rlen > 0 && !g.validOut(rd, rlen) {
			efault(st)
			return
		}
		r := g.syscall(kernelmsg.KindI2CTransfer, kernelmsg.Args{Ints: []int64{fd, addr, int64(rlen)}, Data: data})
		if r.Value >= 0 && rlen > 0 && !writeBytes(m, rd, r.Data) {
			efault(st)
			return
		}
		ret(st, r.Value)
	})
	def("spi_transfer", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.spiTransfer(m, int64(i32v(st[0])), u32(st[1]), u32(st[2])))
	})
	def("adc_set_reference_voltage", []api.ValueType{i32, i32, api.ValueTypeF32}, func(ctx context.Context, m api.Module, st []uint64) {
		v := float64(api.DecodeF32(st[2]))
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 100 {
			ret(st, -int64(wasiErrno[kernelmsg.EINVAL]))
			return
		}
		ret(st, g.syscallInts(kernelmsg.KindADCSetReference, int64(i32v(st[0])), int64(u32(st[1])), int64(math.Round(v*1e6))).Value)
	})
	def("adc_poll", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		fd, ch := int64(i32v(st[0])), int64(u32(st[1]))
		g.valueOut(m, st, u32(st[2]), 4, func() kernelmsg.Result { return g.syscallInts(kernelmsg.KindADCPoll, fd, ch) })
	})
	def("pwm_apply", p(6), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.syscallInts(kernelmsg.KindPWMApply, int64(i32v(st[0])), int64(u32(st[1])), int64(u32(st[2])), int64(u32(st[3])), int64(i32v(st[4])), int64(i32v(st[5]))).Value)
	})
	def("storage_package_root", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		g.stringOut(m, st, g.syscallInts(kernelmsg.KindStoragePackageRoot), u32(st[0]), u32(st[1]))
	})
	def("application_connect", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r, ok := textCall(kernelmsg.KindApplicationConnect, u32(st[0]), u32(st[1]))
		if !ok {
			efault(st)
			return
		}
		ret(st, r.Value)
	})
	def("application_is_device_auth_ready", p(1), func(ctx context.Context, m api.Module, st []uint64) {
		g.valueOut(m, st, u32(st[0]), 1, func() kernelmsg.Result { return g.syscallInts(kernelmsg.KindApplicationDeviceAuthRead) })
	})
	def("applications_get_memory_usage_kb", p(1), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.syscallInts(kernelmsg.KindApplicationsMemoryUsage, int64(i32v(st[0])), int64(m.Memory().Size())).Value)
	})
	def("applications_get_os_version", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		g.stringOut(m, st, g.syscallInts(kernelmsg.KindApplicationsOSVersion), u32(st[0]), u32(st[1]))
	})
	def("networking_get_interfaces", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		out, max := u32(st[0]), int64(i32v(st[1]))
		if max < 0 {
			ret(st, -int64(wasiErrno[kernelmsg.EINVAL]))
			return
		}
		if max > 0 && !g.validOut(out, uint32(min(max, 64))*20) {
			efault(st)
			return
		}
		r := g.syscallInts(kernelmsg.KindNetInterfaces, min(max, 64))
		if r.Value > 0 && !writeBytes(m, out, r.Data) {
			efault(st)
			return
		}
		ret(st, r.Value)
	})
	def("networking_get_connection_status", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		name, ok := g.readArg(u32(st[0]), min(u32(st[1]), 4096))
		if !ok {
			efault(st)
			return
		}
		g.valueOut(m, st, u32(st[2]), 4, func() kernelmsg.Result {
			return g.syscall(kernelmsg.KindNetConnectionStatus, kernelmsg.Args{Data: name})
		})
	})
	def("networking_set_interface_state", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		r, ok := textCall(kernelmsg.KindNetSetInterfaceState, u32(st[0]), u32(st[1]), int64(i32v(st[2])))
		if !ok {
			efault(st)
			return
		}
		ret(st, r.Value)
	})
	def("networking_timesync_get_enabled", p(1), func(ctx context.Context, m api.Module, st []uint64) {
		g.valueOut(m, st, u32(st[0]), 1, func() kernelmsg.Result { return g.syscallInts(kernelmsg.KindNetTimeSyncGet) })
	})
	def("clock_settime_ns", []api.ValueType{i32, i64}, func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindClockSettime, int64(i32v(st[0])), int64(st[1]))
		if r.Value >= 0 {
			g.syncClock()
		}
		ret(st, r.Value)
	})
	def("socket_setsockopt", p(5), func(ctx context.Context, m api.Module, st []uint64) {
		val, ok := g.readArg(u32(st[3]), min(u32(st[4]), 256))
		if !ok {
			efault(st)
			return
		}
		ret(st, g.syscall(kernelmsg.KindSetsockopt, kernelmsg.Args{Ints: []int64{int64(i32v(st[0])), int64(i32v(st[1])), int64(i32v(st[2]))}, Data: val}).Value)
	})
	def("applibs_unimplemented", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r, ok := textCall(kernelmsg.KindUnimplemented, u32(st[0]), min(u32(st[1]), 128))
		if !ok {
			efault(st)
			return
		}
		ret(st, r.Value)
	})
	g.netImports(def)
	return b
}

// valueOut makes a syscall whose non-negative result value the import
// writes to out as a little-endian integer of size bytes; the import itself
// returns 0 or −errno. out is checked before the syscall is made.
func (g *guest) valueOut(m api.Module, st []uint64, out, size uint32, call func() kernelmsg.Result) {
	if !g.validOut(out, size) {
		st[0] = api.EncodeI32(int32(guestEFAULT))
		return
	}
	r := call()
	if r.Value >= 0 {
		b := binary.LittleEndian.AppendUint32(nil, uint32(r.Value))
		if !writeBytes(m, out, b[:size]) {
			st[0] = api.EncodeI32(int32(guestEFAULT))
			return
		}
		r.Value = 0
	}
	st[0] = api.EncodeI32(int32(r.Value))
}

// readArg copies n bytes of an input argument; a NULL or out-of-range
// pointer is not ok (n == 0 reads nothing but still refuses NULL).
func (g *guest) readArg(ptr, n uint32) ([]byte, bool) {
	if ptr == 0 {
		return nil, false
	}
	return readBytes(g.mod, ptr, n)
}

// validOut reports whether [ptr, ptr+n) is a non-NULL range of guest memory.
func (g *guest) validOut(ptr, n uint32) bool {
	return ptr != 0 && uint64(ptr)+uint64(n) <= uint64(g.mod.Memory().Size())
}

// stringOut writes a string result into a caller's buffer and returns its
// length; when the buffer is too small nothing is written and the needed
// length is returned (the caller compares).
func (g *guest) stringOut(m api.Module, st []uint64, r kernelmsg.Result, out, cap uint32) {
	if r.Value < 0 {
		st[0] = api.EncodeI32(int32(r.Value))
		return
	}
	if uint32(len(r.Data)) <= cap {
		if !g.validOut(out, uint32(len(r.Data))) || !writeBytes(m, out, r.Data) {
			st[0] = api.EncodeI32(int32(guestEFAULT))
			return
		}
	}
	st[0] = api.EncodeI32(int32(len(r.Data)))
}

// spiTransfer reads the transfer records, sends one SPI transaction, and
// writes the bytes read back into each read buffer.
func (g *guest) spiTransfer(m api.Module, fd int64, ptr, count uint32) int64 {
	einval := -int64(wasiErrno[kernelmsg.EINVAL])
	if count == 0 || count > kernelmsg.MaxSPITransfers {
		return einval
	}
	raw, ok := g.readArg(ptr, count*16)
	if !ok {
		return guestEFAULT
	}
	type seg struct{ flags, wptr, rptr, n uint32 }
	segs := make([]seg, count)
	xfers := make([]kernelmsg.SPITransfer, count)
	total := 0
	for i := range segs {
		r := raw[16*i:]
		s := seg{binary.LittleEndian.Uint32(r), binary.LittleEndian.Uint32(r[4:]), binary.LittleEndian.Uint32(r[8:]), binary.LittleEndian.Uint32(r[12:])}
		total += int(s.n)
		if s.flags == 0 || s.flags > 3 || s.n == 0 || total > maxTransfer {
			return einval
		}
		xfers[i] = kernelmsg.SPITransfer{Flags: s.flags, Length: s.n}
		if s.flags&2 != 0 {
			if xfers[i].Write, ok = g.readArg(s.wptr, s.n); !ok {
				return guestEFAULT
			}
		}
		if s.flags&1 != 0 && !g.validOut(s.rptr, s.n) {
			return guestEFAULT
		}
		segs[i] = s
	}
	r := g.syscall(kernelmsg.KindSPITransfer, kernelmsg.Args{Ints: []int64{fd}, Data: kernelmsg.MarshalSPITransfers(xfers)})
	if r.Value < 0 {
		return r.Value
	}
	data := r.Data
	for _, s := range segs {
		if s.flags&1 == 0 {
			continue
		}
		if uint32(len(data)) < s.n || !writeBytes(m, s.rptr, data[:s.n]) {
			return guestEIO
		}
		data = data[s.n:]
	}
	return r.Value
}
