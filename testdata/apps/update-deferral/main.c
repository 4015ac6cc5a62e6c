// UpdateDeferral: defers the first over-the-air update it is offered by five
// minutes, then lets it install, logging every system event — the pattern of
// Azure's DeferredUpdate sample, for sphere-emu's update tests.
#include <stdbool.h>
#include <stddef.h>

#include <applibs/eventloop.h>
#include <applibs/log.h>
#include <applibs/sysevent.h>

static int deferrals;

static void OnSysEvent(SysEvent_Events event, SysEvent_Status status, const SysEvent_Info *info, void *context)
{
    (void)context;
    if (event != SysEvent_Events_UpdateReadyForInstall) {
        Log_Debug("system event %u, status %u\n", (unsigned)event, (unsigned)status);
        return;
    }
    SysEvent_Info_UpdateData data;
    if (SysEvent_Info_GetUpdateData(info, &data) != 0) {
        Log_Debug("SysEvent_Info_GetUpdateData failed\n");
        return;
    }
    Log_Debug("update ready: status %u, type %u, may defer %u minutes\n", (unsigned)status,
              (unsigned)data.update_type, (unsigned)data.max_deferral_time_in_minutes);
    if (status == SysEvent_Status_Pending && deferrals++ == 0) {
        if (SysEvent_DeferEvent(SysEvent_Events_UpdateReadyForInstall, 5) == 0) {
            Log_Debug("deferred the update by 5 minutes\n");
        }
    }
}

int main(void)
{
    EventLoop *loop = EventLoop_Create();
    if (loop == NULL) {
        return 1;
    }
    EventRegistration *reg = SysEvent_RegisterForEventNotifications(loop, SysEvent_Events_Mask, OnSysEvent, NULL);
    if (reg == NULL) {
        Log_Debug("SysEvent_RegisterForEventNotifications failed\n");
        return 2;
    }
    Log_Debug("waiting for updates\n");
    for (;;) {
        if (EventLoop_Run(loop, -1, true) == EventLoop_Run_Failed) {
            return 3;
        }
    }
}
