package appcore

import (
	"context"
	"encoding/binary"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
	"github.com/sphere-emu/sphere-emu/mailbox"
)

// wasiModuleName is the import module of WASI preview1.
const wasiModuleName = "wasi_snapshot_preview1"

// WASI errno values the app core answers itself.
const (
	wasiSuccess  = 0
	wasiEBADF    = 8
	wasiEFAULT   = 21
	wasiEINVAL   = 28
	wasiENOSYS   = 52
	wasiEROFS    = 69
	wasiENOTSUP  = 58
	wasiEOVERFLW = 61
)

// maxTransfer bounds one read or write through the kernel.
const maxTransfer = 64 << 10

var i64 = api.ValueTypeI64

// wasiModule defines WASI preview1 for the guest. Everything that touches a
// descriptor or the device goes to the kernel as a syscall; the app core
// keeps only the process's own view: its arguments, and the clocks, which
// it reads from virtual time the way Linux serves clock_gettime from the
// vDSO without a syscall.
func (g *guest) wasiModule(rt wazero.Runtime) wazero.HostModuleBuilder {
	b := rt.NewHostModuleBuilder(wasiModuleName)
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
	ret := func(st []uint64, errno uint32) { st[0] = uint64(errno) }
	// errnoOf converts a kernel result (already in the guest's numbering) to a WASI errno.
	errnoOf := func(v int64) uint32 { return uint32(-v) }

	def("args_sizes_get", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		size := 0
		for _, a := range g.args {
			size += len(a) + 1
		}
		if !writeU32(m, u32(st[0]), uint32(len(g.args))) || !writeU32(m, u32(st[1]), uint32(size)) {
			ret(st, wasiEFAULT)
			return
		}
		ret(st, wasiSuccess)
	})
	def("args_get", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		argv, buf := u32(st[0]), u32(st[1])
		for i, a := range g.args {
			if !writeU32(m, argv+uint32(4*i), buf) || !writeBytes(m, buf, append([]byte(a), 0)) {
				ret(st, wasiEFAULT)
				return
			}
			buf += uint32(len(a) + 1)
		}
		ret(st, wasiSuccess)
	})
	def("environ_sizes_get", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		if !writeU32(m, u32(st[0]), 0) || !writeU32(m, u32(st[1]), 0) {
			ret(st, wasiEFAULT)
			return
		}
		ret(st, wasiSuccess)
	})
	def("environ_get", p(2), func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiSuccess) })
	def("clock_res_get", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		if u32(st[0]) > 3 {
			ret(st, wasiEINVAL)
			return
		}
		if !writeU64(m, u32(st[1]), 1) {
			ret(st, wasiEFAULT)
			return
		}
		ret(st, wasiSuccess)
	})
	def("clock_time_get", []api.ValueType{i32, i64, i32}, func(ctx context.Context, m api.Module, st []uint64) {
		t, ok := g.clock(u32(st[0]))
		if !ok {
			ret(st, wasiEINVAL)
			return
		}
		if !writeU64(m, u32(st[2]), uint64(t)) {
			ret(st, wasiEFAULT)
			return
		}
		ret(st, wasiSuccess)
	})
	def("fd_close", p(1), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdClose, int64(i32v(st[0])))
		ret(st, errnoOf(min(r.Value, 0)))
	})
	def("fd_read", p(4), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.fdRead(m, kernelmsg.KindFdRead, i32v(st[0]), u32(st[1]), u32(st[2]), u32(st[3]), 0))
	})
	def("fd_write", p(4), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.fdWrite(m, kernelmsg.KindFdWrite, i32v(st[0]), u32(st[1]), u32(st[2]), u32(st[3])))
	})
	def("fd_seek", []api.ValueType{i32, i64, i32, i32}, func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdSeek, int64(i32v(st[0])), int64(st[1]), int64(u32(st[2])))
		ret(st, u64Result(m, u32(st[3]), r))
	})
	def("fd_tell", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdTell, int64(i32v(st[0])))
		ret(st, u64Result(m, u32(st[1]), r))
	})
	def("fd_fdstat_get", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdFdstatGet, int64(i32v(st[0])))
		if r.Value < 0 {
			ret(st, errnoOf(r.Value))
			return
		}
		var rec [24]byte
		rec[0] = byte(r.Value)
		binary.LittleEndian.PutUint16(rec[2:], uint16(r.Value>>8))
		binary.LittleEndian.PutUint64(rec[8:], allRights)
		binary.LittleEndian.PutUint64(rec[16:], allRights)
		if !writeBytes(m, u32(st[1]), rec[:]) {
			ret(st, wasiEFAULT)
			return
		}
		ret(st, wasiSuccess)
	})
	def("fd_fdstat_set_flags", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdFdstatSetFlags, int64(i32v(st[0])), int64(u32(st[1])&0xffff))
		ret(st, errnoOf(min(r.Value, 0)))
	})
	def("fd_fdstat_set_rights", []api.ValueType{i32, i64, i64}, func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, wasiSuccess) // rights are not enforced beyond the kernel's own checks
	})
	def("fd_filestat_get", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdFilestatGet, int64(i32v(st[0])))
		ret(st, writeFilestat(m, u32(st[1]), r))
	})
	def("fd_filestat_set_size", []api.ValueType{i32, i64}, func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdFilestatSize, int64(i32v(st[0])), int64(st[1]))
		ret(st, errnoOf(min(r.Value, 0)))
	})
	def("fd_filestat_set_times", []api.ValueType{i32, i64, i64, i32}, func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, wasiENOSYS)
	})
	def("fd_prestat_get", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdPrestatGet, int64(i32v(st[0])))
		if r.Value < 0 {
			ret(st, errnoOf(r.Value))
			return
		}
		var rec [8]byte
		binary.LittleEndian.PutUint32(rec[4:], uint32(r.Value))
		if !writeBytes(m, u32(st[1]), rec[:]) {
			ret(st, wasiEFAULT)
			return
		}
		ret(st, wasiSuccess)
	})
	def("fd_prestat_dir_name", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdPrestatDirName, int64(i32v(st[0])))
		if r.Value < 0 {
			ret(st, errnoOf(r.Value))
			return
		}
		name := r.Data
		if uint32(len(name)) > u32(st[2]) {
			ret(st, wasiEINVAL)
			return
		}
		if !writeBytes(m, u32(st[1]), name) {
			ret(st, wasiEFAULT)
			return
		}
		ret(st, wasiSuccess)
	})
	def("fd_sync", p(1), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdSync, int64(i32v(st[0])))
		ret(st, errnoOf(min(r.Value, 0)))
	})
	def("fd_datasync", p(1), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindFdSync, int64(i32v(st[0])))
		ret(st, errnoOf(min(r.Value, 0)))
	})
	def("fd_advise", []api.ValueType{i32, i64, i64, i32}, func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiSuccess) })
	def("fd_allocate", []api.ValueType{i32, i64, i64}, func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiENOTSUP) })
	def("fd_pread", []api.ValueType{i32, i32, i32, i64, i32}, func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiENOSYS) })
	def("fd_pwrite", []api.ValueType{i32, i32, i32, i64, i32}, func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiENOSYS) })
	def("fd_readdir", []api.ValueType{i32, i32, i32, i64, i32}, func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiENOSYS) })
	def("fd_renumber", p(2), func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiENOSYS) })
	def("path_open", []api.ValueType{i32, i32, i32, i32, i32, i64, i64, i32, i32}, func(ctx context.Context, m api.Module, st []uint64) {
		path, ok := readBytes(m, u32(st[2]), min(u32(st[3]), 4096))
		if !ok {
			ret(st, wasiEFAULT)
			return
		}
		const rightFdWrite = 1 << 6
		write := int64(0)
		if st[5]&rightFdWrite != 0 {
			write = 1
		}
		r := g.syscall(kernelmsg.KindPathOpen, kernelmsg.Args{Ints: []int64{int64(i32v(st[0])), int64(u32(st[4]) & 0xffff), int64(u32(st[7]) & 0xffff), write}, Data: path})
		if r.Value < 0 {
			ret(st, errnoOf(r.Value))
			return
		}
		if !writeU32(m, u32(st[8]), uint32(r.Value)) {
			ret(st, wasiEFAULT)
			return
		}
		ret(st, wasiSuccess)
	})
	def("path_filestat_get", p(5), func(ctx context.Context, m api.Module, st []uint64) {
		path, ok := readBytes(m, u32(st[2]), min(u32(st[3]), 4096))
		if !ok {
			ret(st, wasiEFAULT)
			return
		}
		r := g.syscall(kernelmsg.KindPathFilestatGet, kernelmsg.Args{Ints: []int64{int64(i32v(st[0]))}, Data: path})
		ret(st, writeFilestat(m, u32(st[4]), r))
	})
	// The only directory is the read-only image package.
	for _, n := range []struct {
		name   string
		params []api.ValueType
	}{
		{"path_create_directory", p(3)}, {"path_remove_directory", p(3)}, {"path_unlink_file", p(3)},
		{"path_rename", p(6)}, {"path_link", p(7)}, {"path_symlink", p(5)},
		{"path_filestat_set_times", []api.ValueType{i32, i32, i32, i32, i64, i64, i32}},
	} {
		def(n.name, n.params, func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiEROFS) })
	}
	def("path_readlink", p(6), func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiEINVAL) })
	def("poll_oneoff", p(4), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.pollOneoff(m, u32(st[0]), u32(st[1]), u32(st[2]), u32(st[3])))
	})
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, st []uint64) {
		panic(sys.NewExitError(u32(st[0])))
	}), p(1), nil).Export("proc_exit")
	def("proc_raise", p(1), func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiENOSYS) })
	def("sched_yield", nil, func(ctx context.Context, m api.Module, st []uint64) {
		g.block(g.a.proc.Yield)
		ret(st, wasiSuccess)
	})
	def("random_get", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		ptr, n := u32(st[0]), u32(st[1])
		if uint64(ptr)+uint64(n) > uint64(m.Memory().Size()) {
			ret(st, wasiEFAULT)
			return
		}
		for n > 0 {
			chunk := min(n, 4096)
			r := g.syscallInts(kernelmsg.KindGetrandom, int64(chunk))
			if r.Value < 0 || len(r.Data) != int(chunk) {
				ret(st, wasiEFAULT)
				return
			}
			writeBytes(m, ptr, r.Data)
			ptr, n = ptr+chunk, n-chunk
		}
		ret(st, wasiSuccess)
	})
	def("sock_accept", p(3), func(ctx context.Context, m api.Module, st []uint64) { ret(st, wasiENOTSUP) })
	def("sock_recv", p(6), func(ctx context.Context, m api.Module, st []uint64) {
		e := g.fdRead(m, kernelmsg.KindSockRecv, i32v(st[0]), u32(st[1]), u32(st[2]), u32(st[4]), int64(u32(st[3])))
		if e == wasiSuccess && !writeBytes(m, u32(st[5]), []byte{0, 0}) { // ro_flags is a u16
			e = wasiEFAULT
		}
		ret(st, e)
	})
	def("sock_send", p(5), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.fdWrite(m, kernelmsg.KindSockSend, i32v(st[0]), u32(st[1]), u32(st[2]), u32(st[4])))
	})
	def("sock_shutdown", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		r := g.syscallInts(kernelmsg.KindSockShutdown, int64(i32v(st[0])), int64(u32(st[1])))
		ret(st, errnoOf(min(r.Value, 0)))
	})
	return b
}

