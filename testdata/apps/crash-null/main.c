// crash-null: the crash half of an error-reporting pair (compare the Azure Sphere
// ErrorReporting tutorial, stage 1, which dereferences a NULL pointer). It blinks LED 1 red
// from an EventLoop timer and, 2 seconds after start, writes through a bad pointer, so the OS
// records an AppCrash. (Its partner exit-clean exits cleanly instead.)
//
// Why not a NULL pointer, as in the tutorial: in WebAssembly address 0 is ordinary memory
// (the bottom of the C stack region; docs/abi.md §1), so writing through NULL silently
// succeeds. On a device the same write is a SIGSEGV. To crash the way the tutorial's app does,
// this app writes just below the 4 GiB top of the 32-bit address space, far beyond the
// module's memory (256 KiB at most): WebAssembly traps on the out-of-bounds store, and the
// emulator reports the trap as a crash.
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_LED = LED 1 red (GPIO 8).
//
// Output:
//   Starting crash-null sample: crashing in 2 seconds.
//   Crashing now.
// then the app is terminated (trap: out of bounds memory access).

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/eventloop.h>
#include <applibs/gpio.h>
#include <applibs/log.h>

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_BlinkTimer_Consume = 2,
    ExitCode_BlinkTimer_SetLed = 3,
    ExitCode_CrashTimer_Consume = 4,
    ExitCode_Init_EventLoop = 5,
    ExitCode_Init_Led = 6,
    ExitCode_Init_BlinkTimer = 7,
    ExitCode_Init_CrashTimer = 8,
    ExitCode_Main_EventLoopFail = 9,
    ExitCode_StillAlive = 10,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;

static int ledFd = -1;
static EventLoop *eventLoop = NULL;
static EventLoopTimer *blinkTimer = NULL;
static EventLoopTimer *crashTimer = NULL;
static GPIO_Value_Type ledState = GPIO_Value_High;

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = ExitCode_TermHandler_SigTerm;
}

static void BlinkTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_BlinkTimer_Consume;
        return;
    }
    ledState = ledState == GPIO_Value_Low ? GPIO_Value_High : GPIO_Value_Low;
    if (GPIO_SetValue(ledFd, ledState) != 0) {
        exitCode = ExitCode_BlinkTimer_SetLed;
    }
}

static void CrashTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_CrashTimer_Consume;
        return;
    }
    Log_Debug("Crashing now.\n");
    // The tutorial's "*(int *)NULL = 0", made to fault in WebAssembly (see the top of the file).
    volatile uint32_t *wild = (volatile uint32_t *)(uintptr_t)0xFFFFFFF0u;
    *wild = 0;
    Log_Debug("ERROR: still alive after the wild write.\n");
    exitCode = ExitCode_StillAlive;
}

static ExitCode InitPeripheralsAndHandlers(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(struct sigaction));
    action.sa_handler = TerminationHandler;
    sigaction(SIGTERM, &action, NULL);

    eventLoop = EventLoop_Create();
    if (eventLoop == NULL) {
        return ExitCode_Init_EventLoop;
    }
    ledFd = GPIO_OpenAsOutput(SAMPLE_LED, GPIO_OutputMode_PushPull, GPIO_Value_High);
    if (ledFd == -1) {
        Log_Debug("ERROR: Could not open LED GPIO: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_Led;
    }
    static const struct timespec blinkPeriod = {.tv_sec = 0, .tv_nsec = 250 * 1000 * 1000};
    blinkTimer = CreateEventLoopPeriodicTimer(eventLoop, BlinkTimerEventHandler, &blinkPeriod);
    if (blinkTimer == NULL) {
        return ExitCode_Init_BlinkTimer;
    }
    static const struct timespec crashDelay = {.tv_sec = 2, .tv_nsec = 0};
    crashTimer = CreateEventLoopDisarmedTimer(eventLoop, CrashTimerEventHandler);
    if (crashTimer == NULL || SetEventLoopTimerOneShot(crashTimer, &crashDelay) != 0) {
        return ExitCode_Init_CrashTimer;
    }
    return ExitCode_Success;
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(crashTimer);
    DisposeEventLoopTimer(blinkTimer);
    EventLoop_Close(eventLoop);
    if (ledFd >= 0) {
        close(ledFd);
    }
}

int main(void)
{
    Log_Debug("Starting crash-null sample: crashing in 2 seconds.\n");
    exitCode = InitPeripheralsAndHandlers();

    while (exitCode == ExitCode_Success) {
        EventLoop_Run_Result result = EventLoop_Run(eventLoop, -1, true);
        if (result == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = ExitCode_Main_EventLoopFail;
        }
    }

    ClosePeripheralsAndHandlers();
    return exitCode;
}
