/* sphere-emu RT SDK: the IO core's watchdog (include/mt3620/wdt.h). Once enabled, the app must call
 * Wdt_Kick at least every `ms` milliseconds, or the watchdog resets the core (rt_main runs again). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Enables the watchdog with a timeout of at least ms (1/32 s steps, 31.25 ms to 64 s). */
void Wdt_Enable(uint32_t ms);
void Wdt_Kick(void);
void Wdt_Disable(void);

/* WDT_STA: whether the core's last reset was a watchdog timeout. */
bool Wdt_LastResetWasWatchdog(void);
