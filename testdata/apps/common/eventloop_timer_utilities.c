// Event-loop timers for sphere-emu sample apps (see eventloop_timer_utilities.h).
#include "eventloop_timer_utilities.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct EventLoopTimer {
    EventLoop *eventLoop;
    EventLoopTimerHandler handler;
    int fd;
    EventRegistration *registration;
};

static bool is_zero(const struct timespec *ts)
{
    return ts->tv_sec == 0 && ts->tv_nsec == 0;
}

// Arms (or, with a zero value, disarms) the timer's descriptor.
static int arm(EventLoopTimer *timer, const struct timespec *value,
               const struct timespec *interval)
{
    struct itimerspec spec = {.it_value = *value, .it_interval = *interval};
    return timerfd_settime(timer->fd, 0, &spec, NULL);
}

static void on_timer_ready(EventLoop *el, int fd, EventLoop_IoEvents events, void *context)
{
    (void)el;
    (void)fd;
    (void)events;
    EventLoopTimer *timer = context;
    timer->handler(timer);
}

EventLoopTimer *CreateEventLoopDisarmedTimer(EventLoop *eventLoop, EventLoopTimerHandler handler)
{
    if (eventLoop == NULL || handler == NULL) {
        errno = EFAULT;
        return NULL;
    }
    EventLoopTimer *timer = calloc(1, sizeof *timer);
    if (timer == NULL) {
        return NULL;
    }
    timer->eventLoop = eventLoop;
    timer->handler = handler;
    timer->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    if (timer->fd == -1) {
        free(timer);
        return NULL;
    }
    timer->registration =
        EventLoop_RegisterIo(eventLoop, timer->fd, EventLoop_Input, on_timer_ready, timer);
    if (timer->registration == NULL) {
        int saved = errno;
        close(timer->fd);
        free(timer);
        errno = saved;
        return NULL;
    }
    return timer;
}

EventLoopTimer *CreateEventLoopPeriodicTimer(EventLoop *eventLoop, EventLoopTimerHandler handler,
                                             const struct timespec *period)
{
    if (period == NULL) {
        errno = EFAULT;
        return NULL;
    }
    if (is_zero(period)) {
        errno = EINVAL;
        return NULL;
    }
    EventLoopTimer *timer = CreateEventLoopDisarmedTimer(eventLoop, handler);
    if (timer == NULL) {
        return NULL;
    }
    if (SetEventLoopTimerPeriod(timer, period) == -1) {
        int saved = errno;
        DisposeEventLoopTimer(timer);
        errno = saved;
        return NULL;
    }
    return timer;
}

void DisposeEventLoopTimer(EventLoopTimer *timer)
{
    if (timer == NULL) {
        return;
    }
    EventLoop_UnregisterIo(timer->eventLoop, timer->registration);
    close(timer->fd);
    free(timer);
}

int ConsumeEventLoopTimerEvent(EventLoopTimer *timer)
{
    uint64_t expirations;
    ssize_t n = read(timer->fd, &expirations, sizeof expirations);
    if (n == -1) {
        return -1;
    }
    if (n != (ssize_t)sizeof expirations) {
        errno = EIO;
        return -1;
    }
    return 0;
}

int SetEventLoopTimerPeriod(EventLoopTimer *timer, const struct timespec *period)
{
    if (period == NULL) {
        errno = EFAULT;
        return -1;
    }
    if (is_zero(period)) {
        errno = EINVAL;
        return -1;
    }
    return arm(timer, period, period);
}

int SetEventLoopTimerOneShot(EventLoopTimer *timer, const struct timespec *delay)
{
    if (delay == NULL) {
        errno = EFAULT;
        return -1;
    }
    if (is_zero(delay)) {
        errno = EINVAL;
        return -1;
    }
    static const struct timespec none = {0, 0};
    return arm(timer, delay, &none);
}

int DisarmEventLoopTimer(EventLoopTimer *timer)
{
    static const struct timespec none = {0, 0};
    return arm(timer, &none, &none);
}
