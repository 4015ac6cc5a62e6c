// <sys/socket.h> additions for sphere-emu: setsockopt (send, recv, getsockopt and shutdown are
// wasi-libc's, over WASI sock_send / sock_recv / fd_fdstat_get / sock_shutdown).
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>

#include "abi.h"

int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen)
{
    if (optval == NULL && optlen > 0) {
        return applibs_fail(EFAULT);
    }
    return applibs_result(
        __applibs_socket_setsockopt(sockfd, level, optname, optval, (uint32_t)optlen));
}
