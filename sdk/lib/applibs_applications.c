// applibs applications.h for sphere-emu.
#include <applibs/applications.h>

#include <errno.h>
#include <stdint.h>

#include "abi.h"

// The memory getters return 0 and set errno on failure, as the real API does.
static size_t memory_usage(uint32_t kind)
{
    int32_t r = __applibs_applications_get_memory_usage_kb(kind);
    if (r < 0) {
        errno = (int)-r;
        return 0;
    }
    return (size_t)r;
}

size_t Applications_GetTotalMemoryUsageInKB(void)
{
    return memory_usage(0);
}

size_t Applications_GetUserModeMemoryUsageInKB(void)
{
    return memory_usage(1);
}

size_t Applications_GetPeakUserModeMemoryUsageInKB(void)
{
    return memory_usage(2);
}

int Applications_GetOsVersion(Applications_OsVersion *outVersion)
{
    if (outVersion == NULL) {
        return applibs_fail(EFAULT);
    }
    char text[sizeof outVersion->version];
    uint32_t cap = sizeof text - 1;  // room for the NUL
    int32_t n = __applibs_applications_get_os_version(text, cap);
    if (n < 0) {
        return applibs_result(n);
    }
    if ((uint32_t)n > cap) {
        return applibs_fail(ERANGE);  // never for real versions ("24.03")
    }
    text[n] = '\0';
    for (int32_t i = 0; i <= n; i++) {
        outVersion->version[i] = text[i];
    }
    return 0;
}
