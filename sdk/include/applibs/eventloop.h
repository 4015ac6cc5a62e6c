/// \file eventloop.h
/// \brief The EventLoop: waits on descriptors (timers, UARTs, sockets, system events) and calls
/// a handler for each one that is ready, on the thread that runs the loop.
///
/// sphere-emu SDK: same names, types, values and behaviour as the Azure Sphere applibs header
/// (reference §6 "eventloop.h"). The loop itself lives in the emulated OS ("applibs" imports
/// eventloop_create/register/modify/unregister/wait, docs/abi.md); dispatch, Stop and the
/// EventLoop_Run rules are implemented in this SDK (sdk/lib/applibs_eventloop.c).
///
/// An EventLoop is single-threaded: use each one from one thread only.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>An event loop: monitors event sources and calls their handlers.</summary>
typedef struct EventLoop EventLoop;

/// <summary>The handle of one registration of an event source with an EventLoop; pass it
/// back to unregister.</summary>
typedef struct EventRegistration EventRegistration;

/// <summary>
///     Creates an EventLoop.
///     <para>Returns NULL and sets errno on failure (ENOMEM, EMFILE, ...).</para>
/// </summary>
/// <returns>The new EventLoop; release it with <see cref="EventLoop_Close"/>.</returns>
EventLoop *EventLoop_Create(void);

/// <summary>
///     Closes an EventLoop: releases its descriptor, its memory and every registration still
///     active on it. The pointer (and those registrations) must not be used afterwards.
///     Does nothing when <paramref name="el"/> is NULL.
/// </summary>
void EventLoop_Close(EventLoop *el);

/// <summary>Results of <see cref="EventLoop_Run"/>.</summary>
typedef int EventLoop_Run_Result;
enum {
    /// <summary>The run failed; errno says why.</summary>
    EventLoop_Run_Failed = -1,
    /// <summary>The run ended without processing any event.</summary>
    EventLoop_Run_FinishedEmpty = 0,
    /// <summary>The run ended after processing at least one event.</summary>
    EventLoop_Run_Finished = 1,
};

/// <summary>
///     Runs the loop on the calling thread, calling the handlers of ready events.
///     <para>duration_in_milliseconds: 0 processes at most one ready event and returns at once
///     (whatever process_one_event says); &gt; 0 runs for that long; &lt; 0 runs until
///     <see cref="EventLoop_Stop"/> is called or, with process_one_event, until one event has
///     been processed.</para>
///     <para>process_one_event: return as soon as one event has been processed.</para>
///     <para> **Errors** </para>
///     Returns <see cref="EventLoop_Run_Failed"/> and sets errno:
///     <para>EFAULT: <paramref name="el"/> is NULL.</para>
///     <para>EBUSY: called from a handler of the same loop (recursion is not supported).</para>
///     <para>EINTR: a signal handler ran while the loop was waiting.</para>
///     Any other errno may also be specified; such errors aren't deterministic and may change
///     between releases.
/// </summary>
/// <returns><see cref="EventLoop_Run_Finished"/> if at least one event was processed,
///     <see cref="EventLoop_Run_FinishedEmpty"/> if none was, or
///     <see cref="EventLoop_Run_Failed"/>.</returns>
EventLoop_Run_Result EventLoop_Run(EventLoop *el, int duration_in_milliseconds,
                                   bool process_one_event);

/// <summary>
///     Gets a descriptor that is readable whenever the loop has an event ready, so the loop can
///     be waited on by another loop or by poll().
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="el"/> is NULL.
/// </summary>
int EventLoop_GetWaitDescriptor(EventLoop *el);

/// <summary>
///     Stops the current <see cref="EventLoop_Run"/>: when called from a handler, Run returns
///     (<see cref="EventLoop_Run_Finished"/>) as soon as that handler returns, and processes no
///     further event. Outside a run it has no effect.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="el"/> is NULL.
/// </summary>
/// <returns>0 on success, -1 on failure.</returns>
int EventLoop_Stop(EventLoop *el);

/// <summary>Bitmask of I/O events (the epoll values).</summary>
typedef uint32_t EventLoop_IoEvents;
enum {
    /// <summary>The descriptor can be read.</summary>
    EventLoop_Input = 0x01,
    /// <summary>The descriptor can be written.</summary>
    EventLoop_Output = 0x04,
    /// <summary>An error condition on the descriptor. Always reported, whether or not it was
    /// requested.</summary>
    EventLoop_Error = 0x08,
};

/// <summary>Handler called by the loop when a registered descriptor has events.</summary>
/// <param name="el">The loop.</param>
/// <param name="fd">The descriptor.</param>
/// <param name="events">The events that occurred.</param>
/// <param name="context">The context pointer given at registration.</param>
typedef void EventLoopIoCallback(EventLoop *el, int fd, EventLoop_IoEvents events,
                                 void *context);

/// <summary>
///     Registers a descriptor with the loop; <paramref name="callback"/> is called with
///     <paramref name="context"/> whenever one of <paramref name="eventBitmask"/>'s events (or
///     an error) is pending. Readiness is level-triggered: the handler is called again on the
///     next run for as long as the condition lasts (read the data, consume the timer, ...).
///     <para>A descriptor may be registered once per loop, and must stay open while
///     registered.</para>
///     <para> **Errors** </para>
///     Returns NULL and sets errno:
///     <para>EFAULT: <paramref name="el"/> or <paramref name="callback"/> is NULL.</para>
///     <para>EINVAL: <paramref name="eventBitmask"/> has bits other than Input, Output,
///     Error.</para>
///     <para>EBADF: <paramref name="fd"/> is not an open descriptor.</para>
///     <para>EEXIST: <paramref name="fd"/> is already registered with this loop.</para>
///     <para>EPERM: <paramref name="fd"/> does not support readiness (a GPIO, a regular
///     file, ...).</para>
/// </summary>
/// <returns>The registration, or NULL on failure.</returns>
EventRegistration *EventLoop_RegisterIo(EventLoop *el, int fd, EventLoop_IoEvents eventBitmask,
                                        EventLoopIoCallback *callback, void *context);

/// <summary>
///     Changes the events a registration waits for.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="el"/> or <paramref name="reg"/> is
///     NULL; EINVAL <paramref name="eventBitmask"/> is invalid.
/// </summary>
/// <returns>0 on success, -1 on failure.</returns>
int EventLoop_ModifyIoEvents(EventLoop *el, EventRegistration *reg,
                             EventLoop_IoEvents eventBitmask);

/// <summary>
///     Removes a registration and frees it. Does nothing (returns 0) when
///     <paramref name="reg"/> is NULL. A registration may be unregistered once, with the loop
///     that created it.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="el"/> is NULL and
///     <paramref name="reg"/> is not.
/// </summary>
/// <returns>0 on success, -1 on failure.</returns>
int EventLoop_UnregisterIo(EventLoop *el, EventRegistration *reg);

#ifdef __cplusplus
}
#endif