// allRights is what fd_fdstat_get reports: the kernel checks each call
// itself, so wasi-libc should not refuse anything up front.
const allRights = 0x1FFFFFFF

func u32(v uint64) uint32 { return api.DecodeU32(v) }
func i32v(v uint64) int32 { return api.DecodeI32(v) }

// clock reads a WASI clock: realtime is the fixed epoch plus virtual time
// (shifted by clock_settime); monotonic and the CPU-time clocks are virtual
// time since power-on.
func (g *guest) clock(id uint32) (int64, bool) {
	now := g.a.proc.Sim().Now()
	switch id {
	case 0:
		return kernelmsg.EpochUnixNano + now + g.wallOffset, true
	case 1, 2, 3:
		return now, true
	}
	return 0, false
}

// fdRead reads into an iovec list through the kernel (fd_read, sock_recv).
func (g *guest) fdRead(m api.Module, kind mailbox.Kind, fd int32, iovsPtr, iovsLen, nreadPtr uint32, flags int64) uint32 {
	iovs, ok := readIovecs(m, iovsPtr, iovsLen)
	if !ok {
		return wasiEFAULT
	}
	ints := []int64{int64(fd), int64(capacity(iovs, maxTransfer))}
	if kind == kernelmsg.KindSockRecv {
		ints = append(ints, flags)
	}
	r := g.syscall(kind, kernelmsg.Args{Ints: ints})
	if r.Value < 0 {
		return uint32(-r.Value)
	}
	if !scatter(m, iovs, r.Data) || !writeU32(m, nreadPtr, uint32(len(r.Data))) {
		return wasiEFAULT
	}
	return wasiSuccess
}

