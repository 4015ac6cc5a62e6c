// sphere-emu SDK: extends wasi-libc's <time.h> with what Azure Sphere apps use and WASI
// lacks: clock_settime() (set the system time; needs the SystemTime capability, see
// <applibs/rtc.h>). Everything else (clock_gettime, nanosleep, time, ...) is wasi-libc's and
// runs on the emulator's virtual clock.
//
// Note that in wasi-libc clockid_t is a pointer type (CLOCK_REALTIME is &_CLOCK_REALTIME); use
// the CLOCK_* names, never numbers.
#if defined(__clang__) || defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include_next <time.h>
#if defined(__clang__) || defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#ifndef SPHERE_EMU_TIME_H
#define SPHERE_EMU_TIME_H

#ifdef __cplusplus
extern "C" {
#endif

/// Sets the time of clock <clockid>. Only CLOCK_REALTIME can be set.
/// Errors: EFAULT tp is NULL; EINVAL tp->tv_nsec outside [0, 999999999], a negative time, or a
/// clock other than CLOCK_REALTIME; EACCES the app lacks the SystemTime capability.
int clock_settime(clockid_t clockid, const struct timespec *tp);

#ifdef __cplusplus
}
#endif

#endif
