/// \file deviceauth.h
/// \brief Device authentication and attestation (DAA) for TLS: the path of the app's client
/// certificate and an SSL-context hook for wolfSSL. Needs the DeviceAuthentication capability.
///
/// sphere-emu SDK: same path (<tlsutils/deviceauth.h>), names, types, values and signatures as
/// the Azure Sphere SDK (reference §6 "deviceauth.h"). NOT EMULATED YET: the functions fail
/// through the "applibs" import applibs_unimplemented (errno ENOSYS), which lets the emulator
/// trace the call. (deviceauth_curl.h is omitted: the SDK has no libcurl.)
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>Results of <see cref="DeviceAuth_SslCtxFunc"/>.</summary>
typedef enum DeviceAuthSslResult {
    DeviceAuthSslResult_Success = 0,
    DeviceAuthSslResult_GetTenantIdError = 1,
    DeviceAuthSslResult_GetTenantCertificateError = 2,
    DeviceAuthSslResult_EnableHwSignError = 3,
} DeviceAuthSslResult;

/// <summary>
///     Returns the path of the PEM file holding the app's device-authentication client
///     certificate. sphere-emu: returns NULL with errno ENOSYS for now.
/// </summary>
const char *DeviceAuth_GetCertificatePath(void);

/// <summary>
///     Configures a wolfSSL context (WOLFSSL_CTX *) for client authentication with the
///     device certificate. sphere-emu: returns DeviceAuthSslResult_GetTenantCertificateError
///     (errno ENOSYS) for now.
/// </summary>
DeviceAuthSslResult DeviceAuth_SslCtxFunc(void *sslctx);

#ifdef __cplusplus
}
#endif
