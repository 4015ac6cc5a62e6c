// applibs eventloop.h for sphere-emu. The host owns the waiting (an epoll-like object behind a
// descriptor); this file owns the registrations, the handler dispatch and the EventLoop_Run
// rules (duration, process-one-event, Stop, recursion, EINTR).
#define _POSIX_C_SOURCE 200809L  // strnlen, clock_gettime even when built with -std=c17
#include <applibs/eventloop.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "eventloop_internal.h"

#define VALID_EVENTS (EventLoop_Input | EventLoop_Output | EventLoop_Error)

// Records fetched per wait when the run may process several events.
#define WAIT_BATCH 16

// Tokens identify registrations to the host. They are never reused, so a record that arrives
// for a registration removed meanwhile (by an earlier handler of the same batch) is recognised
// and dropped instead of reaching a newer registration that happens to share its address.
static uint32_t nextToken = 1;

EventLoop *EventLoop_Create(void)
{
    EventLoop *el = calloc(1, sizeof *el);
    if (el == NULL) {
        return NULL;  // errno ENOMEM from malloc
    }
    int32_t fd = __applibs_eventloop_create();
    if (fd < 0) {
        free(el);
        return applibs_fail_null((int)-fd);
    }
    el->fd = (int)fd;
    return el;
}

void EventLoop_Close(EventLoop *el)
{
    if (el == NULL) {
        return;
    }
    // Closing the host loop drops its registrations; free ours without asking the host.
    EventRegistration *reg = el->regs;
    while (reg != NULL) {
        EventRegistration *next = reg->next;
        if (reg->dispose != NULL) {
            reg->dispose(reg);
        }
        free(reg);
        reg = next;
    }
    int saved = errno;
    close(el->fd);
    errno = saved;
    free(el);
}

int EventLoop_GetWaitDescriptor(EventLoop *el)
{
    if (el == NULL) {
        return applibs_fail(EFAULT);
    }
    return el->fd;
}

int EventLoop_Stop(EventLoop *el)
{
    if (el == NULL) {
        return applibs_fail(EFAULT);
    }
    if (el->running) {
        el->stopRequested = true;
    }
    return 0;
}

EventRegistration *EventLoop_RegisterIo(EventLoop *el, int fd, EventLoop_IoEvents eventBitmask,
                                        EventLoopIoCallback *callback, void *context)
{
    if (el == NULL || callback == NULL) {
        return applibs_fail_null(EFAULT);
    }
    if ((eventBitmask & ~(EventLoop_IoEvents)VALID_EVENTS) != 0) {
        return applibs_fail_null(EINVAL);
    }
    if (fd < 0) {
        return applibs_fail_null(EBADF);
    }
    EventRegistration *reg = calloc(1, sizeof *reg);
    if (reg == NULL) {
        return NULL;  // errno ENOMEM
    }
    reg->loop = el;
    reg->fd = fd;
    reg->token = nextToken++;
    reg->events = eventBitmask;
    reg->callback = callback;
    reg->context = context;
    int32_t r = __applibs_eventloop_register(el->fd, fd, eventBitmask, reg->token);
    if (r < 0) {
        free(reg);
        return applibs_fail_null((int)-r);
    }
    reg->next = el->regs;
    el->regs = reg;
    return reg;
}

int EventLoop_ModifyIoEvents(EventLoop *el, EventRegistration *reg,
                             EventLoop_IoEvents eventBitmask)
{
    if (el == NULL || reg == NULL) {
        return applibs_fail(EFAULT);
    }
    if ((eventBitmask & ~(EventLoop_IoEvents)VALID_EVENTS) != 0) {
        return applibs_fail(EINVAL);
    }
    int32_t r = __applibs_eventloop_modify(el->fd, reg->fd, eventBitmask);
    if (r < 0) {
        return applibs_result(r);
    }
    reg->events = eventBitmask;
    return 0;
}

int32_t eventloop_remove_registration(EventLoop *el, EventRegistration *reg)
{
    for (EventRegistration **p = &el->regs; *p != NULL; p = &(*p)->next) {
        if (*p == reg) {
            *p = reg->next;
            break;
        }
    }
    int32_t r = __applibs_eventloop_unregister(el->fd, reg->fd);
    if (reg->dispose != NULL) {
        reg->dispose(reg);
    }
    free(reg);
    return r;
}

int EventLoop_UnregisterIo(EventLoop *el, EventRegistration *reg)
{
    if (reg == NULL) {
        return 0;
    }
    if (el == NULL) {
        return applibs_fail(EFAULT);
    }
    // The registration is gone whatever the host says (for example EBADF when the app closed
    // the descriptor first, which already removed it from the host's loop).
    return applibs_result(eventloop_remove_registration(el, reg));
}

static EventRegistration *find_registration(EventLoop *el, uint32_t token)
{
    for (EventRegistration *reg = el->regs; reg != NULL; reg = reg->next) {
        if (reg->token == token) {
            return reg;
        }
    }
    return NULL;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

EventLoop_Run_Result EventLoop_Run(EventLoop *el, int duration_in_milliseconds,
                                   bool process_one_event)
{
    if (el == NULL) {
        return applibs_fail(EFAULT);
    }
    if (el->running) {
        return applibs_fail(EBUSY);
    }
    el->running = true;
    el->stopRequested = false;

    // duration 0 processes at most one event whatever process_one_event says.
    bool oneEvent = process_one_event || duration_in_milliseconds == 0;
    int64_t deadline = 0;
    if (duration_in_milliseconds > 0) {
        deadline = monotonic_ms() + duration_in_milliseconds;
    }

    EventLoop_Run_Result result = EventLoop_Run_FinishedEmpty;
    applibs_eventloop_record records[WAIT_BATCH];
    for (;;) {
        int32_t timeout;
        if (duration_in_milliseconds < 0) {
            timeout = -1;
        } else if (duration_in_milliseconds == 0) {
            timeout = 0;
        } else {
            int64_t left = deadline - monotonic_ms();
            timeout = left > 0 ? (int32_t)left : 0;
        }
        // Fetch one record at a time when only one will be processed: the rest stay pending
        // (readiness is level-triggered) for the next run.
        int32_t n = __applibs_eventloop_wait(el->fd, timeout, records, oneEvent ? 1 : WAIT_BATCH);
        if (n < 0) {
            errno = (int)-n;
            result = EventLoop_Run_Failed;
            break;
        }
        bool done = false;
        for (int32_t i = 0; i < n && i < WAIT_BATCH && !done; i++) {
            // The registration may have been removed by an earlier handler of this batch.
            EventRegistration *reg = find_registration(el, records[i].token);
            if (reg == NULL) {
                continue;
            }
            EventLoop_IoEvents events = records[i].events & (reg->events | EventLoop_Error);
            if (events == 0) {
                continue;
            }
            reg->callback(el, reg->fd, events, reg->context);
            result = EventLoop_Run_Finished;
            done = oneEvent || el->stopRequested;
        }
        if (done || el->stopRequested) {
            break;
        }
        if (duration_in_milliseconds == 0) {
            break;
        }
        if (duration_in_milliseconds > 0 && monotonic_ms() >= deadline) {
            break;
        }
    }
    el->running = false;
    el->stopRequested = false;
    return result;
}