// fdWrite writes an iovec list through the kernel (fd_write, sock_send).
func (g *guest) fdWrite(m api.Module, kind mailbox.Kind, fd int32, iovsPtr, iovsLen, nwrittenPtr uint32) uint32 {
	iovs, ok := readIovecs(m, iovsPtr, iovsLen)
	if !ok {
		return wasiEFAULT
	}
	data, ok := gather(m, iovs, maxTransfer)
	if !ok {
		return wasiEFAULT
	}
	r := g.syscall(kind, kernelmsg.Args{Ints: []int64{int64(fd)}, Data: data})
	if r.Value < 0 {
		return uint32(-r.Value)
	}
	if !writeU32(m, nwrittenPtr, uint32(r.Value)) {
		return wasiEFAULT
	}
	return wasiSuccess
}

// u64Result writes a non-negative kernel result to ptr as a u64 and returns
// the WASI errno of the call.
func u64Result(m api.Module, ptr uint32, r kernelmsg.Result) uint32 {
	if r.Value < 0 {
		return uint32(-r.Value)
	}
	if !writeU64(m, ptr, uint64(r.Value)) {
		return wasiEFAULT
	}
	return wasiSuccess
}

// writeFilestat writes a 64-byte WASI filestat from a kernel stat result.
func writeFilestat(m api.Module, ptr uint32, r kernelmsg.Result) uint32 {
	if r.Value < 0 {
		return uint32(-r.Value)
	}
	if len(r.Data) != 9 {
		return wasiEFAULT
	}
	var rec [64]byte
	rec[16] = r.Data[0]                        // filetype
	binary.LittleEndian.PutUint64(rec[24:], 1) // nlink
	copy(rec[32:40], r.Data[1:9])              // size
	if !writeBytes(m, ptr, rec[:]) {
		return wasiEFAULT
	}
	return wasiSuccess
}

