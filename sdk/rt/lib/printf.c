/* sphere-emu RT SDK: a small printf (include/rt/printf.h). wasi-libc's vsnprintf drags in its
 * stdio, and with it WASI imports (fd_write, fd_seek, fd_close) that an RT core does not have. */

#include <stdbool.h>
#include <stdint.h>

#include <rt/printf.h>

typedef struct {
    void (*out)(char c, void *ctx);
    void *ctx;
    int count;
} Sink;

static void Put(Sink *s, char c)
{
    s->out(c, s->ctx);
    s->count++;
}

static void Pad(Sink *s, char c, int n)
{
    while (n-- > 0) {
        Put(s, c);
    }
}

enum {
    FlagLeft = 1,
    FlagZero = 2,
    FlagPlus = 4,
    FlagSpace = 8,
    FlagAlt = 16,
};

/* One integer conversion. precision < 0: none given. */
static void FormatInt(Sink *s, uintmax_t value, bool negative, unsigned base, bool upper,
                      int flags, int width, int precision)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24]; /* 2^64 in octal is 22 digits */
    int n = 0;
    while (value != 0) {
        buf[n++] = digits[value % base];
        value /= base;
    }
    /* "%.0d" of 0 prints no digits; otherwise at least one. */
    int ndigits = n;
    if (precision < 0 && ndigits == 0) {
        ndigits = 1;
        buf[n++] = '0';
    }
    int zeros = precision > ndigits ? precision - ndigits : 0;
    char sign = 0;
    if (negative) {
        sign = '-';
    } else if (flags & FlagPlus) {
        sign = '+';
    } else if (flags & FlagSpace) {
        sign = ' ';
    }
    const char *prefix = "";
    if ((flags & FlagAlt) && base == 16 && n > 0 && !(n == 1 && buf[0] == '0' && precision < 0)) {
        prefix = upper ? "0X" : "0x";
    }
    if ((flags & FlagAlt) && base == 8 && zeros == 0 && (n == 0 || buf[n - 1] != '0')) {
        zeros = 1;
    }
    int prefixLen = prefix[0] ? 2 : 0;
    int len = (sign ? 1 : 0) + prefixLen + zeros + n;
    int padding = width > len ? width - len : 0;
    if (!(flags & FlagLeft) && !((flags & FlagZero) && precision < 0)) {
        Pad(s, ' ', padding);
        padding = 0;
    }
    if (sign) {
        Put(s, sign);
    }
    for (int i = 0; i < prefixLen; i++) {
        Put(s, prefix[i]);
    }
    if (!(flags & FlagLeft)) {
        Pad(s, '0', padding); /* the 0 flag */
        padding = 0;
    }
    Pad(s, '0', zeros);
    while (n > 0) {
        Put(s, buf[--n]);
    }
    Pad(s, ' ', padding);
}

static void FormatStr(Sink *s, const char *str, int flags, int width, int precision)
{
    if (str == NULL) {
        str = "(null)";
    }
    int len = 0;
    while (str[len] != '\0' && (precision < 0 || len < precision)) {
        len++;
    }
    int padding = width > len ? width - len : 0;
    if (!(flags & FlagLeft)) {
        Pad(s, ' ', padding);
    }
    for (int i = 0; i < len; i++) {
        Put(s, str[i]);
    }
    if (flags & FlagLeft) {
        Pad(s, ' ', padding);
    }
}

int Rt_VFormat(void (*out)(char c, void *ctx), void *ctx, const char *fmt, va_list ap)
{
    Sink s = {out, ctx, 0};
    while (*fmt != '\0') {
        if (*fmt != '%') {
            Put(&s, *fmt++);
            continue;
        }
        fmt++;

        int flags = 0;
        for (;; fmt++) {
            if (*fmt == '-') {
                flags |= FlagLeft;
            } else if (*fmt == '0') {
                flags |= FlagZero;
            } else if (*fmt == '+') {
                flags |= FlagPlus;
            } else if (*fmt == ' ') {
                flags |= FlagSpace;
            } else if (*fmt == '#') {
                flags |= FlagAlt;
            } else {
                break;
            }
        }

        int width = 0;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= FlagLeft;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9') {
                width = width * 10 + (*fmt++ - '0');
            }
        }

        int precision = -1;
        if (*fmt == '.') {
            fmt++;
            precision = 0;
            if (*fmt == '*') {
                precision = va_arg(ap, int);
                if (precision < 0) {
                    precision = -1;
                }
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9') {
                    precision = precision * 10 + (*fmt++ - '0');
                }
            }
        }

        /* Length modifier: the size of the argument, in "ints" (1) or 64-bit values (2);
         * h and hh narrow after promotion. */
        int size = 1;
        int narrow = 0;
        switch (*fmt) {
        case 'h':
            fmt++;
            narrow = 16;
            if (*fmt == 'h') {
                fmt++;
                narrow = 8;
            }
            break;
        case 'l':
            fmt++;
            size = sizeof(long) == 8 ? 2 : 1;
            if (*fmt == 'l') {
                fmt++;
                size = 2;
            }
            break;
        case 'j':
            fmt++;
            size = sizeof(intmax_t) == 8 ? 2 : 1;
            break;
        case 'z':
            fmt++;
            size = sizeof(size_t) == 8 ? 2 : 1;
            break;
        case 't':
            fmt++;
            size = sizeof(ptrdiff_t) == 8 ? 2 : 1;
            break;
        default:
            break;
        }

        char conv = *fmt;
        if (conv == '\0') {
            break;
        }
        fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            intmax_t v = size == 2 ? (intmax_t)va_arg(ap, long long) : (intmax_t)va_arg(ap, int);
            if (narrow == 16) {
                v = (short)v;
            } else if (narrow == 8) {
                v = (signed char)v;
            }
            uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            FormatInt(&s, mag, v < 0, 10, false, flags, width, precision);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uintmax_t v = size == 2 ? (uintmax_t)va_arg(ap, unsigned long long)
                                    : (uintmax_t)va_arg(ap, unsigned int);
            if (narrow == 16) {
                v = (unsigned short)v;
            } else if (narrow == 8) {
                v = (unsigned char)v;
            }
            unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            FormatInt(&s, v, false, base, conv == 'X', flags & ~(FlagPlus | FlagSpace), width,
                      precision);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            FormatInt(&s, v, false, 16, false, FlagAlt | (flags & FlagLeft), width, -1);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            int padding = width > 1 ? width - 1 : 0;
            if (!(flags & FlagLeft)) {
                Pad(&s, ' ', padding);
            }
            Put(&s, c);
            if (flags & FlagLeft) {
                Pad(&s, ' ', padding);
            }
            break;
        }
        case 's':
            FormatStr(&s, va_arg(ap, const char *), flags, width, precision);
            break;
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            (void)va_arg(ap, double);
            FormatStr(&s, "?", flags, width, -1);
            break;
        case '%':
            Put(&s, '%');
            break;
        default:
            /* Unknown conversion: print it as written. */
            Put(&s, '%');
            Put(&s, conv);
            break;
        }
    }
    return s.count;
}

typedef struct {
    char *buf;
    size_t size;
    size_t pos;
} BufCtx;

static void BufOut(char c, void *ctx)
{
    BufCtx *b = ctx;
    if (b->pos + 1 < b->size) {
        b->buf[b->pos] = c;
    }
    b->pos++;
}

int Rt_Vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    BufCtx b = {buf, size, 0};
    int n = Rt_VFormat(BufOut, &b, fmt, ap);
    if (size > 0) {
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    }
    return n;
}

int Rt_Snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = Rt_Vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
