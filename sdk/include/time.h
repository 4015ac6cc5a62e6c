// sphere-emu SDK: extends wasi-libc's <time.h> with what Azure Sphere apps use and WASI
// lacks: clock_settime() (set the system time; needs the SystemTime capability, see
// <applibs/rtc.h>), and time zones: tzset(), tzname, timezone and daylight, with localtime(),
// localtime_r(), mktime(), ctime() and strftime("%Z", "%z") following the TZ environment
// variable as a POSIX TZ string ("PST+8", "CET-1CEST,M3.5.0,M10.5.0/3"), as Azure Sphere's libc
// does; TZ unset, empty or a zoneinfo name means UTC. Everything else (clock_gettime,
// nanosleep, time, ...) is wasi-libc's and runs on the emulator's virtual clock.
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

// Declared where musl's <time.h> declares them (wasi-libc leaves them out).
#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) || defined(_XOPEN_SOURCE) || \
    defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
/// Reads the TZ environment variable and sets tzname, timezone and daylight from it.
void tzset(void);
/// The standard and daylight-saving zone names of TZ ("UTC" when TZ is unset).
extern char *tzname[2];
#endif
#if defined(_XOPEN_SOURCE) || defined(_BSD_SOURCE) || defined(_GNU_SOURCE)
/// Non-zero if TZ names a daylight-saving zone.
extern int daylight;
/// Seconds west of UTC of the standard zone (28800 for "PST+8").
extern long timezone;
#endif

#ifdef __cplusplus
}
#endif

#endif
