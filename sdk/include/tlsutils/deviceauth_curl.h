/// \file deviceauth_curl.h
/// \brief Mutual authentication for libcurl: set CURLOPT_SSL_CTX_FUNCTION to
/// DeviceAuth_CurlSslFunc, and the exchange presents the device's client certificate.
/// Same path, name and signature as the Azure Sphere SDK.
#pragma once

#include <curl/curl.h>
#include <tlsutils/deviceauth.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>
///     A CURLOPT_SSL_CTX_FUNCTION callback: CURLE_OK when DeviceAuth_SslCtxFunc succeeds,
///     CURLE_SSL_CERTPROBLEM otherwise (curl_easy_perform then fails with it).
/// </summary>
CURLcode DeviceAuth_CurlSslFunc(CURL *curl, void *sslctx, void *userCtx);

#ifdef __cplusplus
}
#endif
