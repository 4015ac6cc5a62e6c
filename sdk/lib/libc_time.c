// <time.h> additions for sphere-emu: clock_settime, and time zones (tzset, tzname, timezone,
// daylight, TZ for localtime/mktime/strftime; below). The rest of <time.h> is wasi-libc's.
#include <time.h>

#include <errno.h>
#include <stdbool.h>
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

// ---- Time zones -------------------------------------------------------------------------------
//
// Azure Sphere's C library (musl) takes the local time zone from the TZ environment variable, as
// a POSIX TZ string ("PST+8", "CET-1CEST,M3.5.0,M10.5.0/3", "<+0330>-3:30"); with TZ unset or
// empty, local time is UTC (the device has no zoneinfo files). Apps call setenv("TZ", ...) and
// tzset(), then localtime(), mktime(), strftime("%Z"), ... and read tzname, timezone, daylight
// (the SystemTime sample does).
//
// wasi-libc has no time zones: it leaves out tzset, tzname, timezone and daylight, and its
// musl-derived localtime_r, mktime, strftime and timegm ask three private hooks of musl's
// src/time/__tz.c, which wasi-libc stubs to "always UTC". This file provides tzset and the
// variables, and defines those hooks itself (__secs_to_zone, __tm_to_tzname, __utc, with
// musl's signatures), so wasi-libc's __tz.o is never linked and every libc time function
// follows TZ with musl's rules. Like musl, the TZ variable is read again whenever a time
// function needs the zone, so tzset() is optional. Zoneinfo names (":Europe/Paris",
// "America/New_York") are not supported, as on a device without zoneinfo: they mean UTC.
// Nothing here calls the host.

#define SDK_TZNAME_MAX 6 // musl's TZNAME_MAX: longer zone names are cut

const char __utc[] = "UTC";

char *tzname[2] = {(char *)__utc, (char *)__utc};
long timezone;
int daylight;

// A DST transition rule: kind 'J' (Jn, day 1..365 without Feb 29), 0 (n, day 0..365) or 'M'
// (Mm.w.d), and the local time of day (seconds) at which it applies.
typedef struct {
    int kind;
    int a, b, c; // n; or m, w, d
    long time;
} tz_rule;

static char tz_std_name[SDK_TZNAME_MAX + 1];
static char tz_dst_name[SDK_TZNAME_MAX + 1];
static long tz_dst_off;       // seconds west of UTC during DST
static tz_rule tz_rules[2];   // [0] DST starts (local standard time), [1] DST ends (local DST)
static char tz_last[128];     // the TZ value parsed last
static bool tz_parsed;

static int tz_getint(const char **p)
{
    int x = 0;
    while (**p >= '0' && **p <= '9') {
        if (x < 100000) {
            x = 10 * x + (**p - '0');
        }
        ++*p;
    }
    return x;
}

// [+|-]hh[:mm[:ss]], in seconds.
static long tz_getoff(const char **p)
{
    bool neg = false;
    if (**p == '-') {
        neg = true;
        ++*p;
    } else if (**p == '+') {
        ++*p;
    }
    long off = 3600L * tz_getint(p);
    if (**p == ':') {
        ++*p;
        off += 60L * tz_getint(p);
        if (**p == ':') {
            ++*p;
            off += tz_getint(p);
        }
    }
    return neg ? -off : off;
}

// A zone name: letters, or anything but '>' between '<' and '>'.
static void tz_getname(char *d, const char **p)
{
    size_t i = 0;
    if (**p == '<') {
        ++*p;
        for (; (*p)[i] && (*p)[i] != '>'; i++) {
            if (i < SDK_TZNAME_MAX) {
                d[i] = (*p)[i];
            }
        }
        *p += i;
        if (**p == '>') {
            ++*p;
        }
    } else {
        for (; ((*p)[i] >= 'a' && (*p)[i] <= 'z') || ((*p)[i] >= 'A' && (*p)[i] <= 'Z'); i++) {
            if (i < SDK_TZNAME_MAX) {
                d[i] = (*p)[i];
            }
        }
        *p += i;
    }
    d[i < SDK_TZNAME_MAX ? i : SDK_TZNAME_MAX] = 0;
}

