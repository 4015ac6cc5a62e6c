/// \file deviceauth.h
/// \brief Device authentication and attestation (DAA) for TLS: the path of the app's client
/// certificate and an SSL-context hook. Needs the DeviceAuthentication capability.
///
/// sphere-emu SDK: same path (<tlsutils/deviceauth.h>), names, types, values and signatures as
/// the Azure Sphere SDK (reference §6 "deviceauth.h"). The SSL context is the one the SDK's
/// libcurl subset passes to CURLOPT_SSL_CTX_FUNCTION (there is no wolfSSL): use
/// DeviceAuth_CurlSslFunc from <tlsutils/deviceauth_curl.h>. The private key stays in Pluton;
/// the OS signs the TLS handshake with it (docs/abi.md §27).
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
///     certificate, "/run/daa/<tenant id>". The app reads it with the ordinary file calls
///     (fopen, open). The file exists once the device has attested (see
///     Application_IsDeviceAuthReady); before that, opening it fails with ENOENT. Without the
///     DeviceAuthentication capability: NULL, errno EACCES.
/// </summary>
const char *DeviceAuth_GetCertificatePath(void);

/// <summary>
///     Configures an SSL context for client authentication with the device certificate:
///     Success, or GetTenantCertificateError (no DeviceAuthentication capability, or the
///     device has not attested yet), GetTenantIdError (the manifest names another tenant),
///     EnableHwSignError (sslctx is not an SSL context of this SDK's libcurl).
/// </summary>
DeviceAuthSslResult DeviceAuth_SslCtxFunc(void *sslctx);

#ifdef __cplusplus
}
#endif
