// rt-spin: a real-time app that hangs the hard way — a busy loop with no
// wfi and no register access. Instruction metering still preempts it, so
// virtual time runs on, its watchdog (500 ms) resets the core, and the OS
// restarts the app, while the high-level app keeps running.
// Expected output on the debug UART:
//   rt-spin: starting (last reset: other)
//   rt-spin: spinning without kicking the watchdog
// then, after each watchdog reset:
//   rt-spin: starting (last reset: watchdog)

#include <rt/rt.h>

static volatile uint32_t spins;

void RTCoreMain(void)
{
    Uart_Init();
    Uart_Printf("rt-spin: starting (last reset: %s)\n", Wdt_LastResetWasWatchdog() ? "watchdog" : "other");
    Wdt_Enable(500);
    Wdt_Kick();
    Uart_Printf("rt-spin: spinning without kicking the watchdog\n");
    for (;;) {
        spins++;
    }
}
