/* sphere-emu RT SDK: GPIO and ADC registers of the shared peripheral blocks (reference §1.3;
 * CodethinkLabs mt3620-m4-drivers mt3620/gpio.h and mt3620/adc.h; sphere-emu's model:
 * hw/iomux.go). Change this header if the register models change (docs/rt-hardware.md).
 *
 * GPIO: every GPIO block has the same register layout; a pin is bit (pin - first pin of its block)
 * of its block's registers. Pin -> block (Gpio_BlockOf in lib/gpio.c):
 *     GPIO 0-23   group n = pin / 4 at 0x38010000 + n * 0x10000 (groups 0-2 share their slots
 *                 with PWM0-2; groups 3-5 are 0x38040000-0x38060000)
 *     GPIO 41-48  the ADC block 0x38000000
 *     GPIO 26-30  ISU0 block 0x38070000      GPIO 31-35  ISU1 block 0x38080000
 *     GPIO 36-40  ISU2 block 0x38090000      GPIO 66-70  ISU3 block 0x380A0000
 *     GPIO 71-75  ISU4 block 0x380B0000      GPIO 56-60  I2S0 0x380D0100, 61-65 I2S1 0x380E0100
 *     others (24, 25, 49-55, 76+): no GPIO; the Gpio_* calls return -1 without a bus access.
 * sphere-emu models the GPIO registers of groups 0-5, of the ADC block and of the ISU0-4 blocks (at
 * +0x000, next to the ISU's global control register: include/mt3620/isu.h); the I2S blocks answer
 * no register (a bus fault), so GPIO56-65 are not usable from an RT app yet.
 *
 * ADC (ADC-CONTROLLER-0, channels 0-7 = GPIO41-48, 12-bit samples): a state machine converts the
 * channels selected in CTL0's channel map into a FIFO when CTL0.FSM_EN rises; each FIFO entry has
 * the channel in bits 3:0 and the sample in bits 15:4. */
#pragma once

#include <mt3620/memmap.h>

#define GPIO_GLOBAL_CTRL 0x00
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

#define ADC_GLOBAL_CTRL      0x000 /* bit 0 (adc_cr_sw_rst_b): 0 holds the ADC in reset */
#define ADC_CTL0             0x100
#define ADC_CTL3             0x10C
#define ADC_FIFO_RBR         0x200 /* reading pops a FIFO entry */
#define ADC_FIFO_LSR         0x214 /* bit 0: the FIFO holds data */

#define ADC_CTL0_FSM_EN      (1u << 0)
#define ADC_CTL0_PMODE_EN    (1u << 8)  /* periodic mode (not used by the SDK) */
#define ADC_CTL0_T_CH(n)     ((uint32_t)(n) << 4)  /* channel settling time */
#define ADC_CTL0_T_INIT(n)   ((uint32_t)(n) << 9)  /* initial settling time */
#define ADC_CTL0_CH_MAP(ch)  (1u << (16 + (ch)))   /* bits 31:16: channels to convert */
/* CTL3 as the Codethink driver sets it for a 2.5 V reference: comparator delay/preamp, dither,
 * input mux, VCM and clock generators on, VCM_AZURE_EN (bit 31, 1.8 V reference) off. */
#define ADC_CTL3_2V5         0x0000AA55u
#define ADC_FIFO_LSR_DR      (1u << 0)
#define ADC_FIFO_CHANNEL(v)  ((v) & 0xFu)
#define ADC_FIFO_SAMPLE(v)   (((v) >> 4) & 0xFFFu)
#define ADC_CHANNEL_COUNT    8
