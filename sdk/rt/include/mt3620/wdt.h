/* sphere-emu RT SDK: IO-core watchdog at MT3620_WDT_BASE (reference §1.3; MediaTek hdl_wdt.c;
 * sphere-emu's model: hw/wdt.go). While enabled, the watchdog resets the core unless WDT_RESTART
 * is written with its key within (LENGTH + 1) / 32 s of being enabled, restarted or given a new
 * length. WDT_MODE and WDT_LENGTH writes take effect only with their keys. After a reset every
 * register but WDT_STA is back to its reset value (the watchdog is disabled again); WDT_STA says
 * whether the last reset was a watchdog timeout. */
#pragma once

#define WDT_MODE         0x30
#define WDT_LENGTH       0x34
#define WDT_RESTART      0x38
#define WDT_STA          0x3C
#define WDT_INTERVAL     0x40
#define WDT_SWRST        0x44

#define WDT_MODE_KEY     0x2200u    /* bits 15:8 of every WDT_MODE write */
#define WDT_MODE_EN      (1u << 0)
#define WDT_MODE_IRQ     (1u << 3)  /* interrupt instead of reset (not used by the SDK) */
#define WDT_LENGTH_KEY   0x08u      /* bits 4:0 of every WDT_LENGTH write */
#define WDT_LENGTH_SHIFT 5          /* bits 15:5: timeout in 1/32 s units, minus 1 */
#define WDT_LENGTH_MAX   0x7FFu     /* 64 s */
#define WDT_RESTART_KEY  0x1971u
#define WDT_SWRST_KEY    0x1209u    /* WDT_SWRST: reset the core now */
#define WDT_STA_HW       (1u << 15) /* the last reset was a watchdog timeout */
#define WDT_STA_SW       (1u << 14) /* the last reset was a WDT_SWRST write */
