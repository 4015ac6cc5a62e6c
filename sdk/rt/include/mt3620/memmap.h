/* sphere-emu RT SDK: MT3620 real-time core (Cortex-M4F) memory map, as seen from an IO core
 * (reference §1.3: MediaTek-Labs mt3620_cm4_hw_memmap.h, the IntercoreComms RT sample).
 * Every address below is a *physical* address on the core's bus: pass it to
 * mmio_read32/mmio_write32 (registers) or phys_read/phys_write (memory), never dereference it
 * (the module's linear memory is the TCM, not the bus). */
#pragma once

#include <stdint.h>

/* Memories. */
#define MT3620_TCM_BASE            0x00100000u /* 192 KiB: three 64 KiB banks; = the module's
                                                  linear memory (TCM address = base + pointer) */
#define MT3620_TCM_SIZE            0x00030000u
#define MT3620_XIP_BASE            0x10000000u /* 1 MiB alias of the app's flash image */
#define MT3620_SYSRAM_BASE         0x22000000u /* 64 KiB per-core SYSRAM */
#define MT3620_SYSRAM_SIZE         0x00010000u
#define MT3620_CA7_SYSRAM_BASE     0x80000000u /* A7 SYSRAM alias: the intercore shared buffers */

/* Core-private blocks. */
#define MT3620_M4_CONFIG_BASE      0x20000000u
#define MT3620_IRQ_CONFIG_BASE     0x21000000u /* IRQ sense at +0x200 */
#define MT3620_RGU_BASE            0x21010000u
#define MT3620_WDT_BASE            0x21020000u /* include/mt3620/wdt.h */
#define MT3620_GPT_BASE            0x21030000u /* include/mt3620/gpt.h */
#define MT3620_UART_BASE           0x21040000u /* debug "IO UART", include/mt3620/uart.h */
#define MT3620_MBOX_CA7_BASE       0x21050000u /* mailbox A7 <-> this core, "HSP CA7 normal" */
#define MT3620_MBOX_CA7_SEC_BASE   0x21060000u /* mailbox A7 <-> this core, secure channel */

/* Shared peripherals (APB); reachable only when the app's manifest grants them. The ISU register
 * layouts are in include/mt3620/isu.h. */
#define MT3620_ADC_BASE            0x38000000u /* ADC controller (+ GPIO41-48 registers) */
#define MT3620_GPIO_GRP0_BASE      0x38010000u /* GPIO0-3   (PWM0 shares the block) */
#define MT3620_GPIO_GRP1_BASE      0x38020000u /* GPIO4-7   (PWM1) */
#define MT3620_GPIO_GRP2_BASE      0x38030000u /* GPIO8-11  (PWM2) */
#define MT3620_GPIO_GRP3_BASE      0x38040000u /* GPIO12-15 */
#define MT3620_GPIO_GRP4_BASE      0x38050000u /* GPIO16-19 */
#define MT3620_GPIO_GRP5_BASE      0x38060000u /* GPIO20-23 */
#define MT3620_ISU_BASE(n)         (0x38070000u + (uint32_t)(n) * 0x10000u) /* ISU0..ISU5 */
#define MT3620_ISU_GPIO_OFFSET     0x000u /* ISU global control + its pins' GPIO registers */
#define MT3620_ISU_I2C_OFFSET      0x200u /* MediaTek's I2C driver and Codethink's header; the
                                             memmap header's "I2C base" is the block base */
#define MT3620_ISU_SPIM_OFFSET     0x300u
#define MT3620_ISU_SPIS_OFFSET     0x400u
#define MT3620_ISU_UART_OFFSET     0x500u
#define MT3620_I2S0_BASE           0x380D0000u
#define MT3620_I2S1_BASE           0x380E0000u

/* Cortex-M4 system control space. */
#define MT3620_SCS_BASE            0xE000E000u /* NVIC: include/mt3620/nvic.h */
#define MT3620_SCB_BASE            0xE000ED00u
