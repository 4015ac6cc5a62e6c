/// \file application.h
/// \brief Communication with real-time capable applications (RTApps) and device
/// authentication state.
///
/// sphere-emu SDK: same names and signatures as the Azure Sphere applibs header (reference
/// §6 "application.h", §7.1). Calls map to the "applibs" imports application_connect and
/// application_is_device_auth_ready (docs/abi.md).
#pragma once

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>
///     Connects to the real-time capable application with the given component ID and returns
///     a connected socket (address family AF_AZSPIO, datagrams of at most 1024 bytes). Use
///     send(), recv(), setsockopt(SO_RCVTIMEO), and EventLoop_RegisterIo to wait for messages.
///     Both apps' manifests must list each other in AllowedApplicationConnections.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EFAULT: <paramref name="componentId"/> is NULL.</para>
///     <para>EINVAL: <paramref name="componentId"/> is not a component ID
///     ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", hexadecimal).</para>
///     <para>EACCES: the component is not in the AllowedApplicationConnections field of the
///     manifest.</para>
/// </summary>
/// <returns>A socket descriptor, or -1 on failure.</returns>
int Application_Connect(const char *componentId);

/// <summary>
///     Tells whether the device holds a valid device-authentication certificate for the
///     app's tenant (needed to connect to Azure IoT services).
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="outIsDeviceAuthReady"/> is NULL.
/// </summary>
int Application_IsDeviceAuthReady(bool *outIsDeviceAuthReady);

#ifdef __cplusplus
}
#endif
