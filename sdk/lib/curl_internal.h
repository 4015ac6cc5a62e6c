// Private to the sphere-emu C SDK: the "SSL context" the libcurl subset passes to
// CURLOPT_SSL_CTX_FUNCTION, where DeviceAuth_SslCtxFunc records that the exchange must present
// the device's client certificate (the OS, not the app, holds and uses it).
#pragma once

#include <stdint.h>

#define SPHERE_SSL_CTX_MAGIC 0x53534c43u  // "SSLC"

typedef struct {
    uint32_t magic;     // SPHERE_SSL_CTX_MAGIC
    int device_auth;    // set by DeviceAuth_SslCtxFunc
} sphere_ssl_ctx;
