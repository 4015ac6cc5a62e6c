// <sys/socket.h> and <netdb.h> for sphere-emu: BSD sockets on the emulated network and
// setsockopt (send, recv and shutdown are wasi-libc's, over WASI sock_send / sock_recv /
// sock_shutdown; read, write, close and fcntl(O_NONBLOCK) work on sockets too).
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#include "abi.h"

int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen)
{
    if (optval == NULL && optlen > 0) {
        return applibs_fail(EFAULT);
    }
    return applibs_result(
        __applibs_socket_setsockopt(sockfd, level, optname, optval, (uint32_t)optlen));
}

int socket(int domain, int type, int protocol)
{
    return applibs_result(__applibs_socket_open(domain, type, protocol));
}

// in4 checks an IPv4 socket address given by the app.
static int in4(const struct sockaddr *addr, socklen_t len, const struct sockaddr_in **out)
{
    if (addr == NULL) {
        return EFAULT;
    }
    if (len < sizeof(struct sockaddr_in)) {
        return EINVAL;
    }
    const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)addr;
    if (in->sin_family != AF_INET) {
        return EAFNOSUPPORT;
    }
    *out = in;
    return 0;
}

int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen)
{
    const struct sockaddr_in *in;
    int e = in4(addr, addrlen, &in);
    if (e != 0) {
        return applibs_fail(e);
    }
    return applibs_result(
        __applibs_socket_connect(sockfd, ntohl(in->sin_addr.s_addr), ntohs(in->sin_port)));
}

int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen)
{
    const struct sockaddr_in *in;
    int e = in4(addr, addrlen, &in);
    if (e != 0) {
        return applibs_fail(e);
    }
    return applibs_result(
        __applibs_socket_bind(sockfd, ntohl(in->sin_addr.s_addr), ntohs(in->sin_port)));
}

int listen(int sockfd, int backlog)
{
    return applibs_result(__applibs_socket_listen(sockfd, backlog));
}

// put_addr writes a host record to the app's sockaddr, truncated to *len, as POSIX says.
static void put_addr(const applibs_sockaddr_record *r, struct sockaddr *addr, socklen_t *len)
{
    if (addr == NULL || len == NULL) {
        return;
    }
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons((uint16_t)r->port);
    in.sin_addr.s_addr = htonl(r->ipv4);
    memcpy(addr, &in, *len < sizeof in ? *len : sizeof in);
    *len = sizeof in;
}

int accept4(int sockfd, struct sockaddr *__restrict addr, socklen_t *__restrict addrlen,
            int flags)
{
    if (addr != NULL && addrlen == NULL) {
        return applibs_fail(EFAULT);
    }
    applibs_sockaddr_record r;
    int32_t fd = __applibs_socket_accept(sockfd, (uint32_t)flags, &r);
    if (fd < 0) {
        return applibs_result(fd);
    }
    put_addr(&r, addr, addrlen);
    return fd;
}

int accept(int sockfd, struct sockaddr *__restrict addr, socklen_t *__restrict addrlen)
{
    return accept4(sockfd, addr, addrlen, 0);
}

static int get_addr(int sockfd, uint32_t peer, struct sockaddr *addr, socklen_t *addrlen)
{
    if (addr == NULL || addrlen == NULL) {
        return applibs_fail(EFAULT);
    }
    applibs_sockaddr_record r;
    int32_t e = __applibs_socket_getaddr(sockfd, peer, &r);
    if (e < 0) {
        return applibs_result(e);
    }
    put_addr(&r, addr, addrlen);
    return 0;
}

int getsockname(int sockfd, struct sockaddr *__restrict addr, socklen_t *__restrict addrlen)
{
    return get_addr(sockfd, 0, addr, addrlen);
}

int getpeername(int sockfd, struct sockaddr *__restrict addr, socklen_t *__restrict addrlen)
{
    return get_addr(sockfd, 1, addr, addrlen);
}

int getsockopt(int sockfd, int level, int optname, void *__restrict optval,
               socklen_t *__restrict optlen)
{
    if (optval == NULL || optlen == NULL) {
        return applibs_fail(EFAULT);
    }
    if (*optlen < sizeof(int)) {
        return applibs_fail(EINVAL);
    }
    int32_t value;
    if (level == SOL_SOCKET && optname == SO_TYPE) {
        // Any socket, inter-core ones included: from the descriptor's WASI file type, as
        // wasi-libc answers it.
        __wasi_fdstat_t st;
        __wasi_errno_t e = __wasi_fd_fdstat_get(sockfd, &st);
        if (e != 0) {
            return applibs_fail(e);
        }
        if (st.fs_filetype == __WASI_FILETYPE_SOCKET_DGRAM) {
            value = SOCK_DGRAM;
        } else if (st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM) {
            value = SOCK_STREAM;
        } else {
            return applibs_fail(ENOTSOCK);
        }
    } else {
        int32_t r = __applibs_socket_getsockopt(sockfd, level, optname, &value);
        if (r < 0) {
            return applibs_result(r);
        }
    }
    memcpy(optval, &value, sizeof value);
    *optlen = sizeof value;
    return 0;
}

ssize_t sendto(int sockfd, const void *buf, size_t len, int flags,
               const struct sockaddr *dest_addr, socklen_t addrlen)
{
    if (dest_addr != NULL && connect(sockfd, dest_addr, addrlen) != 0 && errno != EISCONN) {
        return -1;
    }
    return send(sockfd, buf, len, flags);
}

