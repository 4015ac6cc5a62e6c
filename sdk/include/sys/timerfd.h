// sphere-emu SDK: timer file descriptors (Linux <sys/timerfd.h>), which wasi-libc lacks. The
// Azure Sphere samples build their event-loop timers on them (eventloop_timer_utilities.c).
//
// A timer descriptor becomes readable when the timer has expired; read() of 8 bytes returns
// the number of expirations since the last read (a uint64_t) and resets it. Register it with
// EventLoop_RegisterIo for EventLoop_Input. Close it with close(). Timers run on the
// emulator's virtual clock.
#ifndef SPHERE_EMU_SYS_TIMERFD_H
#define SPHERE_EMU_SYS_TIMERFD_H

#include <fcntl.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

// <time.h> declares struct itimerspec only when POSIX names are enabled (the default, but not
// with -std=c17 and no feature macro). Same test as wasi-libc's <time.h>, so exactly one of the
// two definitions is ever seen.
#if !(defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) || defined(_XOPEN_SOURCE) || \
      defined(_GNU_SOURCE) || defined(_BSD_SOURCE))
struct itimerspec {
    struct timespec it_interval;
    struct timespec it_value;
};
#endif

/// timerfd_create flags: the descriptor is non-blocking (read fails with EAGAIN instead of
/// waiting when the timer has not expired). Same value as O_NONBLOCK.
#define TFD_NONBLOCK O_NONBLOCK
/// timerfd_create flags: close on exec. WASI has no exec, so like O_CLOEXEC it is 0.
#define TFD_CLOEXEC O_CLOEXEC
/// timerfd_settime flags: new_value->it_value is an absolute time on the timer's clock.
#define TFD_TIMER_ABSTIME 1

/// Creates a timer on clock CLOCK_REALTIME or CLOCK_MONOTONIC, initially disarmed.
/// flags: 0 or TFD_NONBLOCK (TFD_CLOEXEC is accepted and means nothing).
/// Returns a descriptor, or -1 with errno: EINVAL unknown clock or flags; EMFILE too many open
/// descriptors.
int timerfd_create(clockid_t clockid, int flags);

/// Arms (it_value non-zero) or disarms (it_value zero) the timer. it_interval non-zero makes it
/// periodic after the first expiry. If old_value is not NULL it receives the previous setting.
/// Returns 0, or -1 with errno: EFAULT new_value is NULL; EINVAL bad flags, negative time or
/// tv_nsec outside [0, 999999999]; EBADF fd is not a timer descriptor.
int timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
                    struct itimerspec *old_value);

/// Gets the time until the next expiry (it_value, zero when disarmed) and the interval.
/// Returns 0, or -1 with errno: EFAULT curr_value is NULL; EBADF fd is not a timer descriptor.
int timerfd_gettime(int fd, struct itimerspec *curr_value);

#ifdef __cplusplus
}
#endif

#endif
