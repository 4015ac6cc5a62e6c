/* sphere-emu RT SDK: the IO core's watchdog (include/mt3620/wdt.h). Once enabled, the app must call
 * Wdt_Kick at least every `ms` milliseconds, or the watchdog resets the core (rt_main runs again). */
#pragma once

#include <stdint.h>

void Wdt_Enable(uint32_t ms);
void Wdt_Kick(void);
void Wdt_Disable(void);
