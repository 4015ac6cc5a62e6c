/// \file sysevent.h
/// \brief System event notifications (software updates) and update deferral. Registering needs
/// the SystemEventNotifications capability; deferring and resuming need SoftwareUpdateDeferral.
///
/// sphere-emu SDK: same names, types, values and signatures as the Azure Sphere applibs header
/// (reference §6 "sysevent.h"). The OS side is the "applibs" imports sysevent_register,
/// sysevent_defer and sysevent_resume; the SDK delivers events through the app's EventLoop
/// (docs/abi.md).
#pragma once

#include <stdint.h>

#include <applibs/applibs_internal_api_traits.h>
#include <applibs/eventloop.h>

#ifdef __cplusplus
extern "C" {
#endif

/// <summary>System event flags.</summary>
typedef uint32_t SysEvent_Events;
enum {
    /// <summary>No event.</summary>
    SysEvent_Events_None = 0x00,
    /// <summary>An OS or application update has been downloaded and is ready to install.
    /// </summary>
    SysEvent_Events_UpdateReadyForInstall = 0x01,
    /// <summary>Deprecated name of SysEvent_Events_UpdateReadyForInstall.</summary>
    SysEvent_Events_Update _AZSPHERE_DEPRECATED_BY(SysEvent_Events_UpdateReadyForInstall) =
        SysEvent_Events_UpdateReadyForInstall,
    /// <summary>An update download has started.</summary>
    SysEvent_Events_UpdateStarted = 0x02,
    /// <summary>An update check found nothing to install.</summary>
    SysEvent_Events_NoUpdateAvailable = 0x04,
    /// <summary>All valid events.</summary>
    SysEvent_Events_Mask = SysEvent_Events_UpdateStarted | SysEvent_Events_UpdateReadyForInstall |
                           SysEvent_Events_NoUpdateAvailable
};

/// <summary>The status an event has changed to.</summary>
typedef uint32_t SysEvent_Status;
enum {
    SysEvent_Status_Invalid = 0,
    /// <summary>The event will happen and can still be deferred.</summary>
    SysEvent_Status_Pending = 1,
    /// <summary>The event will happen and can no longer be deferred.</summary>
    SysEvent_Status_Final = 2,
    /// <summary>A pending event was deferred.</summary>
    SysEvent_Status_Deferred = 3,
    /// <summary>Deprecated name of SysEvent_Status_Deferred.</summary>
    SysEvent_Status_Rejected _AZSPHERE_DEPRECATED_BY(SysEvent_Status_Deferred) =
        SysEvent_Status_Deferred,
    /// <summary>The event is complete (for UpdateReadyForInstall: only app updates, since OS
    /// updates reboot the device).</summary>
    SysEvent_Status_Complete = 4
};

/// <summary>The kind of update.</summary>
typedef uint32_t SysEvent_UpdateType;
enum {
    SysEvent_UpdateType_Invalid = 0,
    /// <summary>An application update: the app restarts, the device does not reboot.</summary>
    SysEvent_UpdateType_App = 1,
    /// <summary>An OS update: the device reboots.</summary>
    SysEvent_UpdateType_System = 2
};

/// <summary>Update details, from <see cref="SysEvent_Info_GetUpdateData"/>.
/// max_deferral_time_in_minutes is meaningful for SysEvent_Status_Pending only.</summary>
typedef struct SysEvent_Info_UpdateData {
    unsigned int max_deferral_time_in_minutes;
    SysEvent_UpdateType update_type;
} SysEvent_Info_UpdateData;

/// <summary>Opaque details of one event, valid only during the callback.</summary>
typedef struct SysEvent_Info SysEvent_Info;

/// <summary>
///     Gets the update details of an UpdateReadyForInstall event, from the info passed to a
///     <see cref="SysEvent_EventsCallback"/> (only while the callback runs).
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="info"/> or
///     <paramref name="update_info"/> is NULL; EINVAL the event is not UpdateReadyForInstall.
/// </summary>
int SysEvent_Info_GetUpdateData(const SysEvent_Info *info, SysEvent_Info_UpdateData *update_info);

/// <summary>Called once per status change of a registered event (exactly one flag set in
/// <paramref name="event"/>).</summary>
typedef void SysEvent_EventsCallback(SysEvent_Events event, SysEvent_Status state,
                                     const SysEvent_Info *info, void *context);

/// <summary>
///     Registers for the events in <paramref name="eventBitmask"/>; <paramref name="callback"/>
///     is called from <paramref name="el"/>'s EventLoop_Run. Only one registration may be
///     active at a time.
///     <para> **Errors** </para>
///     Returns NULL and sets errno:
///     <para>EACCES: the manifest lacks the SystemEventNotifications capability.</para>
///     <para>EFAULT: <paramref name="el"/> or <paramref name="callback"/> is NULL.</para>
///     <para>EINVAL: <paramref name="eventBitmask"/> is empty or has unknown events.</para>
///     <para>EBUSY: a registration is already active.</para>
/// </summary>
EventRegistration *SysEvent_RegisterForEventNotifications(EventLoop *el,
                                                          SysEvent_Events eventBitmask,
                                                          SysEvent_EventsCallback *callback,
                                                          void *context);

/// <summary>
///     Ends a registration made by <see cref="SysEvent_RegisterForEventNotifications"/>, once.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EFAULT <paramref name="reg"/> is NULL.
/// </summary>
int SysEvent_UnregisterForEventNotifications(EventRegistration *reg);

/// <summary>
///     Defers a pending event (one flag) for up to
///     <paramref name="requested_defer_time_in_minutes"/> (truncated to the event's maximum).
///     All registered apps then see SysEvent_Status_Deferred.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EACCES the manifest lacks SoftwareUpdateDeferral (needed for
///     UpdateReadyForInstall); EINVAL not exactly one event, or the event is not pending.
/// </summary>
int SysEvent_DeferEvent(SysEvent_Events event, uint32_t requested_defer_time_in_minutes);

/// <summary>
///     Ends a deferral made with <see cref="SysEvent_DeferEvent"/> early.
///     <para> **Errors** </para>
///     Returns -1 and sets errno: EACCES the manifest lacks SoftwareUpdateDeferral; EINVAL not
///     exactly one event, or the event is not deferred.
/// </summary>
int SysEvent_ResumeEvent(SysEvent_Events event);

#ifdef __cplusplus
}
#endif
