// tlsutils/deviceauth.h for sphere-emu: not emulated yet; the calls fail with ENOSYS through
// applibs_unimplemented, which lets the emulator trace them.
#include <tlsutils/deviceauth.h>

#include <stddef.h>

#include "abi.h"

const char *DeviceAuth_GetCertificatePath(void)
{
    APPLIBS_UNIMPLEMENTED("DeviceAuth_GetCertificatePath");
    return NULL;
}

DeviceAuthSslResult DeviceAuth_SslCtxFunc(void *sslctx)
{
    (void)sslctx;
    APPLIBS_UNIMPLEMENTED("DeviceAuth_SslCtxFunc");
    return DeviceAuthSslResult_GetTenantCertificateError;
}
