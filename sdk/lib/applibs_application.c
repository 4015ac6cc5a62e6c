// applibs application.h for sphere-emu.
#define _POSIX_C_SOURCE 200809L  // strnlen, clock_gettime even when built with -std=c17
#include <applibs/application.h>

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi.h"

#define COMPONENT_ID_LENGTH 36  // xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx

static int is_component_id(const char *s)
{
    if (strnlen(s, COMPONENT_ID_LENGTH + 1) != COMPONENT_ID_LENGTH) {
        return 0;
    }
    for (size_t i = 0; i < COMPONENT_ID_LENGTH; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int Application_Connect(const char *componentId)
{
    if (componentId == NULL) {
        return applibs_fail(EFAULT);
    }
    if (!is_component_id(componentId)) {
        return applibs_fail(EINVAL);
    }
    return applibs_result(__applibs_application_connect(componentId, COMPONENT_ID_LENGTH));
}

int Application_IsDeviceAuthReady(bool *outIsDeviceAuthReady)
{
    if (outIsDeviceAuthReady == NULL) {
        return applibs_fail(EFAULT);
    }
    uint8_t ready = 0;
    int32_t r = __applibs_application_is_device_auth_ready(&ready);
    if (r < 0) {
        return applibs_result(r);
    }
    *outIsDeviceAuthReady = ready != 0;
    return 0;
}
