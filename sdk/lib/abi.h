// Private to the sphere-emu C SDK: the WASM imports that applibs calls are built on.
//
// docs/abi.md is the contract; this file must match it exactly. Rules shared by every import:
//   - import module "applibs"; every parameter and every result is an i32;
//   - result >= 0 is success (a value or a file descriptor), result < 0 is -errno, with errno
//     numbered as in wasi-libc's <errno.h> (EACCES 2, EBADF 8, EBUSY 10, EFAULT 21, EINVAL 28,
//     ENODEV 43, ...), so apps see the same errno values and strerror() texts as for any libc
//     call;
//   - pointers are offsets into the module's exported "memory"; the host bounds-checks each one
//     and answers -EFAULT when it is NULL or out of range.
//
// To add an API: declare its imports here (in a section named after the applibs header), then
// write sdk/lib/applibs_<header>.c, which converts arguments, calls the import and passes the
// result through applibs_result(). Keep the import names snake_case: <area>_<verb>[_<noun>].
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define APPLIBS_IMPORT(name) __attribute__((__import_module__("applibs"), __import_name__(name)))

// Converts an import's result to the applibs convention: a negative result -e becomes
// errno = e and -1; anything else is returned unchanged.
static inline int applibs_result(int32_t r)
{
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return (int)r;
}

// Fails with errno = e and returns -1 (for checks the C side makes before calling the host).
static inline int applibs_fail(int e)
{
    errno = e;
    return -1;
}

// ---- log.h ----------------------------------------------------------------------------------

// Logs len bytes of text at ptr (UTF-8 expected but not guaranteed; passed on verbatim,
// including any "\n"). Returns 0 or -errno.
APPLIBS_IMPORT("log_debug")
int32_t __applibs_log_debug(const char *ptr, size_t len);

// ---- gpio.h ---------------------------------------------------------------------------------

// Returns a file descriptor (>= 0) or -errno.
APPLIBS_IMPORT("gpio_open_input")
int32_t __applibs_gpio_open_input(int32_t gpio);

// mode and initial_value are zero-extended from uint8_t. Returns a file descriptor or -errno.
APPLIBS_IMPORT("gpio_open_output")
int32_t __applibs_gpio_open_output(int32_t gpio, uint32_t mode, uint32_t initial_value);

// The host writes one byte (0 or 1) at out_ptr. Returns 0 or -errno.
APPLIBS_IMPORT("gpio_get_value")
int32_t __applibs_gpio_get_value(int32_t fd, uint8_t *out_ptr);

// value is zero-extended from uint8_t. Returns 0 or -errno.
APPLIBS_IMPORT("gpio_set_value")
int32_t __applibs_gpio_set_value(int32_t fd, uint32_t value);
