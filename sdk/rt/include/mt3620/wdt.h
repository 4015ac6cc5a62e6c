/* sphere-emu RT SDK: IO-core watchdog (reference §1.3: M4 WDT at 0x21020000).
 * Emulator register layout (the chip's WDT_MODE also wants a key in its top bits; the
 * emulator's model does not). When enabled and not restarted within WDT_LENGTH milliseconds,
 * the watchdog resets the core. */
#pragma once

#define WDT_MODE         0x00 /* bit0: enable */
#define WDT_LENGTH       0x04 /* timeout, milliseconds */
#define WDT_RESTART      0x08 /* write WDT_RESTART_KEY to restart the countdown */

#define WDT_MODE_EN      (1u << 0)
#define WDT_RESTART_KEY  0x1971u
