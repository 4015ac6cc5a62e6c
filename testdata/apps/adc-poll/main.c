// adc-poll: reads a potentiometer through the ADC every second, in the style of the Azure
// Sphere ADC_HighLevelApp sample.
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_POTENTIOMETER_ADC_CONTROLLER =
// ADC controller 0 ("ADC-CONTROLLER-0" in the manifest), SAMPLE_POTENTIOMETER_ADC_CHANNEL =
// channel 1 (header 2 pin 13 on the RDB). The reference voltage is 2.5 V, so with 12-bit
// samples 0 reads as 0 V and 4095 as 2.5 V.
//
// Output:
//   Starting adc-poll sample.
//   ADC sample bit count: 12
//   The out sample value is 1.250 V   (every second)

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/adc.h>
#include <applibs/eventloop.h>
#include <applibs/log.h>

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_AdcTimerHandler_Consume = 2,
    ExitCode_AdcTimerHandler_Poll = 3,
    ExitCode_Init_EventLoop = 4,
    ExitCode_Init_AdcOpen = 5,
    ExitCode_Init_GetBitCount = 6,
    ExitCode_Init_UnexpectedBitCount = 7,
    ExitCode_Init_SetRefVoltage = 8,
    ExitCode_Init_AdcPollTimer = 9,
    ExitCode_Main_EventLoopFail = 10,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;

static int adcControllerFd = -1;
static EventLoop *eventLoop = NULL;
static EventLoopTimer *adcPollTimer = NULL;

// The reference voltage: the input that reads as the largest sample.
static const float sampleMaxVoltage = 2.5f;
static int sampleBitCount = -1;

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = ExitCode_TermHandler_SigTerm;
}

static void AdcPollingEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_AdcTimerHandler_Consume;
        return;
    }
    uint32_t value;
    if (ADC_Poll(adcControllerFd, SAMPLE_POTENTIOMETER_ADC_CHANNEL, &value) == -1) {
        Log_Debug("ADC_Poll failed with error: %s (%d)\n", strerror(errno), errno);
        exitCode = ExitCode_AdcTimerHandler_Poll;
        return;
    }
    float voltage = ((float)value * sampleMaxVoltage) / (float)((1 << sampleBitCount) - 1);
    Log_Debug("The out sample value is %.3f V\n", (double)voltage);
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

    adcControllerFd = ADC_Open(SAMPLE_POTENTIOMETER_ADC_CONTROLLER);
    if (adcControllerFd == -1) {
        Log_Debug("ADC_Open failed with error: %s (%d)\n", strerror(errno), errno);
        return ExitCode_Init_AdcOpen;
    }

    sampleBitCount = ADC_GetSampleBitCount(adcControllerFd, SAMPLE_POTENTIOMETER_ADC_CHANNEL);
    if (sampleBitCount == -1) {
        Log_Debug("ADC_GetSampleBitCount failed with error : %s (%d)\n", strerror(errno), errno);
        return ExitCode_Init_GetBitCount;
    }
    if (sampleBitCount == 0) {
        Log_Debug("ADC_GetSampleBitCount returned sample size of 0 bits.\n");
        return ExitCode_Init_UnexpectedBitCount;
    }
    Log_Debug("ADC sample bit count: %d\n", sampleBitCount);

    if (ADC_SetReferenceVoltage(adcControllerFd, SAMPLE_POTENTIOMETER_ADC_CHANNEL,
                                sampleMaxVoltage) == -1) {
        Log_Debug("ADC_SetReferenceVoltage failed with error : %s (%d)\n", strerror(errno), errno);
        return ExitCode_Init_SetRefVoltage;
    }

    static const struct timespec adcCheckPeriod = {.tv_sec = 1, .tv_nsec = 0};
    adcPollTimer = CreateEventLoopPeriodicTimer(eventLoop, AdcPollingEventHandler, &adcCheckPeriod);
    if (adcPollTimer == NULL) {
        return ExitCode_Init_AdcPollTimer;
    }
    return ExitCode_Success;
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(adcPollTimer);
    EventLoop_Close(eventLoop);
    if (adcControllerFd >= 0) {
        close(adcControllerFd);
    }
}

int main(void)
{
    Log_Debug("Starting adc-poll sample.\n");
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
