package kernelmsg

import "fmt"

// Errno is a Linux errno value, as the real Azure Sphere OS returns them
// (reference §6). The app core translates them to the guest libc's numbering.
type Errno int32

// Errno values (Linux, ARM).
const (
	EPERM      Errno = 1
	ENOENT     Errno = 2
	EINTR      Errno = 4
	EIO        Errno = 5
	ENXIO      Errno = 6
	EBADF      Errno = 9
	EAGAIN     Errno = 11
	ENOMEM     Errno = 12
	EACCES     Errno = 13
	EFAULT     Errno = 14
	EBUSY      Errno = 16
	EEXIST     Errno = 17
	ENODEV     Errno = 19
	EINVAL     Errno = 22
	ENOSPC     Errno = 28
	ENOSYS     Errno = 38
	EMSGSIZE   Errno = 90
	ECONNRESET Errno = 104
	ETIMEDOUT  Errno = 110
)

var errnoNames = map[Errno]string{
	EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO", EBADF: "EBADF",
	EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY",
	EEXIST: "EEXIST", ENODEV: "ENODEV", EINVAL: "EINVAL", ENOSPC: "ENOSPC", ENOSYS: "ENOSYS",
	EMSGSIZE: "EMSGSIZE", ECONNRESET: "ECONNRESET", ETIMEDOUT: "ETIMEDOUT",
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
