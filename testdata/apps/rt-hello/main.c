/* rt-hello: the HelloWorld_RTApp_MT3620_BareMetal sample for sphere-emu's real-time cores. Prints
 * "Hello from the RT core" and a tick counter on the core's debug UART once a second, sleeping on
 * GPT delays in between. */

#include <rt/rt.h>

void RTCoreMain(void)
{
    Uart_Init();
    Uart_WriteString("Hello from the RT core\r\n");

    static const uint32_t tickPeriodUs = 1000 * 1000;
    for (uint32_t tick = 1;; tick++) {
        Gpt_WaitUs(tickPeriodUs);
        Uart_Printf("Hello from the RT core: tick %lu\r\n", (unsigned long)tick);
    }
}
