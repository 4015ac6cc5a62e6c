// <sys/timerfd.h> for sphere-emu: timers are host objects behind descriptors; this file
// converts struct itimerspec to nanoseconds and back. read() (expiration count), close() and
// fcntl() on the descriptor go through WASI (the host's fd table).
#include <sys/timerfd.h>

#include <errno.h>
#include <stdint.h>

#include "abi.h"

#define NSEC_PER_SEC 1000000000LL

// Converts a timespec to nanoseconds, saturating at INT64_MAX. Returns 0 or EINVAL.
static int timespec_to_ns(const struct timespec *ts, int64_t *out)
{
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC) {
        return EINVAL;
    }
    if (ts->tv_sec > (INT64_MAX - ts->tv_nsec) / NSEC_PER_SEC) {
        *out = INT64_MAX;
    } else {
        *out = (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
    }
    return 0;
}

static void ns_to_timespec(int64_t ns, struct timespec *ts)
{
    if (ns < 0) {
        ns = 0;
    }
    ts->tv_sec = (time_t)(ns / NSEC_PER_SEC);
    ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

int timerfd_create(clockid_t clockid, int flags)
{
    int32_t id = applibs_clock_id(clockid);
    if (id < 0) {
        return applibs_fail(EINVAL);
    }
    return applibs_result(__applibs_timerfd_create(id, flags));
}

int timerfd_gettime(int fd, struct itimerspec *curr_value)
{
    if (curr_value == NULL) {
        return applibs_fail(EFAULT);
    }
    int64_t out[2] = {0, 0};  // remaining_ns, interval_ns
    int32_t r = __applibs_timerfd_gettime(fd, out);
    if (r < 0) {
        return applibs_result(r);
    }
    ns_to_timespec(out[0], &curr_value->it_value);
    ns_to_timespec(out[1], &curr_value->it_interval);
    return 0;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
                    struct itimerspec *old_value)
{
    if (new_value == NULL) {
        return applibs_fail(EFAULT);
    }
    if ((flags & ~TFD_TIMER_ABSTIME) != 0) {
        return applibs_fail(EINVAL);
    }
    int64_t value_ns, interval_ns;
    int e = timespec_to_ns(&new_value->it_value, &value_ns);
    if (e == 0) {
        e = timespec_to_ns(&new_value->it_interval, &interval_ns);
    }
    if (e != 0) {
        return applibs_fail(e);
    }
    if (old_value != NULL && timerfd_gettime(fd, old_value) != 0) {
        return -1;
    }
    return applibs_result(__applibs_timerfd_settime(fd, flags, value_ns, interval_ns));
}
