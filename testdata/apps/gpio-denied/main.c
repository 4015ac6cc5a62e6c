// gpio-denied: a hostile-ish test app. Its manifest grants GPIO 8 only. It checks that the
// emulated OS enforces the manifest and validates descriptors:
//   1. GPIO_OpenAsOutput(8, ...) succeeds (granted);
//   2. GPIO_OpenAsOutput(9, ...) fails with errno == EACCES (not in the manifest);
//   3. GPIO_SetValue(1234, ...) fails with errno == EBADF (never opened).
// Expected output:
//   GPIO 8 opened
//   GPIO 9 denied: errno=2 (Permission denied)
//   bad fd: errno=8 (Bad file descriptor)
//   all checks passed
// Exit code 0 when every check passed, 1 otherwise (each failed check logs a "CHECK FAILED:"
// line saying which).

#include <errno.h>
#include <string.h>

#include <applibs/gpio.h>
#include <applibs/log.h>

#define GRANTED_GPIO 8
#define DENIED_GPIO 9
// A descriptor the app never opened. The host must not have handed it out.
#define BOGUS_FD 1234

int main(void)
{
    int failures = 0;

    // 1. The granted GPIO opens.
    int fd = GPIO_OpenAsOutput(GRANTED_GPIO, GPIO_OutputMode_PushPull, GPIO_Value_High);
    if (fd == -1) {
        int err = errno;
        Log_Debug("CHECK FAILED: open GPIO %d: expected success, got errno=%d (%s)\n",
                  GRANTED_GPIO, err, strerror(err));
        failures++;
    } else {
        Log_Debug("GPIO %d opened\n", GRANTED_GPIO);
    }

    // 2. A GPIO missing from the manifest is refused with EACCES.
    errno = 0;
    int denied = GPIO_OpenAsOutput(DENIED_GPIO, GPIO_OutputMode_PushPull, GPIO_Value_High);
    if (denied == -1) {
        int err = errno;
        Log_Debug("GPIO 9 denied: errno=%d (%s)\n", err, strerror(err));
        if (err != EACCES) {
            Log_Debug("CHECK FAILED: open GPIO %d: expected errno=%d (EACCES), got errno=%d\n",
                      DENIED_GPIO, EACCES, err);
            failures++;
        }
    } else {
        Log_Debug("CHECK FAILED: open GPIO %d: expected -1 with EACCES, got fd=%d\n",
                  DENIED_GPIO, denied);
        failures++;
    }

    // 3. A descriptor that was never opened is refused with EBADF.
    errno = 0;
    int set = GPIO_SetValue(BOGUS_FD, GPIO_Value_Low);
    if (set == -1) {
        int err = errno;
        Log_Debug("bad fd: errno=%d (%s)\n", err, strerror(err));
        if (err != EBADF) {
            Log_Debug("CHECK FAILED: set fd %d: expected errno=%d (EBADF), got errno=%d\n",
                      BOGUS_FD, EBADF, err);
            failures++;
        }
    } else {
        Log_Debug("CHECK FAILED: set fd %d: expected -1 with EBADF, got %d\n", BOGUS_FD, set);
        failures++;
    }

    if (failures != 0) {
        Log_Debug("%d check(s) failed\n", failures);
        return 1;
    }
    Log_Debug("all checks passed\n");
    return 0;
}
