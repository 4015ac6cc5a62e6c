/// \file log.h
/// \brief Functions that write debug messages from a high-level application.
///
/// sphere-emu SDK: same names, signatures and error behaviour as the Azure Sphere applibs
/// header (reference §6 "log.h"). On a real device the messages reach the debugger's device
/// output; in sphere-emu they reach the emulator's trace and log sinks through the
/// "applibs" WASM import `log_debug` (see docs/abi.md).
///
/// A message is at most 1023 bytes after formatting (a 1024-byte buffer with its NUL). Longer
/// output is truncated, like the real Log_Debug, which also limits the length of one message
/// (its exact limit is not in our reference; 1023 is this SDK's choice). Truncation never splits
/// a UTF-8 character, and if the format string ends with "\n" the truncated message still does.
///
/// The bytes are passed on exactly as formatted. End each message with "\n", as the Azure
/// Sphere samples do. The emulator shows each message as one or more lines, splitting at "\n".
///
/// These functions are thread safe (sphere-emu apps are single-threaded in any case).
#pragma once

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

// sphere-emu addition (not in the Azure Sphere header): lets the compiler check format strings.
#ifndef APPLIBS_PRINTF_FORMAT
#if defined(__GNUC__) || defined(__clang__)
#define APPLIBS_PRINTF_FORMAT(fmtIndex, firstArg) \
    __attribute__((__format__(__printf__, fmtIndex, firstArg)))
#else
#define APPLIBS_PRINTF_FORMAT(fmtIndex, firstArg)
#endif
#endif

/// <summary>
///     Formats a debug message with printf-style formatting and logs it.
///     <para>Pass one additional argument for each conversion specification in
///     <paramref name="fmt"/>.</para>
///     <para>Output longer than 1023 bytes is truncated (see the top of this file).</para>
///     <para> **Errors** </para>
///     On failure, returns -1 and sets errno to the error value.
///     <para>EFAULT: <paramref name="fmt"/> is NULL.</para>
///     Other errno values are possible; they are not deterministic and may change between
///     releases.
/// </summary>
/// <param name="fmt">
///     The message to log, optionally containing conversion specifications.
/// </param>
/// <returns>
///     0 on success, or -1 on failure, in which case errno is set to the error value.
/// </returns>
int Log_Debug(const char *fmt, ...) APPLIBS_PRINTF_FORMAT(1, 2);

/// <summary>
///     Formats a debug message with vprintf-style formatting and logs it.
///     <para>Initialise <paramref name="args"/> with va_start before the call and release it
///     with va_end afterwards.</para>
///     <para><paramref name="args"/> must hold one argument for each conversion specification in
///     <paramref name="fmt"/>.</para>
///     <para>Output longer than 1023 bytes is truncated (see the top of this file).</para>
///     <para> **Errors** </para>
///     On failure, returns -1 and sets errno to the error value.
///     <para>EFAULT: <paramref name="fmt"/> is NULL.</para>
///     Other errno values are possible; they are not deterministic and may change between
///     releases.
/// </summary>
/// <param name="fmt">
///     The message to log, optionally containing conversion specifications.
/// </param>
/// <param name="args">
///     An argument list initialised with va_start.
/// </param>
/// <returns>
///     0 on success, or -1 on failure, in which case errno is set to the error value.
/// </returns>
int Log_DebugVarArgs(const char *fmt, va_list args) APPLIBS_PRINTF_FORMAT(1, 0);

#ifdef __cplusplus
}
#endif
