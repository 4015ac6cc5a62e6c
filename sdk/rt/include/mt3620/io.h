/* sphere-emu RT SDK: GPIO and ADC register interface, PROVISIONAL.
 *
 * This is the one header to change when sphere-emu's register models land (docs/rt-hardware.md).
 *
 * GPIO: every GPIO block has the same register layout (CodethinkLabs mt3620-m4-drivers,
 * mt3620/gpio.h); a pin is bit (pin - first pin of its block) of its block's registers.
 * Pin -> block (the chip's mapping; Gpio_BlockOf() in lib/gpio.c):
 *     GPIO 0-23   group n = pin / 4 at 0x38010000 + n * 0x10000 (groups 0-2 are the PWM0-2
 *                 blocks 0x38010000-0x38030000, groups 3-5 are 0x38040000-0x38060000)
 *     GPIO 26-30  ISU0 block 0x38070000      GPIO 31-35  ISU1 block 0x38080000
 *     GPIO 36-40  ISU2 block 0x38090000      GPIO 66-70  ISU3 block 0x380A0000
 *     GPIO 71-75  ISU4 block 0x380B0000      GPIO 41-48  ADC block  0x38000000
 *     GPIO 56-60  I2S0 block 0x380D0100      GPIO 61-65  I2S1 block 0x380E0100
 *     others (24, 25, 49-55, 76+): no GPIO; the Gpio_* calls return -1 without a bus access.
 *
 * ADC: an emulator-defined one-shot interface (the chip's ADC is a FIFO-based state machine;
 * sphere-emu does not model it): write CTL = channel | START, poll STATUS.DONE, read DATA.
 * NOTE: at the chip's ADC base these offsets overlap the GPIO41-48 registers of the same block
 * (DIN is 0x04); move ADC_ONESHOT_BASE if the register model puts the interface elsewhere. */
#pragma once

#include <mt3620/memmap.h>

#define GPIO_DIN         0x04 /* input levels (read-only) */
#define GPIO_DOUT        0x10
#define GPIO_DOUT_SET    0x14 /* write 1s to drive pins high */
#define GPIO_DOUT_RESET  0x18 /* write 1s to drive pins low */
#define GPIO_OE          0x20
#define GPIO_OE_SET      0x24 /* write 1s to make pins outputs */
#define GPIO_OE_RESET    0x28 /* write 1s to make pins inputs */

#define GPIO_GROUP_BASE(n)   (MT3620_GPIO_GRP0_BASE + (uint32_t)(n) * 0x10000u) /* groups 0-5 */
#define GPIO_ISU_BLOCK(n)    MT3620_ISU_BASE(n)                                 /* ISU0-4 */
#define GPIO_ADC_BLOCK       MT3620_ADC_BASE
#define GPIO_I2S0_BLOCK      (MT3620_I2S0_BASE + 0x100u)
#define GPIO_I2S1_BLOCK      (MT3620_I2S1_BASE + 0x100u)

#define ADC_ONESHOT_BASE     MT3620_ADC_BASE
#define ADC_CTL              0x00 /* bits 0-2: channel; bit 31: start a conversion */
#define ADC_STATUS           0x04 /* bit 0: conversion done */
#define ADC_DATA             0x08 /* bits 0-11: the sample */
#define ADC_CTL_CHANNEL_MASK 0x7u
#define ADC_CTL_START        (1u << 31)
#define ADC_STATUS_DONE      (1u << 0)
#define ADC_DATA_MASK        0xFFFu
#define ADC_CHANNEL_COUNT    8 /* ADC-CONTROLLER-0 channels 0-7 = GPIO41-48 */
