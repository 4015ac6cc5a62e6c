// sphere-emu SDK: extends wasi-libc's <sys/socket.h> with what Azure Sphere apps use on the
// sockets the OS gives them (Application_Connect's inter-core socket, ...):
//   - setsockopt() with SOL_SOCKET / SO_RCVTIMEO / SO_SNDTIMEO (a struct timeval);
//   - AF_AZSPIO, the address family of Azure Sphere inter-core sockets (43).
// send(), recv(), getsockopt(SO_TYPE), shutdown() and fcntl(O_NONBLOCK) are wasi-libc's.
// WASI preview1 cannot create sockets (no socket()/connect()); apps get them from applibs.
#if defined(__clang__) || defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include_next <sys/socket.h>
#if defined(__clang__) || defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#ifndef SPHERE_EMU_SYS_SOCKET_H
#define SPHERE_EMU_SYS_SOCKET_H

#ifdef __cplusplus
extern "C" {
#endif

// SOL_SOCKET is wasi-libc's (0x7fffffff). Option numbers are Linux's (64-bit-time variant);
// the value is a struct timeval (16 bytes in WASI: int64 tv_sec, int64 tv_usec).
#ifndef SO_RCVTIMEO
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#endif

// Azure Sphere inter-core (HL app <-> RTApp) socket family.
#ifndef AF_AZSPIO
#define AF_AZSPIO 43
#endif
#ifndef PF_AZSPIO
#define PF_AZSPIO AF_AZSPIO
#endif

/// Sets a socket option. Supported: SOL_SOCKET + SO_RCVTIMEO / SO_SNDTIMEO (struct timeval;
/// zero means no timeout). Errors: EBADF not a descriptor; ENOTSOCK not a socket; EFAULT
/// optval NULL with optlen > 0; EINVAL optlen too small or a bad timeval; ENOPROTOOPT any
/// other level/option.
int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);

#ifdef __cplusplus
}
#endif

#endif
