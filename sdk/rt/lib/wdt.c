/* sphere-emu RT SDK: the IO core's watchdog (include/rt/wdt.h; registers in
 * include/mt3620/wdt.h, after MediaTek's hdl_wdt.c). */

#include <rt/rt.h>

void Wdt_Enable(uint32_t ms)
{
    /* Timeout = (LENGTH + 1) / 32 s: the smallest LENGTH that gives at least ms. */
    uint32_t units = (uint32_t)(((uint64_t)ms * 32 + 999) / 1000);
    if (units < 1) {
        units = 1;
    }
    if (units > WDT_LENGTH_MAX + 1) {
        units = WDT_LENGTH_MAX + 1;
    }
    WriteReg32(MT3620_WDT_BASE, WDT_LENGTH, (units - 1) << WDT_LENGTH_SHIFT | WDT_LENGTH_KEY);
    WriteReg32(MT3620_WDT_BASE, WDT_RESTART, WDT_RESTART_KEY);
    WriteReg32(MT3620_WDT_BASE, WDT_MODE, WDT_MODE_KEY | WDT_MODE_EN);
}

void Wdt_Kick(void)
{
    WriteReg32(MT3620_WDT_BASE, WDT_RESTART, WDT_RESTART_KEY);
}

void Wdt_Disable(void)
{
    WriteReg32(MT3620_WDT_BASE, WDT_MODE, WDT_MODE_KEY);
}

bool Wdt_LastResetWasWatchdog(void)
{
    return (ReadReg32(MT3620_WDT_BASE, WDT_STA) & WDT_STA_HW) != 0;
}