static void tz_getrule(const char **p, tz_rule *r)
{
    r->kind = **p;
    r->a = r->b = r->c = 0;
    if (r->kind == 'M') {
        ++*p;
        r->a = tz_getint(p);
        if (**p == '.') {
            ++*p;
        }
        r->b = tz_getint(p);
        if (**p == '.') {
            ++*p;
        }
        r->c = tz_getint(p);
    } else {
        if (r->kind == 'J') {
            ++*p;
        } else {
            r->kind = 0;
        }
        r->a = tz_getint(p);
    }
    if (**p == '/') {
        ++*p;
        r->time = tz_getoff(p);
    } else {
        r->time = 7200;
    }
}

// wasi-libc's environment (<wasi/libc-environ.h>: __wasilibc_ensure_environ; the environ array
// is __wasilibc_environ), referenced weakly so that this file never links the environment code
// by itself. An app that calls none of getenv, setenv, putenv, unsetenv and clearenv (each of
// which links both) cannot have set TZ, since WASI gives apps no environment, and its module is
// byte for byte what it would be without time-zone support.
extern void __wasilibc_ensure_environ(void) __attribute__((__weak__));
extern char **__wasilibc_environ __attribute__((__weak__));

// The value of the TZ environment variable, or NULL: getenv("TZ").
static const char *tz_getenv(void)
{
    if (&__wasilibc_ensure_environ == NULL || &__wasilibc_environ == NULL) {
        return NULL;
    }
    __wasilibc_ensure_environ();
    for (char **e = __wasilibc_environ; e != NULL && *e != NULL; e++) {
        const char *v = *e;
        if (v[0] == 'T' && v[1] == 'Z' && v[2] == '=') {
            return v + 3;
        }
    }
    return NULL;
}

// Whether TZ names a zoneinfo file (":Europe/Paris", "America/New_York"): it starts with ':',
// or has a '/' before any ',' (rules such as "M10.5.0/3" come after one).
static bool tz_is_zoneinfo_name(const char *s)
{
    if (*s == ':') {
        return true;
    }
    for (; *s != 0 && *s != ','; s++) {
        if (*s == '/') {
            return true;
        }
    }
    return false;
}

// Whether s equals the TZ value parsed last (at most sizeof tz_last - 1 characters are kept;
// a longer value always counts as changed).
static bool tz_same_as_last(const char *s)
{
    size_t i = 0;
    for (; i < sizeof tz_last && s[i] == tz_last[i]; i++) {
        if (s[i] == 0) {
            return true;
        }
    }
    return false;
}

// Reads TZ and, if it changed since the last call, parses it. (This file calls no libc
// function, so that linking it does not change the layout of modules that use no time zone.)
static void tz_update(void)
{
    const char *s = tz_getenv();
    if (s == NULL || *s == 0 || tz_is_zoneinfo_name(s)) {
        s = __utc; // unset, empty or a zoneinfo name: UTC, as on a device without zoneinfo files
    }
    if (tz_parsed && tz_same_as_last(s)) {
        return;
    }
    size_t n = 0;
    for (; n < sizeof tz_last - 1 && s[n] != 0; n++) {
        tz_last[n] = s[n];
    }
    tz_last[n] = 0;
    if (s[n] != 0) {
        tz_last[0] = 0; // too long to remember: parse it again next time
    }
    tz_parsed = true;

    for (int i = 0; i < 2; i++) {
        tz_rules[i] = (tz_rule){0, 0, 0, 0, 0};
    }
    tz_getname(tz_std_name, &s);
    tzname[0] = tz_std_name;
    timezone = tz_getoff(&s);
    tz_getname(tz_dst_name, &s);
    tzname[1] = tz_dst_name;
    if (tz_dst_name[0]) {
        daylight = 1;
        if (*s == '+' || *s == '-' || (*s >= '0' && *s <= '9')) {
            tz_dst_off = tz_getoff(&s);
        } else {
            tz_dst_off = timezone - 3600;
        }
    } else {
        daylight = 0;
        tz_dst_off = timezone;
    }
    if (*s == ',') {
        s++;
        tz_getrule(&s, &tz_rules[0]);
    }
    if (*s == ',') {
        s++;
        tz_getrule(&s, &tz_rules[1]);
    }
}