// maxSubscriptions bounds one poll_oneoff.
const maxSubscriptions = 64

// pollOneoff converts WASI subscriptions (48 bytes each) to the kernel's,
// with clock timeouts turned into absolute virtual deadlines, and writes
// the events (32 bytes each) back.
func (g *guest) pollOneoff(m api.Module, in, out, nsubs, neventsPtr uint32) uint32 {
	if nsubs == 0 || nsubs > maxSubscriptions {
		return wasiEINVAL
	}
	raw, ok := readBytes(m, in, nsubs*48)
	if !ok {
		return wasiEFAULT
	}
	now := g.a.proc.Sim().Now()
	subs := make([]kernelmsg.PollSub, nsubs)
	for i := range subs {
		r := raw[48*i:]
		s := kernelmsg.PollSub{Userdata: binary.LittleEndian.Uint64(r), Tag: r[8]}
		switch s.Tag {
		case kernelmsg.PollClock:
			id := binary.LittleEndian.Uint32(r[16:])
			timeout := int64(binary.LittleEndian.Uint64(r[24:]))
			abs := binary.LittleEndian.Uint16(r[40:])&1 != 0
			cur, ok := g.clock(id)
			if !ok {
				return wasiEINVAL
			}
			if abs {
				timeout -= cur
			}
			if timeout < 0 {
				timeout = 0
			}
			if timeout > int64(1)<<61 {
				timeout = int64(1) << 61
			}
			s.Deadline = now + timeout
		case kernelmsg.PollFdRead, kernelmsg.PollFdWrite:
			s.FD = int32(binary.LittleEndian.Uint32(r[16:]))
		default:
			return wasiEINVAL
		}
		subs[i] = s
	}
	res := g.syscall(kernelmsg.KindPollOneoff, kernelmsg.Args{Data: kernelmsg.MarshalPollSubs(subs)})
	if res.Value < 0 {
		return uint32(-res.Value)
	}
	evs, err := kernelmsg.UnmarshalPollEvents(res.Data)
	if err != nil || uint32(len(evs)) > nsubs {
		return wasiEFAULT
	}
	for i, e := range evs {
		var rec [32]byte
		binary.LittleEndian.PutUint64(rec[0:], e.Userdata)
		if e.Errno != 0 {
			binary.LittleEndian.PutUint16(rec[8:], uint16(-guestResult(-int64(e.Errno))))
		}
		rec[10] = e.Tag
		binary.LittleEndian.PutUint64(rec[16:], e.NBytes)
		binary.LittleEndian.PutUint16(rec[24:], e.Flags)
		if !writeBytes(m, out+uint32(32*i), rec[:]) {
			return wasiEFAULT
		}
	}
	if !writeU32(m, neventsPtr, uint32(len(evs))) {
		return wasiEFAULT
	}
	return wasiSuccess
}
