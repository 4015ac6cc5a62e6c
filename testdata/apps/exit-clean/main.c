// exit-clean: the clean-exit half of an error-reporting pair (compare the Azure Sphere
// ErrorReporting tutorial, stage 2). It blinks LED 1 red from an EventLoop timer for 3
// seconds, then leaves the loop, releases everything and returns 0 from main, so the OS
// records an AppExit with exit code 0. (Its partner crash-null crashes instead.)
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_LED = LED 1 red (GPIO 8,
// active-low).
//
// Output:
//   Starting exit-clean sample: exiting in 3 seconds.
//   Networking ready: no            (or yes, or an error line; informational only)
//   Exit timer expired after 6 blinks.
//   Exiting with code 0.

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/eventloop.h>
#include <applibs/gpio.h>
#include <applibs/log.h>
#include <applibs/networking.h>

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_BlinkTimer_Consume = 2,
    ExitCode_BlinkTimer_SetLed = 3,
    ExitCode_ExitTimer_Consume = 4,
    ExitCode_Init_EventLoop = 5,
    ExitCode_Init_Led = 6,
    ExitCode_Init_BlinkTimer = 7,
    ExitCode_Init_ExitTimer = 8,
    ExitCode_Main_EventLoopFail = 9,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;
static bool finished = false;

static int ledFd = -1;
static EventLoop *eventLoop = NULL;
static EventLoopTimer *blinkTimer = NULL;
static EventLoopTimer *exitTimer = NULL;
static GPIO_Value_Type ledState = GPIO_Value_High;
static int blinks = 0;

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
        return;
    }
    blinks++;
}

static void ExitTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_ExitTimer_Consume;
        return;
    }
    Log_Debug("Exit timer expired after %d blinks.\n", blinks);
    finished = true;
    EventLoop_Stop(eventLoop);
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
    static const struct timespec blinkPeriod = {.tv_sec = 0, .tv_nsec = 500 * 1000 * 1000};
    blinkTimer = CreateEventLoopPeriodicTimer(eventLoop, BlinkTimerEventHandler, &blinkPeriod);
    if (blinkTimer == NULL) {
        return ExitCode_Init_BlinkTimer;
    }
    static const struct timespec exitDelay = {.tv_sec = 3, .tv_nsec = 0};
    exitTimer = CreateEventLoopDisarmedTimer(eventLoop, ExitTimerEventHandler);
    if (exitTimer == NULL || SetEventLoopTimerOneShot(exitTimer, &exitDelay) != 0) {
        return ExitCode_Init_ExitTimer;
    }

    bool networkingReady;
    if (Networking_IsNetworkingReady(&networkingReady) == 0) {
        Log_Debug("Networking ready: %s\n", networkingReady ? "yes" : "no");
    } else {
        Log_Debug("Networking_IsNetworkingReady failed: %s (%d).\n", strerror(errno), errno);
    }
    return ExitCode_Success;
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(exitTimer);
    DisposeEventLoopTimer(blinkTimer);
    EventLoop_Close(eventLoop);
    if (ledFd >= 0) {
        GPIO_SetValue(ledFd, GPIO_Value_High);  // LED off
        close(ledFd);
    }
}

int main(void)
{
    Log_Debug("Starting exit-clean sample: exiting in 3 seconds.\n");
    exitCode = InitPeripheralsAndHandlers();

    while (exitCode == ExitCode_Success && !finished) {
        EventLoop_Run_Result result = EventLoop_Run(eventLoop, -1, true);
        if (result == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = ExitCode_Main_EventLoopFail;
        }
    }

    ClosePeripheralsAndHandlers();
    Log_Debug("Exiting with code %d.\n", (int)exitCode);
    return exitCode;
}