void tzset(void)
{
    tz_update();
}

static bool tz_is_leap(long long year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Seconds from 1970-01-01 to January 1st of year, 00:00 UTC.
static long long tz_year_to_secs(long long year)
{
    // Days from the civil date 1 March of year 0 (proleptic Gregorian), shifted to 1970.
    long long y = year - 1; // January 1st of year is day 306 of the March-based year - 1
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + 306;
    long long days = era * 146097 + doe - 719468;
    return days * 86400;
}

static int tz_days_in_month(int month, bool leap) // month 1..12
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap ? 29 : dim[month - 1];
}

// When a rule applies in year, in seconds since the epoch as if local time were UTC.
static long long tz_rule_to_secs(const tz_rule *r, long long year)
{
    bool leap = tz_is_leap(year);
    long long t = tz_year_to_secs(year);
    if (r->kind != 'M') {
        int x = r->a;
        if (r->kind == 'J' && (x < 60 || !leap)) {
            x--;
        }
        t += 86400LL * x;
    } else {
        int m = r->a < 1 ? 1 : (r->a > 12 ? 12 : r->a);
        int n = r->b;
        for (int i = 1; i < m; i++) {
            t += 86400LL * tz_days_in_month(i, leap);
        }
        int wday = (int)(((t / 86400 + 4) % 7 + 7) % 7); // weekday of the 1st of the month
        int days = r->c - wday;
        if (days < 0) {
            days += 7;
        }
        if (n == 5 && days + 28 >= tz_days_in_month(m, leap)) {
            n = 4;
        }
        t += 86400LL * (days + 7 * (n - 1));
    }
    return t + r->time;
}

// musl's hook: the zone in effect at t (UTC, or local standard/daylight time if local is
// non-zero): whether it is DST, its offset east of UTC, the other offset, and its name.
void __secs_to_zone(long long t, int local, int *isdst, long *offset, long *oppoff,
                    const char **zonename);
void __secs_to_zone(long long t, int local, int *isdst, long *offset, long *oppoff,
                    const char **zonename)
{
    tz_update();
    bool dst = false;
    if (daylight) {
        long long y = t / 31556952 + 1970;
        while (tz_year_to_secs(y) > t) {
            y--;
        }
        while (tz_year_to_secs(y + 1) <= t) {
            y++;
        }
        long long t0 = tz_rule_to_secs(&tz_rules[0], y);
        long long t1 = tz_rule_to_secs(&tz_rules[1], y);
        if (!local) {
            t0 += timezone;
            t1 += tz_dst_off;
        }
        if (t0 < t1) {
            dst = t >= t0 && t < t1;
        } else {
            dst = !(t >= t1 && t < t0);
        }
    }
    if (dst) {
        *isdst = 1;
        *offset = -tz_dst_off;
        if (oppoff) {
            *oppoff = -timezone;
        }
        *zonename = tzname[1];
    } else {
        *isdst = 0;
        *offset = -timezone;
        if (oppoff) {
            *oppoff = -tz_dst_off;
        }
        *zonename = tzname[0];
    }
}

// musl's hook for strftime's %Z: the zone name a struct tm carries, if it is one of ours.
const char *__tm_to_tzname(const struct tm *tm);
const char *__tm_to_tzname(const struct tm *tm)
{
    const char *p = tm->__tm_zone;
    tz_update();
    if (p != __utc && p != tzname[0] && p != tzname[1]) {
        p = "";
    }
    return p;
}
