// <time.h> additions for sphere-emu: clock_settime (the rest of <time.h> is wasi-libc's).
#include <time.h>

#include <errno.h>
#include <stdint.h>

#include "abi.h"

int clock_settime(clockid_t clockid, const struct timespec *tp)
{
    if (tp == NULL) {
        return applibs_fail(EFAULT);
    }
    if (tp->tv_sec < 0 || tp->tv_nsec < 0 || tp->tv_nsec >= 1000000000L ||
        tp->tv_sec > (INT64_MAX - tp->tv_nsec) / 1000000000LL) {
        return applibs_fail(EINVAL);
    }
    int32_t id = applibs_clock_id(clockid);
    if (id < 0) {
        return applibs_fail(EINVAL);
    }
    int64_t ns = (int64_t)tp->tv_sec * 1000000000LL + tp->tv_nsec;
    return applibs_result(__applibs_clock_settime_ns(id, ns));
}
