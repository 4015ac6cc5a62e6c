// applibs log.h for sphere-emu: formats in the guest, hands the bytes to the host.
#include <applibs/log.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"

// Largest message, including the terminating NUL that is not sent: 1023 bytes of text.
// An emulator limit that bounds one host call (the real Log_Debug also limits message length;
// its exact limit is undocumented). Longer output is truncated at a UTF-8 character boundary,
// keeping a final newline if the format string ends with one; see log.h.
#define LOG_MESSAGE_MAX 1024

// Returns the length of the longest prefix of s[0..len) that does not end inside a UTF-8
// sequence, so that truncation never splits a character.
static size_t utf8_prefix(const char *s, size_t len)
{
    size_t i = len;
    size_t back = 0;
    // Step back over at most three continuation bytes (10xxxxxx).
    while (i > 0 && back < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0) {
        return len;  // no lead byte found: not UTF-8 we can repair, keep everything
    }
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need;  // continuation bytes that lead announces
    if (lead < 0x80) {
        return len;  // ASCII before the continuation bytes (if any): nothing split
    } else if ((lead & 0xE0) == 0xC0) {
        need = 1;
    } else if ((lead & 0xF0) == 0xE0) {
        need = 2;
    } else if ((lead & 0xF8) == 0xF0) {
        need = 3;
    } else {
        return len;  // stray continuation or invalid byte: leave it to the host
    }
    return back < need ? i - 1 : len;
}

int Log_DebugVarArgs(const char *fmt, va_list args)
{
    if (fmt == NULL) {
        return applibs_fail(EFAULT);
    }
    char buf[LOG_MESSAGE_MAX];
    int n = vsnprintf(buf, sizeof buf, fmt, args);
    if (n < 0) {
        return -1;  // vsnprintf set errno (e.g. EOVERFLOW, EILSEQ)
    }
    size_t len = (size_t)n;
    if (len >= sizeof buf) {
        // Truncated. Keep the line structure: if the format ends with a newline, so does the
        // truncated message, so it still reads as a complete line wherever the log goes.
        size_t flen = strlen(fmt);
        bool newline = flen > 0 && fmt[flen - 1] == '\n';
        len = utf8_prefix(buf, sizeof buf - 1 - (newline ? 1 : 0));
        if (newline) {
            buf[len++] = '\n';
        }
    }
    int r = applibs_result(__applibs_log_debug(buf, len));
    return r < 0 ? -1 : 0;
}

int Log_Debug(const char *fmt, ...)
{
    if (fmt == NULL) {
        return applibs_fail(EFAULT);
    }
    va_list args;
    va_start(args, fmt);
    int r = Log_DebugVarArgs(fmt, args);
    va_end(args);
    return r;
}
