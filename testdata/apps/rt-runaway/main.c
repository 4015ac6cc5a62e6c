/* rt-runaway: enables the watchdog (500 ms), kicks it three times 200 ms apart, then stops kicking
 * and idles in wfi, woken every 100 ms by a GPT1 tick so that virtual time advances and the app
 * can say it is still alive. The watchdog must reset the core 500 ms after the last kick; when the
 * app starts over, its banner says the last reset was the watchdog's (WDT_STA). */

#include <rt/rt.h>

#define WATCHDOG_MS 500
#define KICK_INTERVAL_US (200 * 1000)
#define TICK_US (100 * 1000)

static volatile uint32_t ticks;

static void HandleTick(void)
{
    ticks++;
}

void RTCoreMain(void)
{
    Uart_Init();
    Uart_Printf("rt-runaway: starting (last reset: %s); watchdog %d ms\r\n",
                Wdt_LastResetWasWatchdog() ? "watchdog" : "other", WATCHDOG_MS);
    Wdt_Enable(WATCHDOG_MS);

    for (int kick = 1; kick <= 3; kick++) {
        Gpt_WaitUs(KICK_INTERVAL_US);
        Wdt_Kick();
        Uart_Printf("rt-runaway: kick %d\r\n", kick);
    }

    Uart_WriteString("rt-runaway: no more kicks\r\n");
    Gpt_StartPeriodic(TimerGpt1, TICK_US, HandleTick);
    uint32_t reported = 0;
    for (;;) {
        wfi();
        if (ticks != reported) {
            reported = ticks;
            Uart_Printf("rt-runaway: alive %lu ms after the last kick\r\n",
                        (unsigned long)(reported * (TICK_US / 1000)));
        }
    }
}
