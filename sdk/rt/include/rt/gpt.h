/* sphere-emu RT SDK: timers (GPT, include/mt3620/gpt.h).
 *
 * Waiting: the emulated core advances virtual time only while it sleeps in wfi (or as it burns
 * fuel), so delays here sleep: Gpt_WaitUs arms GPT0 as a one-shot and calls wfi until it fires.
 * GPT0 therefore belongs to Gpt_WaitUs (and to everything that waits: SetupIntercoreComm, the
 * UART and ADC helpers); use GPT1 for Gpt_StartPeriodic. GPT3 is the free-running clock.
 *
 * Intervals are in microseconds. A whole number of milliseconds runs GPT0/1 on their 1 kHz clock
 * (exact); anything else on the 32.768 kHz clock, rounded up to whole ticks of ~30.5 us (so never
 * shorter than asked; a periodic timer then runs slightly slow). */
#pragma once

#include <stdint.h>

#include <rt/nvic.h>

typedef enum {
    TimerGpt0 = 0,
    TimerGpt1 = 1,
} TimerGpt;

/* Microseconds from GPT3, the free-running 1 MHz counter (enabled on first use; wraps). */
uint32_t Gpt_NowUs(void);

/* Waits us microseconds: GPT0 one-shot + wfi. Other interrupts are served meanwhile. Thread mode
 * with interrupts unmasked only; from an interrupt handler it can only poll GPT3 (a busy wait that
 * costs fuel). If GPT0 is running a periodic timer, it sleeps in wfi until GPT3 says us have
 * passed (woken by that timer, so it may oversleep by up to one period). */
void Gpt_WaitUs(uint32_t us);

/* Starts timer (GPT0 or GPT1) counting us microseconds, again and again; handler runs in
 * interrupt context (IRQ 1) at each expiry. Returns 0, or -1 for an invalid timer or us == 0. */
int Gpt_StartPeriodic(TimerGpt timer, uint32_t us, Callback handler);

/* Same, once. */
int Gpt_StartOneShot(TimerGpt timer, uint32_t us, Callback handler);

/* Stops timer (its handler is not called again). */
void Gpt_Stop(TimerGpt timer);
