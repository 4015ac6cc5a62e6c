/* sphere-emu RT SDK: the IO core's watchdog (include/rt/wdt.h). */

#include <rt/rt.h>

void Wdt_Enable(uint32_t ms)
{
    WriteReg32(MT3620_WDT_BASE, WDT_LENGTH, ms);
    WriteReg32(MT3620_WDT_BASE, WDT_RESTART, WDT_RESTART_KEY);
    SetReg32(MT3620_WDT_BASE, WDT_MODE, WDT_MODE_EN);
}

void Wdt_Kick(void)
{
    WriteReg32(MT3620_WDT_BASE, WDT_RESTART, WDT_RESTART_KEY);
}

void Wdt_Disable(void)
{
    ClearReg32(MT3620_WDT_BASE, WDT_MODE, WDT_MODE_EN);
}
