/// \file applications.h
/// \brief Information about the running application and the OS: memory use and OS version.
///
/// sphere-emu SDK: same names and signatures as the Azure Sphere applibs header (reference §6
/// "applications.h"). Calls map to the "applibs" imports applications_get_memory_usage_kb and
/// applications_get_os_version (docs/abi.md).
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>The OS version, as a NUL-terminated string such as "24.03".</summary>
typedef struct Applications_OsVersion {
    /// <summary>The version text.</summary>
    char version[16];
} Applications_OsVersion;

/// <summary>
///     Returns the total memory use of the app in KiB: its user-mode memory plus the memory
///     the OS uses on its behalf.
///     <para>Returns 0 and sets errno on failure (EAGAIN: not available yet).</para>
/// </summary>
size_t Applications_GetTotalMemoryUsageInKB(void);

/// <summary>
///     Returns the app's user-mode memory use in KiB (in sphere-emu: the size of its linear
///     memory).
///     <para>Returns 0 and sets errno on failure.</para>
/// </summary>
size_t Applications_GetUserModeMemoryUsageInKB(void);

/// <summary>
///     Returns the largest user-mode memory use of the app so far, in KiB.
///     <para>Returns 0 and sets errno on failure.</para>
/// </summary>
size_t Applications_GetPeakUserModeMemoryUsageInKB(void);

/// <summary>
///     Gets the version of the running OS.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="outVersion"/> is NULL.
/// </summary>
int Applications_GetOsVersion(Applications_OsVersion *outVersion);

#ifdef __cplusplus
}
#endif
