/// \file rtc.h
/// \brief The real-time clock (RTC).
///
/// sphere-emu SDK: same name and signature as the Azure Sphere applibs header (reference §6
/// "rtc.h"). Maps to the "applibs" import rtc_clock_systohc (docs/abi.md). Set the system time
/// itself with clock_settime(CLOCK_REALTIME, ...) from <time.h>.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>
///     Writes the current system time to the hardware RTC, so that it survives power-down.
///     <para> **Errors** </para>
///     Returns -1 and sets errno:
///     <para>EACCES: the manifest lacks the SystemTime capability.</para>
///     <para>EBUSY: the RTC is busy; retry.</para>
///     <para>ENOENT: the device has no RTC.</para>
/// </summary>
int clock_systohc(void);

#ifdef __cplusplus
}
#endif
