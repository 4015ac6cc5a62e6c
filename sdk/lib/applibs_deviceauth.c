// tlsutils/deviceauth.h and deviceauth_curl.h for sphere-emu: the checks are the OS's (through
// the deviceauth_* imports); the certificate file is read through a directory descriptor the OS
// gives, which the SDK registers with wasi-libc as the preopened "/run/daa", so that fopen()
// of the returned path works like any other open.
#include <tlsutils/deviceauth.h>
#include <tlsutils/deviceauth_curl.h>

#include <stddef.h>
#include <unistd.h>
#include <wasi/libc.h>

#include "abi.h"
#include "curl_internal.h"

#define DAA_DIR "/run/daa"

const char *DeviceAuth_GetCertificatePath(void)
{
    static char path[96];
    static int dir_registered;
    int32_t dirfd = -1;
    char got[sizeof path];
    int32_t n = __applibs_deviceauth_cert_path(got, sizeof got - 1, &dirfd);
    if (n < 0) {
        errno = -n;
        return NULL;
    }
    if ((size_t)n >= sizeof got) {
        close(dirfd);
        errno = ENAMETOOLONG;
        return NULL;
    }
    got[n] = '\0';
    if (dir_registered) {
        close(dirfd);
    } else if (__wasilibc_register_preopened_fd(dirfd, DAA_DIR) != 0) {
        close(dirfd);
        return NULL;
    } else {
        dir_registered = 1;
    }
    for (int32_t i = 0; i <= n; i++) {
        path[i] = got[i];
    }
    return path;
}

DeviceAuthSslResult DeviceAuth_SslCtxFunc(void *sslctx)
{
    int32_t r = __applibs_deviceauth_ssl_ctx();
    if (r < 0) {
        errno = -r;
        return DeviceAuthSslResult_GetTenantCertificateError;
    }
    if (r != DeviceAuthSslResult_Success) {
        return (DeviceAuthSslResult)r;
    }
    sphere_ssl_ctx *ctx = sslctx;
    if (ctx == NULL || ctx->magic != SPHERE_SSL_CTX_MAGIC) {
        return DeviceAuthSslResult_EnableHwSignError;
    }
    ctx->device_auth = 1;
    return DeviceAuthSslResult_Success;
}

CURLcode DeviceAuth_CurlSslFunc(CURL *curl, void *sslctx, void *userCtx)
{
    (void)curl;
    (void)userCtx;
    return DeviceAuth_SslCtxFunc(sslctx) == DeviceAuthSslResult_Success ? CURLE_OK
                                                                         : CURLE_SSL_CERTPROBLEM;
}
