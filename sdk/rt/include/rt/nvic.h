/* sphere-emu RT SDK: interrupts. The SDK owns the module's rt_irq export and dispatches each
 * interrupt to the handler registered with NVIC_SetHandler (the RT samples' vector table). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mt3620/nvic.h>

typedef void (*Callback)(void);

/* Registers handler for external interrupt irq (0 <= irq < NVIC_IRQ_COUNT; NULL removes it). An
 * interrupt without a handler is counted (NVIC_SpuriousCount) and otherwise ignored. Register the
 * handler before NVIC_EnableIRQ. */
void NVIC_SetHandler(int irq, Callback handler);

/* NVIC_ISER/ICER: enable or disable external interrupt irq. */
void NVIC_EnableIRQ(int irq);
void NVIC_DisableIRQ(int irq);

/* NVIC_IPR: priority 0 (highest) .. 7 (a 32-bit read-modify-write of the IPR word). The SDK
 * itself never calls it, and sphere-emu's core may ignore priorities (it models PRIMASK only). */
void NVIC_SetPriority(int irq, uint32_t priority);

/* True while an interrupt handler runs (inside rt_irq). */
bool NVIC_InHandler(void);

/* Interrupts delivered without a registered handler, since reset. */
uint32_t NVIC_SpuriousCount(void);
