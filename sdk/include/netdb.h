/// \file netdb.h
/// \brief sphere-emu SDK: name resolution (wasi-libc has no <netdb.h>). getaddrinfo() asks the
/// OS resolver, which knows the names of the emulated network (docs/abi.md §26); IPv4 only.
/// Types, flags and EAI_* values are musl's, the Azure Sphere libc's.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct addrinfo {
    int ai_flags;
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    socklen_t ai_addrlen;
    struct sockaddr *ai_addr;
    char *ai_canonname;
    struct addrinfo *ai_next;
};

#define AI_PASSIVE 0x01
#define AI_CANONNAME 0x02
#define AI_NUMERICHOST 0x04
#define AI_V4MAPPED 0x08
#define AI_ALL 0x10
#define AI_ADDRCONFIG 0x20
#define AI_NUMERICSERV 0x400

#define NI_MAXHOST 255
#define NI_MAXSERV 32

#define EAI_BADFLAGS -1
#define EAI_NONAME -2
#define EAI_AGAIN -3
#define EAI_FAIL -4
#define EAI_NODATA -5
#define EAI_FAMILY -6
#define EAI_SOCKTYPE -7
#define EAI_SERVICE -8
#define EAI_MEMORY -10
#define EAI_SYSTEM -11
#define EAI_OVERFLOW -12

/// Resolves node (a host name or an IPv4 literal; NULL: the loopback address, or INADDR_ANY
/// with AI_PASSIVE) and service (a port number, or "http"/"https"). Returns 0 and a list to
/// free with freeaddrinfo(), or EAI_NONAME (unknown name), EAI_AGAIN (the network is down),
/// EAI_FAMILY (not AF_UNSPEC/AF_INET), EAI_SERVICE, EAI_SOCKTYPE, EAI_MEMORY.
int getaddrinfo(const char *__restrict node, const char *__restrict service,
                const struct addrinfo *__restrict hints, struct addrinfo **__restrict res);
void freeaddrinfo(struct addrinfo *res);
const char *gai_strerror(int errcode);

#ifdef __cplusplus
}
#endif
