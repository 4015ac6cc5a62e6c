/* rt-irq-snoop: a hostile real-time app that claims no ISU, yet enables ISU0's UART interrupt
 * (NVIC IRQ 47) to learn when another core's UART traffic happens. The Security Monitor gave its
 * core no ISU0 block, so the line never reaches its NVIC: it reports 0 interrupts seen every
 * 500 ms, however busy ISU0 is. */

#include <rt/rt.h>

#define SNOOPED_ISU 0

static volatile uint32_t seen;

static void Snoop(void)
{
    seen++;
    /* A handler that could see the line still could not clear it: ISU0's registers fault. */
}

void RTCoreMain(void)
{
    Uart_Init();
    Uart_WriteString("rt-irq-snoop: enabling another core's ISU0 UART interrupt\r\n");
    NVIC_SetHandler(ISU_IRQ_UART(SNOOPED_ISU), Snoop);
    NVIC_EnableIRQ(ISU_IRQ_UART(SNOOPED_ISU));
    for (;;) {
        Gpt_WaitUs(500 * 1000);
        Uart_Printf("rt-irq-snoop: %lu ISU0 UART interrupts seen\r\n", (unsigned long)seen);
    }
}
