// pwm-dim: makes LED 1 red brighter in steps with PWM, in the style of the Azure Sphere
// PWM_HighLevelApp sample. Every 100 ms the duty cycle grows by 10% of the 1 ms period; after
// 100% it starts again from 0%.
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_LED_PWM_CONTROLLER = PWM
// controller 2 ("PWM-CONTROLLER-2" in the manifest; its pins are GPIO 8-11, LED 1),
// SAMPLE_LED_PWM_CHANNEL = channel 0 (LED 1 red). The LED is active-low, so the polarity is
// inversed: the output is low (LED lit) during the duty cycle.
//
// Output:
//   Starting pwm-dim sample.
//   Duty cycle: 0% (0 ns of 1000000 ns)
//   Duty cycle: 10% (100000 ns of 1000000 ns)
//   ...

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/eventloop.h>
#include <applibs/log.h>
#include <applibs/pwm.h>

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_StepTimerHandler_Consume = 2,
    ExitCode_StepTimerHandler_Apply = 3,
    ExitCode_Init_EventLoop = 4,
    ExitCode_Init_PwmOpen = 5,
    ExitCode_Init_StepTimer = 6,
    ExitCode_Main_EventLoopFail = 7,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;

static int pwmFd = -1;
static EventLoop *eventLoop = NULL;
static EventLoopTimer *stepTimer = NULL;

static const unsigned int fullCycleNs = 1000000;  // 1 ms period (1 kHz)
static const unsigned int stepIncrementNs = 100000;
static unsigned int dutyCycleNs = 0;

static PwmState ledPwmState = {.period_nsec = 1000000,
                               .dutyCycle_nsec = 0,
                               .polarity = PWM_Polarity_Inversed,
                               .enabled = true};

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = ExitCode_TermHandler_SigTerm;
}

static bool ApplyDutyCycle(void)
{
    ledPwmState.period_nsec = fullCycleNs;
    ledPwmState.dutyCycle_nsec = dutyCycleNs;
    if (PWM_Apply(pwmFd, SAMPLE_LED_PWM_CHANNEL, &ledPwmState) != 0) {
        Log_Debug("PWM_Apply failed: %s (%d)\n", strerror(errno), errno);
        return false;
    }
    Log_Debug("Duty cycle: %u%% (%u ns of %u ns)\n", dutyCycleNs * 100 / fullCycleNs,
              dutyCycleNs, fullCycleNs);
    return true;
}

static void StepTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_StepTimerHandler_Consume;
        return;
    }
    dutyCycleNs += stepIncrementNs;
    if (dutyCycleNs > fullCycleNs) {
        dutyCycleNs = 0;
    }
    if (!ApplyDutyCycle()) {
        exitCode = ExitCode_StepTimerHandler_Apply;
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
    pwmFd = PWM_Open(SAMPLE_LED_PWM_CONTROLLER);
    if (pwmFd == -1) {
        Log_Debug("Error opening SAMPLE_LED_PWM_CONTROLLER: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_PwmOpen;
    }
    if (!ApplyDutyCycle()) {
        return ExitCode_Init_PwmOpen;
    }
    static const struct timespec stepPeriod = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
    stepTimer = CreateEventLoopPeriodicTimer(eventLoop, StepTimerEventHandler, &stepPeriod);
    if (stepTimer == NULL) {
        return ExitCode_Init_StepTimer;
    }
    return ExitCode_Success;
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(stepTimer);
    EventLoop_Close(eventLoop);
    if (pwmFd >= 0) {
        // Leave the LED off.
        ledPwmState.enabled = false;
        PWM_Apply(pwmFd, SAMPLE_LED_PWM_CHANNEL, &ledPwmState);
        close(pwmFd);
    }
}

int main(void)
{
    Log_Debug("Starting pwm-dim sample.\n");
    exitCode = InitPeripheralsAndHandlers();

    while (exitCode == ExitCode_Success) {
        EventLoop_Run_Result result = EventLoop_Run(eventLoop, -1, true);
        if (result == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = ExitCode_Main_EventLoopFail;
        }
    }

    ClosePeripheralsAndHandlers();
    Log_Debug("Application exiting.\n");
    return exitCode;
}
