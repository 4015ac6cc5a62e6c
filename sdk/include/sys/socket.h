// sphere-emu SDK: extends wasi-libc's <sys/socket.h> with what Azure Sphere apps use:
//   - BSD sockets on the emulated network (AF_INET, TCP and UDP): socket(), connect(), bind(),
//     listen(), accept(), accept4(), getsockname(), getpeername(), sendto(), recvfrom(),
//     getsockopt(SO_ERROR, SO_TYPE), behind the OS firewall (AllowedConnections,
//     AllowedTcpServerPorts, AllowedUdpServerPorts; docs/abi.md §26);
//   - setsockopt() with SOL_SOCKET / SO_RCVTIMEO / SO_SNDTIMEO (a struct timeval);
//   - AF_AZSPIO, the address family of Azure Sphere inter-core sockets (43).
// send(), recv(), shutdown() and fcntl(O_NONBLOCK) are wasi-libc's.
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

#ifndef SO_ERROR
#define SO_ERROR 4
#endif

/// Creates an AF_INET socket (SOCK_STREAM or SOCK_DGRAM, optionally | SOCK_NONBLOCK). Errors:
/// EAFNOSUPPORT any other family; EINVAL bad type; EPROTONOSUPPORT protocol.
int socket(int domain, int type, int protocol);

/// Connects to an IPv4 address. The OS firewall allows only addresses the manifest's
/// AllowedConnections names (literally, or a name the OS resolver maps to it): anything else
/// fails with EPERM. ENETUNREACH: the network is down. ECONNREFUSED, ETIMEDOUT: the host.
/// A non-blocking TCP socket answers EINPROGRESS and is writable at once; getsockopt(SO_ERROR)
/// then gives the result.
int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);

/// Binds the local port (ports below 1024: EACCES). Incoming connections and datagrams pass
/// the firewall only on ports AllowedTcpServerPorts / AllowedUdpServerPorts declare.
int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);

/// Listens on the bound port. On an undeclared port it succeeds, but the firewall drops every
/// connection, as on the device.
int listen(int sockfd, int backlog);

int getsockname(int sockfd, struct sockaddr *__restrict addr, socklen_t *__restrict addrlen);
int getpeername(int sockfd, struct sockaddr *__restrict addr, socklen_t *__restrict addrlen);

/// sendto() with a destination connects the UDP socket to it (through the firewall) first.
ssize_t sendto(int sockfd, const void *buf, size_t len, int flags,
               const struct sockaddr *dest_addr, socklen_t addrlen);
ssize_t recvfrom(int sockfd, void *__restrict buf, size_t len, int flags,
                 struct sockaddr *__restrict src_addr, socklen_t *__restrict addrlen);

/// Sets a socket option. Supported: SOL_SOCKET + SO_RCVTIMEO / SO_SNDTIMEO (struct timeval;
/// zero means no timeout). Errors: EBADF not a descriptor; ENOTSOCK not a socket; EFAULT
/// optval NULL with optlen > 0; EINVAL optlen too small or a bad timeval; ENOPROTOOPT any
/// other level/option.
int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);

#ifdef __cplusplus
}
#endif

#endif
