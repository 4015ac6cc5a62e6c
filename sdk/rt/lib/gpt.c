/* sphere-emu RT SDK: timers (include/rt/gpt.h). GPT0 and GPT1 share IRQ 1; GPT_ISR says which
 * expired. Register sequence as the RT samples' mt3620-timer.c (disable, enable the interrupt,
 * set the interval, start); intervals in microseconds become ticks of the 1 kHz clock when they
 * are whole milliseconds (exact), else of the 32.768 kHz clock (rounded up: never early). */

#include <rt/rt.h>

#define GPT_COUNT 2

static const uint32_t ctrlReg[GPT_COUNT] = {GPT0_CTRL, GPT1_CTRL};
static const uint32_t icntReg[GPT_COUNT] = {GPT0_ICNT, GPT1_ICNT};

static volatile Callback callbacks[GPT_COUNT];
static volatile bool periodic[GPT_COUNT];
static volatile bool waitFired; /* GPT0 expired during Gpt_WaitUs */
static volatile bool waiting;
static bool irqReady;
static bool gpt3Ready;

static void HandleGptIrq(void)
{
    uint32_t active = ReadReg32(MT3620_GPT_BASE, GPT_ISR);
    WriteReg32(MT3620_GPT_BASE, GPT_ISR, active); /* write 1 to clear */
    for (int t = 0; t < GPT_COUNT; t++) {
        if ((active & (UINT32_C(1) << t)) == 0) {
            continue;
        }
        if (t == TimerGpt0 && waiting) {
            waitFired = true;
        }
        Callback cb = callbacks[t];
        if (cb != NULL) {
            cb();
        }
    }
}

static void EnsureIrq(void)
{
    if (!irqReady) {
        irqReady = true;
        NVIC_SetHandler(MT3620_IRQ_GPT, HandleGptIrq);
        NVIC_EnableIRQ(MT3620_IRQ_GPT);
    }
}

uint32_t Gpt_NowUs(void)
{
    if (!gpt3Ready) {
        gpt3Ready = true;
        if ((ReadReg32(MT3620_GPT_BASE, GPT3_CTRL) & GPT3_CTRL_EN) == 0) {
            /* As the HelloWorld sample: count microseconds (the default divider) from 0. */
            WriteReg32(MT3620_GPT_BASE, GPT3_INIT, 0);
            WriteReg32(MT3620_GPT_BASE, GPT3_CTRL, GPT3_CTRL_OSC_1MHZ | GPT3_CTRL_EN);
        }
    }
    return ReadReg32(MT3620_GPT_BASE, GPT3_CNT);
}

/* Stops timer t and clears a stale expiry, then (us != 0) starts it for us microseconds. */
static void Launch(int t, uint32_t us, bool repeat)
{
    uint32_t mask = UINT32_C(1) << t;
    ClearReg32(MT3620_GPT_BASE, ctrlReg[t], GPT_CTRL_EN);
    WriteReg32(MT3620_GPT_BASE, GPT_ISR, mask);
    if (us == 0) {
        return;
    }
    uint32_t ticks;
    uint32_t clock;
    if (us % 1000 == 0) {
        ticks = us / 1000;
        clock = 0; /* 1 kHz */
    } else {
        ticks = (uint32_t)(((uint64_t)us * GPT_FAST_HZ + 999999) / 1000000);
        clock = GPT_CTRL_32K;
    }
    EnsureIrq();
    /* GPT_IER is shared by both timers: keep an ISR from changing it between read and write. */
    uint32_t prev = irq_disable();
    SetReg32(MT3620_GPT_BASE, GPT_IER, mask);
    irq_restore(prev);
    WriteReg32(MT3620_GPT_BASE, icntReg[t], ticks);
    WriteReg32(MT3620_GPT_BASE, ctrlReg[t],
               GPT_CTRL_EN | clock | (repeat ? GPT_CTRL_AUTOREPEAT : 0));
}

static int Start(TimerGpt timer, uint32_t us, Callback handler, bool repeat)
{
    if ((timer != TimerGpt0 && timer != TimerGpt1) || us == 0) {
        return -1;
    }
    Launch(timer, 0, false);
    callbacks[timer] = handler;
    periodic[timer] = repeat;
    Launch(timer, us, repeat);
    return 0;
}

int Gpt_StartPeriodic(TimerGpt timer, uint32_t us, Callback handler)
{
    return Start(timer, us, handler, true);
}

int Gpt_StartOneShot(TimerGpt timer, uint32_t us, Callback handler)
{
    return Start(timer, us, handler, false);
}

void Gpt_Stop(TimerGpt timer)
{
    if (timer != TimerGpt0 && timer != TimerGpt1) {
        return;
    }
    Launch(timer, 0, false);
    callbacks[timer] = NULL;
    periodic[timer] = false;
}

void Gpt_WaitUs(uint32_t us)
{
    if (us == 0) {
        return;
    }
    uint32_t start = Gpt_NowUs();
    if (NVIC_InHandler()) {
        /* No interrupt can arrive inside a handler: poll the free-running counter. */
        while ((uint32_t)(Gpt_NowUs() - start) < us) {
        }
        return;
    }
    if (periodic[TimerGpt0]) {
        /* GPT0 is the app's; its ticks wake wfi. */
        do {
            wfi();
        } while ((uint32_t)(Gpt_NowUs() - start) < us);
        return;
    }
    Launch(TimerGpt0, 0, false); /* stop GPT0 and clear a stale expiry first */
    callbacks[TimerGpt0] = NULL;
    waitFired = false;
    waiting = true;
    Launch(TimerGpt0, us, false);
    /* Nothing between the test of waitFired and wfi may let an interrupt in (no call, no loop
     * header: see sdk/rt/README.md, "Waiting"). Besides the GPT0 interrupt, GPT3 ends the wait, so
     * a wfi that returns without delivering it (interrupts masked by the caller) cannot hang. */
    for (;;) {
        if (waitFired) {
            break;
        }
        wfi();
        if ((uint32_t)(Gpt_NowUs() - start) >= us) {
            break;
        }
    }
    waiting = false;
    Launch(TimerGpt0, 0, false);
}
