package kernelmsg

import "fmt"

// Errno is a Linux errno value, as the real Azure Sphere OS returns them
// (reference §6). The app core translates them to the guest libc's numbering.
type Errno int32

// Errno values (Linux, ARM).
const (
	EPERM        Errno = 1
	ENOENT       Errno = 2
	EINTR        Errno = 4
	EIO          Errno = 5
	ENXIO        Errno = 6
	EBADF        Errno = 9
	EAGAIN       Errno = 11
	ENOMEM       Errno = 12
	EACCES       Errno = 13
	EFAULT       Errno = 14
	EBUSY        Errno = 16
	EEXIST       Errno = 17
	ENODEV       Errno = 19
	EINVAL       Errno = 22
	ENOTDIR      Errno = 20
	EISDIR       Errno = 21
	EMFILE       Errno = 24
	ENOTTY       Errno = 25
	EFBIG        Errno = 27
	ENOSPC       Errno = 28
	ESPIPE       Errno = 29
	EROFS        Errno = 30
	EPIPE        Errno = 32
	ERANGE       Errno = 34
	ENAMETOOLONG Errno = 36
	ENOSYS       Errno = 38
	EOVERFLOW    Errno = 75
	ENOTSOCK     Errno = 88
	ENOPROTOOPT  Errno = 92
	EMSGSIZE     Errno = 90
	EOPNOTSUPP   Errno = 95
	ECONNRESET   Errno = 104
	ENOTCONN     Errno = 107
	ETIMEDOUT    Errno = 110
	EDQUOT       Errno = 122
)

var errnoNames = map[Errno]string{
	EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO", EBADF: "EBADF",
	EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY",
	EEXIST: "EEXIST", ENODEV: "ENODEV", EINVAL: "EINVAL", ENOSPC: "ENOSPC", ENOSYS: "ENOSYS",
	EMSGSIZE: "EMSGSIZE", ECONNRESET: "ECONNRESET", ETIMEDOUT: "ETIMEDOUT",
	ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EMFILE: "EMFILE", ENOTTY: "ENOTTY", EFBIG: "EFBIG", ESPIPE: "ESPIPE",
	EROFS: "EROFS", EPIPE: "EPIPE", ERANGE: "ERANGE", ENAMETOOLONG: "ENAMETOOLONG", EOVERFLOW: "EOVERFLOW",
	ENOTSOCK: "ENOTSOCK", ENOPROTOOPT: "ENOPROTOOPT", EOPNOTSUPP: "EOPNOTSUPP", ENOTCONN: "ENOTCONN", EDQUOT: "EDQUOT",
}

// String returns the symbolic name, e.g. "EACCES".
func (e Errno) String() string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return fmt.Sprintf("errno(%d)", int32(e))
}

// Errnos lists every errno this package names, for translation tables.
func Errnos() []Errno {
	out := make([]Errno, 0, len(errnoNames))
	for e := range errnoNames {
		out = append(out, e)
	}
	return out
}
