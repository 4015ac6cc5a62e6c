// Private to the sphere-emu C SDK: the EventLoop and EventRegistration structures, shared by
// applibs_eventloop.c and applibs_sysevent.c.
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <applibs/eventloop.h>

struct EventRegistration {
    EventLoop *loop;                 // the loop it is registered with
    int fd;                          // the watched descriptor
    uint32_t token;                  // the token the host reports it by (unique, never reused)
    EventLoop_IoEvents events;       // the events asked for
    EventLoopIoCallback *callback;   // the handler
    void *context;                   // the handler's context
    void (*dispose)(EventRegistration *reg);  // extra cleanup when freed (SysEvent), or NULL
    struct EventRegistration *next;  // the loop's list
};

struct EventLoop {
    int fd;                          // the host's event loop descriptor
    bool running;                    // inside EventLoop_Run
    bool stopRequested;              // EventLoop_Stop was called during this run
    struct EventRegistration *regs;  // active registrations
};

// Removes reg from its loop's list, tells the host, runs its dispose hook and frees it.
// Returns the host's result (0 or -errno); reg is freed in every case.
int32_t eventloop_remove_registration(EventLoop *el, EventRegistration *reg);
