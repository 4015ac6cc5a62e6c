/* sphere-emu RT SDK: a small printf for bare-metal code (wasi-libc's stdio pulls in WASI imports).
 *
 * Conversions: d i u x X o c s p %; flags - 0 + space #; width and precision (also *); length
 * modifiers hh h l ll j z t. No floating point: %f %e %g %a print "?" (and consume the double). */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* As vsnprintf: writes at most size bytes including the terminating NUL, returns the length the
 * full output would have had. */
int Rt_Vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int Rt_Snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats to out(c, ctx), one character at a time; returns the number of characters. */
int Rt_VFormat(void (*out)(char c, void *ctx), void *ctx, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
