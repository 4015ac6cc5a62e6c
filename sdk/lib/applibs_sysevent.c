// applibs sysevent.h for sphere-emu. The host queues events on a descriptor
// (import sysevent_register); the SDK registers that descriptor with the app's EventLoop and,
// when it is readable, reads the 16-byte event records and calls the app's callback.
#include <applibs/sysevent.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "abi.h"
#include "eventloop_internal.h"

// SysEvent_Info is opaque to apps: the record the host sent.
struct SysEvent_Info {
    applibs_sysevent_record record;
};

typedef struct {
    int fd;                             // the host's sysevent descriptor
    SysEvent_EventsCallback *callback;  // the app's callback
    void *context;                      // its context
} SysEventContext;

int SysEvent_Info_GetUpdateData(const SysEvent_Info *info, SysEvent_Info_UpdateData *update_info)
{
    if (info == NULL || update_info == NULL) {
        return applibs_fail(EFAULT);
    }
    if (info->record.event != SysEvent_Events_UpdateReadyForInstall) {
        return applibs_fail(EINVAL);
    }
    update_info->max_deferral_time_in_minutes = info->record.max_deferral_minutes;
    update_info->update_type = info->record.update_type;
    return 0;
}

// EventLoop handler for the sysevent descriptor: drains the queued records (the descriptor is
// non-blocking, so read fails with EAGAIN once it is empty).
static void on_sysevent_ready(EventLoop *el, int fd, EventLoop_IoEvents events, void *context)
{
    (void)el;
    (void)events;
    SysEventContext *ctx = context;
    for (;;) {
        SysEvent_Info info;
        ssize_t n = read(fd, &info.record, sizeof info.record);
        if (n != (ssize_t)sizeof info.record) {
            break;
        }
        ctx->callback(info.record.event, info.record.status, &info, ctx->context);
    }
}

static void dispose_sysevent(EventRegistration *reg)
{
    SysEventContext *ctx = reg->context;
    int saved = errno;
    close(ctx->fd);
    errno = saved;
    free(ctx);
}

EventRegistration *SysEvent_RegisterForEventNotifications(EventLoop *el,
                                                          SysEvent_Events eventBitmask,
                                                          SysEvent_EventsCallback *callback,
                                                          void *context)
{
    if (el == NULL || callback == NULL) {
        return applibs_fail_null(EFAULT);
    }
    SysEventContext *ctx = malloc(sizeof *ctx);
    if (ctx == NULL) {
        return NULL;  // errno ENOMEM
    }
    int32_t fd = __applibs_sysevent_register(eventBitmask);
    if (fd < 0) {
        free(ctx);
        return applibs_fail_null((int)-fd);
    }
    ctx->fd = (int)fd;
    ctx->callback = callback;
    ctx->context = context;
    EventRegistration *reg = EventLoop_RegisterIo(el, ctx->fd, EventLoop_Input, on_sysevent_ready, ctx);
    if (reg == NULL) {
        int saved = errno;
        close(ctx->fd);
        free(ctx);
        errno = saved;
        return NULL;
    }
    reg->dispose = dispose_sysevent;  // closes the descriptor when unregistered or closed
    return reg;
}

int SysEvent_UnregisterForEventNotifications(EventRegistration *reg)
{
    if (reg == NULL) {
        return applibs_fail(EFAULT);
    }
    // The descriptor is closed right after, which ends the host registration in any case.
    (void)eventloop_remove_registration(reg->loop, reg);
    return 0;
}

int SysEvent_DeferEvent(SysEvent_Events event, uint32_t requested_defer_time_in_minutes)
{
    return applibs_result(__applibs_sysevent_defer(event, requested_defer_time_in_minutes));
}

int SysEvent_ResumeEvent(SysEvent_Events event)
{
    return applibs_result(__applibs_sysevent_resume(event));
}
