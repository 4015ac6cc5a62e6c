package appcore

import (
	"context"
	"encoding/binary"

	"github.com/tetratelabs/wazero/api"

	"github.com/sphere-emu/sphere-emu/kernel/kernelmsg"
)

// Limits of the networking imports (docs/abi.md §26–27).
const (
	maxHostNameArg   = 253
	maxHTTPSRequest  = 2*kernelmsg.MaxHTTPSBody + kernelmsg.MaxHTTPSURL + kernelmsg.MaxHTTPSHeaders*kernelmsg.MaxHTTPSHeader/4 + 64
	soErrorOption    = 4
	maxResolvedAddrs = 16
)

// netImports defines the sockets, resolver, HTTPS and device-auth
// imports. Addresses cross as an IPv4 uint32 (1.2.3.4 = 0x01020304) and a
// port; every pointer is checked before the syscall is made.
func (g *guest) netImports(def func(name string, params []api.ValueType, f api.GoModuleFunc)) {
	p := func(n int) []api.ValueType {
		ps := make([]api.ValueType, n)
		for i := range ps {
			ps[i] = i32
		}
		return ps
	}
	ret := func(st []uint64, v int64) { st[0] = api.EncodeI32(int32(v)) }
	signed := func(v uint64) int64 { return int64(i32v(v)) }
	unsigned := func(v uint64) int64 { return int64(u32(v)) }

	def("socket_open", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.syscallInts(kernelmsg.KindSocket, signed(st[0]), signed(st[1]), signed(st[2])).Value)
	})
	def("socket_connect", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.syscallInts(kernelmsg.KindSocketConnect, signed(st[0]), unsigned(st[1]), unsigned(st[2])).Value)
	})
	def("socket_bind", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.syscallInts(kernelmsg.KindSocketBind, signed(st[0]), unsigned(st[1]), unsigned(st[2])).Value)
	})
	def("socket_listen", p(2), func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.syscallInts(kernelmsg.KindSocketListen, signed(st[0]), signed(st[1])).Value)
	})
	def("socket_accept", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		out := u32(st[2])
		if out != 0 && !g.validOut(out, kernelmsg.SockAddrSize) {
			ret(st, guestEFAULT)
			return
		}
		r := g.syscallInts(kernelmsg.KindSocketAccept, signed(st[0]), unsigned(st[1]))
		if r.Value >= 0 && out != 0 {
			if len(r.Data) != kernelmsg.SockAddrSize || !writeBytes(m, out, r.Data) {
				ret(st, guestEIO)
				return
			}
		}
		ret(st, r.Value)
	})
	def("socket_getsockopt", p(4), func(ctx context.Context, m api.Module, st []uint64) {
		out := u32(st[3])
		if !g.validOut(out, 4) {
			ret(st, guestEFAULT)
			return
		}
		name := signed(st[2])
		r := g.syscallInts(kernelmsg.KindSocketGetsockopt, signed(st[0]), signed(st[1]), name)
		if r.Value < 0 {
			ret(st, r.Value)
			return
		}
		v := r.Value
		if name == soErrorOption && v > 0 { // a pending error: in the guest's errno numbering
			v = -guestResult(-v)
		}
		writeU32(m, out, uint32(v))
		ret(st, 0)
	})
	def("socket_getaddr", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		out := u32(st[2])
		if !g.validOut(out, kernelmsg.SockAddrSize) {
			ret(st, guestEFAULT)
			return
		}
		r := g.syscallInts(kernelmsg.KindSocketAddr, signed(st[0]), unsigned(st[1]))
		if r.Value >= 0 && (len(r.Data) != kernelmsg.SockAddrSize || !writeBytes(m, out, r.Data)) {
			ret(st, guestEIO)
			return
		}
		ret(st, min(r.Value, 0))
	})
	def("net_resolve", p(4), func(ctx context.Context, m api.Module, st []uint64) {
		namePtr, nameLen, out, max := u32(st[0]), u32(st[1]), u32(st[2]), u32(st[3])
		if nameLen == 0 || nameLen > maxHostNameArg || max == 0 {
			ret(st, -int64(wasiErrno[kernelmsg.EINVAL]))
			return
		}
		max = min(max, maxResolvedAddrs)
		name, ok := g.readArg(namePtr, nameLen)
		if !ok || !g.validOut(out, 4*max) {
			ret(st, guestEFAULT)
			return
		}
		r := g.syscall(kernelmsg.KindResolve, kernelmsg.Args{Data: name})
		if r.Value < 0 {
			ret(st, r.Value)
			return
		}
		n := min(uint32(r.Value), max, uint32(len(r.Data)/4))
		if !writeBytes(m, out, r.Data[:4*n]) {
			ret(st, guestEFAULT)
			return
		}
		ret(st, int64(n))
	})
	def("https_perform", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		reqPtr, reqLen, out := u32(st[0]), u32(st[1]), u32(st[2])
		if reqLen > maxHTTPSRequest {
			ret(st, -int64(wasiErrno[kernelmsg.EINVAL]))
			return
		}
		req, ok := g.readArg(reqPtr, reqLen)
		if !ok || !g.validOut(out, kernelmsg.HTTPSResultSize) {
			ret(st, guestEFAULT)
			return
		}
		r := g.syscall(kernelmsg.KindHTTPSPerform, kernelmsg.Args{Data: req})
		if r.Value < 0 {
			ret(st, r.Value)
			return
		}
		if len(r.Data) != kernelmsg.HTTPSResultSize || !writeBytes(m, out, r.Data) {
			ret(st, guestEIO)
			return
		}
		ret(st, r.Value)
	})
	def("deviceauth_ssl_ctx", nil, func(ctx context.Context, m api.Module, st []uint64) {
		ret(st, g.syscallInts(kernelmsg.KindDeviceAuthSSLCtx).Value)
	})
	def("deviceauth_cert_path", p(3), func(ctx context.Context, m api.Module, st []uint64) {
		out, capacity, fdOut := u32(st[0]), u32(st[1]), u32(st[2])
		if !g.validOut(fdOut, 4) || (capacity > 0 && !g.validOut(out, capacity)) {
			ret(st, guestEFAULT)
			return
		}
		r := g.syscallInts(kernelmsg.KindDeviceAuthPath)
		if r.Value < 0 {
			ret(st, r.Value)
			return
		}
		writeBytes(m, fdOut, binary.LittleEndian.AppendUint32(nil, uint32(r.Value)))
		if uint32(len(r.Data)) <= capacity {
			writeBytes(m, out, r.Data)
		}
		ret(st, int64(len(r.Data)))
	})
}
