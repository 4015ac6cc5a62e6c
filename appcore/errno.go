package appcore

import "github.com/sphere-emu/sphere-emu/kernel/kernelmsg"

// wasiErrno maps the kernel's Linux errno values to the guest libc's
// numbering (wasi-libc's <errno.h>, from the WASI preview1 errno enum), so a
// C app compares errno with EACCES and calls strerror unchanged.
var wasiErrno = map[kernelmsg.Errno]int32{
	kernelmsg.EPERM:        63,
	kernelmsg.ENOENT:       44,
	kernelmsg.EINTR:        27,
	kernelmsg.EIO:          29,
	kernelmsg.ENXIO:        60,
	kernelmsg.EBADF:        8,
	kernelmsg.EAGAIN:       6,
	kernelmsg.ENOMEM:       48,
	kernelmsg.EACCES:       2,
	kernelmsg.EFAULT:       21,
	kernelmsg.EBUSY:        10,
	kernelmsg.EEXIST:       20,
	kernelmsg.ENODEV:       43,
	kernelmsg.EINVAL:       28,
	kernelmsg.ENOSPC:       51,
	kernelmsg.ENOSYS:       52,
	kernelmsg.EMSGSIZE:     35,
	kernelmsg.ECONNRESET:   15,
	kernelmsg.ETIMEDOUT:    73,
	kernelmsg.ENOTDIR:      54,
	kernelmsg.EISDIR:       31,
	kernelmsg.EMFILE:       33,
	kernelmsg.ENOTTY:       59,
	kernelmsg.EFBIG:        22,
	kernelmsg.ESPIPE:       70,
	kernelmsg.EROFS:        69,
	kernelmsg.EPIPE:        64,
	kernelmsg.ERANGE:       68,
	kernelmsg.ENAMETOOLONG: 37,
	kernelmsg.EOVERFLOW:    61,
	kernelmsg.ENOTSOCK:     57,
	kernelmsg.ENOPROTOOPT:  50,
	kernelmsg.EOPNOTSUPP:   58,
	kernelmsg.ENOTCONN:     53,
	kernelmsg.EDQUOT:       19,

	kernelmsg.EDESTADDRREQ:    17,
	kernelmsg.EPROTOTYPE:      67,
	kernelmsg.EPROTONOSUPPORT: 66,
	kernelmsg.EAFNOSUPPORT:    5,
	kernelmsg.EADDRINUSE:      3,
	kernelmsg.EADDRNOTAVAIL:   4,
	kernelmsg.ENETDOWN:        38,
	kernelmsg.ENETUNREACH:     40,
	kernelmsg.ECONNABORTED:    13,
	kernelmsg.EISCONN:         30,
	kernelmsg.ECONNREFUSED:    14,
	kernelmsg.EHOSTUNREACH:    23,
	kernelmsg.EALREADY:        7,
	kernelmsg.EINPROGRESS:     26,
}

// guestResult converts a kernel result (≥ 0, or −Linux errno) to the ABI's
// result (≥ 0, or −WASI errno). Unknown errnos become EIO.
func guestResult(v int64) int64 {
	if v >= 0 {
		return v
	}
	if w, ok := wasiErrno[kernelmsg.Errno(-v)]; ok {
		return -int64(w)
	}
	return -int64(wasiErrno[kernelmsg.EIO])
}

// Guest errno values the app core returns itself, before reaching the kernel.
var (
	guestEFAULT = -int64(wasiErrno[kernelmsg.EFAULT])
	guestEIO    = -int64(wasiErrno[kernelmsg.EIO])
)
