// button-blink: blinks LED 1 red and lets button A cycle the blink period, in the style of the
// Azure Sphere GPIO_HighLevelApp sample: an EventLoop with two timers, one that toggles the LED
// and one that polls the button every millisecond.
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_LED = LED 1 red (GPIO 8,
// active-low), SAMPLE_BUTTON_1 = button A (GPIO 12, reads Low while pressed).
//
// Output:
//   Starting button-blink sample. Press button A to change the blink period.
//   Blink period: 125 ms
//   (each press of button A:) Blink period: 250 ms / 500 ms / 125 ms / ...
//
// Exit codes: see ExitCode. On SIGTERM the app leaves its event loop and exits with
// ExitCode_TermHandler_SigTerm (1), as the samples do.

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

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_LedTimer_Consume = 2,
    ExitCode_LedTimer_SetLedState = 3,
    ExitCode_ButtonTimer_Consume = 4,
    ExitCode_ButtonTimer_GetButtonState = 5,
    ExitCode_ButtonTimer_SetBlinkPeriod = 6,
    ExitCode_Init_EventLoop = 7,
    ExitCode_Init_Button = 8,
    ExitCode_Init_ButtonPollTimer = 9,
    ExitCode_Init_Led = 10,
    ExitCode_Init_LedBlinkTimer = 11,
    ExitCode_Main_EventLoopFail = 12,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;

static int ledFd = -1;
static int buttonFd = -1;
static EventLoop *eventLoop = NULL;
static EventLoopTimer *ledBlinkTimer = NULL;
static EventLoopTimer *buttonPollTimer = NULL;

static const struct timespec blinkPeriods[] = {
    {.tv_sec = 0, .tv_nsec = 125 * 1000 * 1000},
    {.tv_sec = 0, .tv_nsec = 250 * 1000 * 1000},
    {.tv_sec = 0, .tv_nsec = 500 * 1000 * 1000},
};
static const size_t blinkPeriodCount = sizeof blinkPeriods / sizeof blinkPeriods[0];
static size_t blinkPeriodIndex = 0;

static GPIO_Value_Type ledState = GPIO_Value_High;    // High = off (active-low)
static GPIO_Value_Type buttonState = GPIO_Value_High;  // High = released

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    // Only async-signal-safe work here.
    exitCode = ExitCode_TermHandler_SigTerm;
}

static void LogBlinkPeriod(void)
{
    Log_Debug("Blink period: %ld ms\n", blinkPeriods[blinkPeriodIndex].tv_nsec / 1000000);
}

static void LedTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_LedTimer_Consume;
        return;
    }
    ledState = ledState == GPIO_Value_Low ? GPIO_Value_High : GPIO_Value_Low;
    if (GPIO_SetValue(ledFd, ledState) != 0) {
        Log_Debug("ERROR: Could not set LED output value: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_LedTimer_SetLedState;
    }
}

static void ButtonTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_ButtonTimer_Consume;
        return;
    }
    GPIO_Value_Type newState;
    if (GPIO_GetValue(buttonFd, &newState) != 0) {
        Log_Debug("ERROR: Could not read button GPIO: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_ButtonTimer_GetButtonState;
        return;
    }
    // The button reads Low while pressed: act on the High -> Low edge.
    if (newState != buttonState) {
        if (newState == GPIO_Value_Low) {
            blinkPeriodIndex = (blinkPeriodIndex + 1) % blinkPeriodCount;
            if (SetEventLoopTimerPeriod(ledBlinkTimer, &blinkPeriods[blinkPeriodIndex]) != 0) {
                exitCode = ExitCode_ButtonTimer_SetBlinkPeriod;
                return;
            }
            LogBlinkPeriod();
        }
        buttonState = newState;
    }
}

static ExitCode InitPeripheralsAndHandlers(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(struct sigaction));
    action.sa_handler = TerminationHandler;
    sigaction(SIGTERM, &action, NULL);

    eventLoop = EventLoop_Create();
    if (eventLoop == NULL) {
        Log_Debug("Could not create event loop.\n");
        return ExitCode_Init_EventLoop;
    }

    buttonFd = GPIO_OpenAsInput(SAMPLE_BUTTON_1);
    if (buttonFd == -1) {
        Log_Debug("ERROR: Could not open button GPIO: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_Button;
    }
    static const struct timespec buttonPollPeriod = {.tv_sec = 0, .tv_nsec = 1000 * 1000};
    buttonPollTimer =
        CreateEventLoopPeriodicTimer(eventLoop, ButtonTimerEventHandler, &buttonPollPeriod);
    if (buttonPollTimer == NULL) {
        return ExitCode_Init_ButtonPollTimer;
    }

    ledFd = GPIO_OpenAsOutput(SAMPLE_LED, GPIO_OutputMode_PushPull, GPIO_Value_High);
    if (ledFd == -1) {
        Log_Debug("ERROR: Could not open LED GPIO: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_Led;
    }
    ledBlinkTimer = CreateEventLoopPeriodicTimer(eventLoop, LedTimerEventHandler,
                                                 &blinkPeriods[blinkPeriodIndex]);
    if (ledBlinkTimer == NULL) {
        return ExitCode_Init_LedBlinkTimer;
    }
    LogBlinkPeriod();
    return ExitCode_Success;
}

static void CloseFdAndPrintError(int fd, const char *fdName)
{
    if (fd >= 0 && close(fd) != 0) {
        Log_Debug("ERROR: Could not close fd %s: %s (%d).\n", fdName, strerror(errno), errno);
    }
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(ledBlinkTimer);
    DisposeEventLoopTimer(buttonPollTimer);
    EventLoop_Close(eventLoop);

    Log_Debug("Closing file descriptors.\n");
    if (ledFd >= 0) {
        GPIO_SetValue(ledFd, GPIO_Value_High);  // leave the LED off
    }
    CloseFdAndPrintError(ledFd, "Led");
    CloseFdAndPrintError(buttonFd, "Button");
}

int main(void)
{
    Log_Debug("Starting button-blink sample. Press button A to change the blink period.\n");
    exitCode = InitPeripheralsAndHandlers();

    // Run the event loop until an error or SIGTERM.
    while (exitCode == ExitCode_Success) {
        EventLoop_Run_Result result = EventLoop_Run(eventLoop, -1, true);
        // EINTR: a signal handler ran (for example SIGTERM); the loop condition decides.
        if (result == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = ExitCode_Main_EventLoopFail;
        }
    }

    ClosePeripheralsAndHandlers();
    Log_Debug("Application exiting.\n");
    return exitCode;
}
