/* sphere-emu RT SDK: the module's exports (rt_main, rt_irq) and the NVIC helpers.
 * rt_main and rt_irq play the vector table's reset and external-interrupt entries; the link flags
 * export them (-Wl,--export=rt_main -Wl,--export=rt_irq, sdk/rt/flags.sh). */

#include <rt/rt.h>

static Callback handlers[NVIC_IRQ_COUNT];
static volatile uint32_t handlerDepth;
static volatile uint32_t spuriousCount;

void rt_main(void);
void rt_irq(int32_t irq);

void rt_main(void)
{
    RTCoreMain();
}

/* The emulator calls rt_irq with the core's interrupts unmasked, for an NVIC-enabled pending
 * interrupt, from inside one of the app's imports (typically wfi or irq_restore). */
void rt_irq(int32_t irq)
{
    handlerDepth++;
    Callback handler = NULL;
    if (irq >= 0 && irq < NVIC_IRQ_COUNT) {
        handler = handlers[irq];
    }
    if (handler != NULL) {
        handler();
    } else {
        spuriousCount++;
    }
    handlerDepth--;
}

void NVIC_SetHandler(int irq, Callback handler)
{
    if (irq < 0 || irq >= NVIC_IRQ_COUNT) {
        return;
    }
    uint32_t prev = irq_disable();
    handlers[irq] = handler;
    irq_restore(prev);
}

void NVIC_EnableIRQ(int irq)
{
    if (irq < 0 || irq >= NVIC_IRQ_COUNT) {
        return;
    }
    WriteReg32(NVIC_ISER_BASE, 4 * ((uint32_t)irq / 32), UINT32_C(1) << ((uint32_t)irq % 32));
}

void NVIC_DisableIRQ(int irq)
{
    if (irq < 0 || irq >= NVIC_IRQ_COUNT) {
        return;
    }
    WriteReg32(NVIC_ICER_BASE, 4 * ((uint32_t)irq / 32), UINT32_C(1) << ((uint32_t)irq % 32));
}

void NVIC_SetPriority(int irq, uint32_t priority)
{
    if (irq < 0 || irq >= NVIC_IRQ_COUNT) {
        return;
    }
    uint32_t shift = 8 * ((uint32_t)irq % 4);
    uint32_t field = (priority & ((1u << NVIC_PRIO_BITS) - 1)) << (8 - NVIC_PRIO_BITS);
    uint32_t prev = irq_disable();
    uint32_t word = ReadReg32(NVIC_IPR_BASE, (uint32_t)irq & ~3u);
    word = (word & ~(0xFFu << shift)) | (field << shift);
    WriteReg32(NVIC_IPR_BASE, (uint32_t)irq & ~3u, word);
    irq_restore(prev);
}

bool NVIC_InHandler(void)
{
    return handlerDepth != 0;
}

uint32_t NVIC_SpuriousCount(void)
{
    return spuriousCount;
}
