// Event-loop timers for sphere-emu sample apps: the same API as the
// eventloop_timer_utilities.h that ships with the Azure Sphere samples, written for this
// project. A timer is a timerfd registered with an EventLoop; its handler runs from
// EventLoop_Run and must call ConsumeEventLoopTimerEvent.
//
// build.sh compiles testdata/apps/common/eventloop_timer_utilities.c into every app that does
// not carry its own copy, and puts this folder on the include path.
#pragma once

#include <time.h>

#include <applibs/eventloop.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An event-loop timer.
typedef struct EventLoopTimer EventLoopTimer;

/// Called from EventLoop_Run when the timer expires. Call ConsumeEventLoopTimerEvent first.
typedef void (*EventLoopTimerHandler)(EventLoopTimer *timer);

/// Creates a timer that calls handler every *period (first call one period from now).
/// Returns NULL and sets errno on failure (EINVAL: zero period).
EventLoopTimer *CreateEventLoopPeriodicTimer(EventLoop *eventLoop, EventLoopTimerHandler handler,
                                             const struct timespec *period);

/// Creates a timer that does not run until SetEventLoopTimerPeriod or
/// SetEventLoopTimerOneShot arms it. Returns NULL and sets errno on failure.
EventLoopTimer *CreateEventLoopDisarmedTimer(EventLoop *eventLoop, EventLoopTimerHandler handler);

/// Unregisters the timer, closes its descriptor and frees it. NULL is ignored.
void DisposeEventLoopTimer(EventLoopTimer *timer);

/// Reads the expiration count, so the timer stops being ready. Returns 0, or -1 with errno.
int ConsumeEventLoopTimerEvent(EventLoopTimer *timer);

/// Re-arms the timer to run every *period from now. Returns 0, or -1 with errno (EINVAL: zero
/// period).
int SetEventLoopTimerPeriod(EventLoopTimer *timer, const struct timespec *period);

/// Arms the timer to run once, *delay from now. Returns 0, or -1 with errno (EINVAL: zero
/// delay).
int SetEventLoopTimerOneShot(EventLoopTimer *timer, const struct timespec *delay);

/// Stops the timer. Returns 0, or -1 with errno.
int DisarmEventLoopTimer(EventLoopTimer *timer);

#ifdef __cplusplus
}
#endif
