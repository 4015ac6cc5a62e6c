/* rt-fault: after a line on the debug UART, reads a register block this app does not own: ISU0
 * (0x38070000), which its manifest does not grant, so the core's firewall refuses the access and
 * the emulator stops the app with a bus fault. Should the read return, it reports that and tries an
 * address where nothing is mapped at all, then halts. */

#include <rt/rt.h>

#define NOT_OWNED_ADDR 0x38070000u /* MT3620_ISU_BASE(0): ISU0, not in the manifest */
#define UNMAPPED_ADDR 0x50000000u  /* nothing on the IO core's bus */

void RTCoreMain(void)
{
    Uart_Init();
    Uart_Printf("rt-fault: reading 0x%08lx (ISU0, not granted to this app)\r\n",
                (unsigned long)NOT_OWNED_ADDR);
    uint32_t v = mmio_read32(NOT_OWNED_ADDR);

    Uart_Printf("rt-fault: ERROR: no bus fault at 0x%08lx (read 0x%08lx); reading unmapped 0x%08lx\r\n",
                (unsigned long)NOT_OWNED_ADDR, (unsigned long)v, (unsigned long)UNMAPPED_ADDR);
    v = mmio_read32(UNMAPPED_ADDR);

    Uart_Printf("rt-fault: ERROR: no bus fault at 0x%08lx either (read 0x%08lx); halting\r\n",
                (unsigned long)UNMAPPED_ADDR, (unsigned long)v);
}