ssize_t recvfrom(int sockfd, void *__restrict buf, size_t len, int flags,
                 struct sockaddr *__restrict src_addr, socklen_t *__restrict addrlen)
{
    ssize_t n = recv(sockfd, buf, len, flags);
    if (n >= 0 && src_addr != NULL) {
        int saved = errno;
        if (getpeername(sockfd, src_addr, addrlen) != 0) {
            errno = saved;
            *addrlen = 0;
        }
    }
    return n;
}

// ---- netdb.h --------------------------------------------------------------------------------

// One result: the addrinfo, its address and the canonical name in one allocation.
typedef struct {
    struct addrinfo ai;
    struct sockaddr_in sin;
    char name[NI_MAXHOST + 1];
} addrinfo_block;

static int service_port(const char *service, int flags, uint16_t *port)
{
    if (service == NULL) {
        *port = 0;
        return 0;
    }
    char *end;
    unsigned long n = strtoul(service, &end, 10);
    if (*service != '\0' && *end == '\0') {
        if (n > 65535) {
            return EAI_SERVICE;
        }
        *port = (uint16_t)n;
        return 0;
    }
    if (flags & AI_NUMERICSERV) {
        return EAI_NONAME;
    }
    if (strcmp(service, "http") == 0) {
        *port = 80;
    } else if (strcmp(service, "https") == 0) {
        *port = 443;
    } else {
        return EAI_SERVICE;
    }
    return 0;
}

int getaddrinfo(const char *__restrict node, const char *__restrict service,
                const struct addrinfo *__restrict hints, struct addrinfo **__restrict res)
{
    if (res == NULL) {
        return EAI_SYSTEM;
    }
    *res = NULL;
    int flags = 0, family = AF_UNSPEC, socktype = 0, protocol = 0;
    if (hints != NULL) {
        flags = hints->ai_flags;
        family = hints->ai_family;
        socktype = hints->ai_socktype;
        protocol = hints->ai_protocol;
    }
    if (node == NULL && service == NULL) {
        return EAI_NONAME;
    }
    if (family != AF_UNSPEC && family != AF_INET) {
        return EAI_FAMILY;
    }
    if (socktype != 0 && socktype != SOCK_STREAM && socktype != SOCK_DGRAM) {
        return EAI_SOCKTYPE;
    }
    uint16_t port;
    int e = service_port(service, flags, &port);
    if (e != 0) {
        return e;
    }
    uint32_t addr;
    if (node == NULL) {
        addr = (flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK;
    } else {
        struct in_addr lit;
        if (inet_pton(AF_INET, node, &lit) == 1) {
            addr = ntohl(lit.s_addr);
        } else if (flags & AI_NUMERICHOST) {
            return EAI_NONAME;
        } else {
            size_t n = strnlen(node, NI_MAXHOST + 1);
            if (n == 0 || n > NI_MAXHOST) {
                return EAI_NONAME;
            }
            int32_t r = __applibs_net_resolve(node, (uint32_t)n, &addr, 1);
            if (r == -ENETUNREACH || r == -EAGAIN) {
                return EAI_AGAIN;
            }
            if (r == -ENOENT || r == -EINVAL || r == 0) {
                return EAI_NONAME;
            }
            if (r < 0) {
                errno = -r;
                return EAI_SYSTEM;
            }
        }
    }
    // One result per socket type asked for (both when none is), as musl answers.
    static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
    struct addrinfo *head = NULL, **tail = &head;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (socktype != 0 && socktype != types[i]) {
            continue;
        }
        addrinfo_block *b = calloc(1, sizeof *b);
        if (b == NULL) {
            freeaddrinfo(head);
            return EAI_MEMORY;
        }
        b->sin.sin_family = AF_INET;
        b->sin.sin_port = htons(port);
        b->sin.sin_addr.s_addr = htonl(addr);
        b->ai.ai_family = AF_INET;
        b->ai.ai_socktype = types[i];
        b->ai.ai_protocol = protocol != 0 ? protocol
                                          : (types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
        b->ai.ai_addrlen = sizeof b->sin;
        b->ai.ai_addr = (struct sockaddr *)(void *)&b->sin;
        if ((flags & AI_CANONNAME) && node != NULL) {
            strncpy(b->name, node, NI_MAXHOST);
            b->ai.ai_canonname = b->name;
        }
        *tail = &b->ai;
        tail = &b->ai.ai_next;
    }
    *res = head;
    return 0;
}

void freeaddrinfo(struct addrinfo *res)
{
    while (res != NULL) {
        struct addrinfo *next = res->ai_next;
        free(res);  // the addrinfo is the first member of its block
        res = next;
    }
}

const char *gai_strerror(int errcode)
{
    switch (errcode) {
    case 0:
        return "Success";
    case EAI_BADFLAGS:
        return "Invalid flags";
    case EAI_NONAME:
        return "Name does not resolve";
    case EAI_AGAIN:
        return "Try again";
    case EAI_FAIL:
        return "Non-recoverable error";
    case EAI_FAMILY:
        return "Unrecognized address family or invalid length";
    case EAI_SOCKTYPE:
        return "Unrecognized socket type";
    case EAI_SERVICE:
        return "Unrecognized service";
    case EAI_MEMORY:
        return "Out of memory";
    case EAI_SYSTEM:
        return "System error";
    case EAI_OVERFLOW:
        return "Overflow";
    }
    return "Unknown error";
}
