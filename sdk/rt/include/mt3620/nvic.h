/* sphere-emu RT SDK: Cortex-M4 NVIC registers and the MT3620 IO-core interrupt numbers.
 * ARM DDI 0403E SB3.4; IRQ numbers from the Azure Sphere RT samples (reference §1.3). */
#pragma once

#define NVIC_ISER_BASE   0xE000E100u /* Interrupt Set-Enable: word n covers IRQs 32n..32n+31 */
#define NVIC_ICER_BASE   0xE000E180u /* Interrupt Clear-Enable */
#define NVIC_ISPR_BASE   0xE000E200u /* Interrupt Set-Pending (not used by the SDK) */
#define NVIC_ICPR_BASE   0xE000E280u /* Interrupt Clear-Pending (not used by the SDK) */
#define NVIC_IPR_BASE    0xE000E400u /* Interrupt Priority, a byte per IRQ (NVIC_SetPriority) */
#define NVIC_PRIO_BITS   3           /* the IO cores implement 3 priority bits */

#define NVIC_IRQ_COUNT   100 /* external interrupts in the RT samples' vector table */

/* IO-core interrupt numbers. */
#define MT3620_IRQ_GPT        1  /* GPT0 and GPT1 (GPT_ISR says which) */
#define MT3620_IRQ_UART       4  /* the debug UART (not used by the SDK) */
#define MT3620_IRQ_MBOX_CA7   11 /* mailbox "HSP CA7 normal": software interrupts (SW_INT_STS) */
