/* sphere-emu RT SDK: general purpose timers of an IO core (reference §1.3, §8).
 * GPT0/GPT1 count down ICNT microseconds and raise IRQ 1 (GPT_ISR bit 0/1) when they expire;
 * GPT3 is a free-running 1 MHz up-counter. In the emulator every count is in microseconds
 * (on the chip GPT0/1 run from a 32 kHz/1 kHz clock selected in CTRL; sphere-emu models 1 MHz). */
#pragma once

#define GPT_ISR          0x00 /* interrupt status; write 1 to clear. bit0 GPT0, bit1 GPT1 */
#define GPT_IER          0x04 /* interrupt enable; bit0 GPT0, bit1 GPT1 */
#define GPT0_CTRL        0x10
#define GPT0_ICNT        0x14 /* interval, microseconds */
#define GPT1_CTRL        0x20
#define GPT1_ICNT        0x24
#define GPT3_CTRL        0x50
#define GPT3_CNT         0x58 /* free-running counter, microseconds */

#define GPT_CTRL_EN          (1u << 0) /* GPTn_CTRL: enable (a one-shot clears it on expiry) */
#define GPT_CTRL_AUTOREPEAT  (1u << 1) /* GPTn_CTRL: reload ICNT and run again on expiry */
#define GPT3_CTRL_EN         (1u << 0)

#define GPT_INT_GPT0     (1u << 0)
#define GPT_INT_GPT1     (1u << 1)
