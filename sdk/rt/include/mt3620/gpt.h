/* sphere-emu RT SDK: general purpose timers of an IO core (reference §1.3, §8; MediaTek hdl_gpt.c,
 * CodethinkLabs mt3620-m4-drivers mt3620/gpt.h; sphere-emu's model: hw/gpt.go).
 *
 * GPT0/GPT1 count down ICNT ticks of a 1 kHz (CTRL bit 2 = 0) or 32.768 kHz (bit 2 = 1) clock
 * from the moment they are enabled, then set their bit in GPT_ISR and raise IRQ 1 (if enabled in
 * GPT_IER); with auto-repeat they reload, otherwise they stop and clear their enable bit. GPT3 is
 * a free-running up-counter of the 26 MHz crystal divided by OSC_CNT_1US + 1: 1 MHz with 25. */
#pragma once

#define GPT_ISR          0x00 /* interrupt status; write 1 to clear. bit0 GPT0, bit1 GPT1 */
#define GPT_IER          0x04 /* interrupt enable; bit0 GPT0, bit1 GPT1 */
#define GPT0_CTRL        0x10
#define GPT0_ICNT        0x14 /* interval, in ticks of the clock CTRL selects */
#define GPT1_CTRL        0x20
#define GPT1_ICNT        0x24
#define GPT0_CNT         0x40 /* ticks left */
#define GPT1_CNT         0x44
#define GPT3_CTRL        0x50
#define GPT3_INIT        0x54 /* GPT3 starts counting from this value when enabled */
#define GPT3_CNT         0x58 /* free-running counter: microseconds at the default divider */

#define GPT_CTRL_EN          (1u << 0) /* GPT0/1_CTRL: count (a one-shot clears it on expiry) */
#define GPT_CTRL_AUTOREPEAT  (1u << 1) /* reload ICNT and run again on expiry */
#define GPT_CTRL_32K         (1u << 2) /* clock: 0 = 1 kHz, 1 = 32.768 kHz */
#define GPT_CTRL_RESTART     (1u << 3) /* restart counting from ICNT (self-clearing) */
#define GPT_SLOW_HZ          1000u
#define GPT_FAST_HZ          32768u

#define GPT3_CTRL_EN         (1u << 0)
#define GPT3_CTRL_OSC_SHIFT  16 /* OSC_CNT_1US: crystal cycles per count, minus 1 */
#define GPT3_CTRL_OSC_1MHZ   (25u << GPT3_CTRL_OSC_SHIFT) /* 26 MHz / 26 = 1 MHz (reset value) */

#define GPT_INT_GPT0     (1u << 0)
#define GPT_INT_GPT1     (1u << 1)
