// dw100-hl: the high-level half of the DW100 dishwasher controller (docs/dw100.md). The
// real-time app rt-dw100 regulates the water temperature; this app
//   - logs each telemetry message it receives over the intercore socket,
//   - lights the rinse-agent alert LED while the level is low (below 20 %) and turns it off
//     once the tank is refilled (25 % or more: a little hysteresis, so the LED never flickers
//     around the threshold),
//   - toggles the set point between 60 and 70 °C on each press of button A and sends it to the
//     real-time app, and re-sends it whenever telemetry shows the real-time app disagrees (after
//     a restart of either side, say).
// The structure is the Azure Sphere samples': an event loop with a button-poll timer and the
// socket registered for input, a SIGTERM handler, exit codes.
//
// Hardware (hardware-definitions/dw100.json): DW100_RINSE_ALERT_LED = LED 2 red (GPIO 15,
// active-low), DW100_SETPOINT_BUTTON = button A (GPIO 12, low while pressed). GPIO block 3
// (GPIO 12-15) is the high-level core's; the heater (GPIO 4) and the ADC are rt-dw100's.
//
// Output:
//   DW100 controller starting; set point 60 C (button A toggles 60/70 C).
//   telemetry: temp=20.1 C rinse=30 % heater=on setpoint=60 C
//   ALERT: rinse agent low (19 %): LED 2 red on
//   button A: set point 60 C -> 70 C
//   real-time app acknowledged: setpoint=70
//   rinse agent refilled (100 %): alert off

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/application.h>
#include <applibs/eventloop.h>
#include <applibs/gpio.h>
#include <applibs/log.h>

#include <hw/dw100.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_ButtonTimer_Consume = 2,
    ExitCode_ButtonTimer_GetButtonState = 3,
    ExitCode_Socket_Recv = 4,
    ExitCode_Init_EventLoop = 5,
    ExitCode_Init_Button = 6,
    ExitCode_Init_ButtonPollTimer = 7,
    ExitCode_Init_Led = 8,
    ExitCode_Init_Connection = 9,
    ExitCode_Init_RegisterIo = 10,
    ExitCode_Main_EventLoopFail = 11,
} ExitCode;

static const char rtAppComponentId[] = "178f9900-6220-4614-8738-435bb2c47d54";

#define RINSE_LOW_PERCENT 20      // the alert lights below this level
#define RINSE_REFILLED_PERCENT 25 // and goes off at this level or above
static const int setPoints[] = {60, 70};

static volatile sig_atomic_t exitCode = ExitCode_Success;

static int sockFd = -1;
static int ledFd = -1;
static int buttonFd = -1;
static EventLoop *eventLoop = NULL;
static EventRegistration *socketEventReg = NULL;
static EventLoopTimer *buttonPollTimer = NULL;

static size_t setPointIndex = 0;
static bool alertOn = false;
static GPIO_Value_Type buttonState = GPIO_Value_High; // High = released

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = ExitCode_TermHandler_SigTerm;
}

static void SendSetPoint(void)
{
    char msg[32];
    int len = snprintf(msg, sizeof msg, "setpoint=%d", setPoints[setPointIndex]);
    if (send(sockFd, msg, (size_t)len, 0) == -1) {
        // ECONNRESET while the real-time app is not running; telemetry will tell us to resend.
        Log_Debug("ERROR: Unable to send the set point: %s (%d).\n", strerror(errno), errno);
    }
}

static void SetAlert(bool on, int rinse)
{
    if (on == alertOn) {
        return;
    }
    if (GPIO_SetValue(ledFd, on ? GPIO_Value_Low : GPIO_Value_High) != 0) {
        Log_Debug("ERROR: Could not set the alert LED: %s (%d).\n", strerror(errno), errno);
        return;
    }
    alertOn = on;
    if (on) {
        Log_Debug("ALERT: rinse agent low (%d %%): LED 2 red on\n", rinse);
    } else {
        Log_Debug("rinse agent refilled (%d %%): alert off\n", rinse);
    }
}

static void HandleTelemetry(const char *msg)
{
    char temp[16];
    int rinse, heater, setPoint;
    if (sscanf(msg, "temp=%15s rinse=%d heater=%d setpoint=%d", temp, &rinse, &heater, &setPoint) != 4) {
        Log_Debug("ERROR: unexpected message from the real-time app: '%s'\n", msg);
        return;
    }
    Log_Debug("telemetry: temp=%s C rinse=%d %% heater=%s setpoint=%d C\n", temp, rinse,
              heater ? "on" : "off", setPoint);
    if (rinse < RINSE_LOW_PERCENT) {
        SetAlert(true, rinse);
    } else if (rinse >= RINSE_REFILLED_PERCENT) {
        SetAlert(false, rinse);
    }
    if (setPoint != setPoints[setPointIndex]) {
        Log_Debug("real-time app regulates at %d C, want %d C: sending the set point\n", setPoint,
                  setPoints[setPointIndex]);
        SendSetPoint();
    }
}

static void SocketEventHandler(EventLoop *el, int fd, EventLoop_IoEvents events, void *context)
{
    (void)el;
    (void)events;
    (void)context;
    char buf[128];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n == -1) {
        if (errno == EAGAIN) {
            return;
        }
        Log_Debug("ERROR: Unable to receive a message: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_Socket_Recv;
        return;
    }
    buf[n] = '\0';
    if (strncmp(buf, "ack ", 4) == 0) {
        Log_Debug("real-time app acknowledged: %s\n", buf + 4);
    } else if (strncmp(buf, "nak ", 4) == 0) {
        Log_Debug("ERROR: real-time app refused the set point: %s\n", buf + 4);
    } else {
        HandleTelemetry(buf);
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
        Log_Debug("ERROR: Could not read button A: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_ButtonTimer_GetButtonState;
        return;
    }
    // The button reads Low while pressed: act on the High -> Low edge.
    if (newState != buttonState) {
        if (newState == GPIO_Value_Low) {
            int old = setPoints[setPointIndex];
            setPointIndex = (setPointIndex + 1) % (sizeof setPoints / sizeof setPoints[0]);
            Log_Debug("button A: set point %d C -> %d C\n", old, setPoints[setPointIndex]);
            SendSetPoint();
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

    ledFd = GPIO_OpenAsOutput(DW100_RINSE_ALERT_LED, GPIO_OutputMode_PushPull, GPIO_Value_High);
    if (ledFd == -1) {
        Log_Debug("ERROR: Could not open the alert LED: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_Led;
    }
    buttonFd = GPIO_OpenAsInput(DW100_SETPOINT_BUTTON);
    if (buttonFd == -1) {
        Log_Debug("ERROR: Could not open button A: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_Button;
    }
    // 10 ms is plenty for a press of a tenth of a second, and cheap.
    static const struct timespec buttonPollPeriod = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
    buttonPollTimer =
        CreateEventLoopPeriodicTimer(eventLoop, ButtonTimerEventHandler, &buttonPollPeriod);
    if (buttonPollTimer == NULL) {
        return ExitCode_Init_ButtonPollTimer;
    }

    sockFd = Application_Connect(rtAppComponentId);
    if (sockFd == -1) {
        Log_Debug("ERROR: Unable to connect to the real-time app: %s (%d).\n", strerror(errno),
                  errno);
        return ExitCode_Init_Connection;
    }
    socketEventReg =
        EventLoop_RegisterIo(eventLoop, sockFd, EventLoop_Input, SocketEventHandler, NULL);
    if (socketEventReg == NULL) {
        Log_Debug("ERROR: Unable to register the socket: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_RegisterIo;
    }
    SendSetPoint();
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
    DisposeEventLoopTimer(buttonPollTimer);
    EventLoop_UnregisterIo(eventLoop, socketEventReg);
    EventLoop_Close(eventLoop);

    Log_Debug("Closing file descriptors.\n");
    if (ledFd >= 0) {
        GPIO_SetValue(ledFd, GPIO_Value_High); // leave the LED off
    }
    CloseFdAndPrintError(ledFd, "AlertLed");
    CloseFdAndPrintError(buttonFd, "Button");
    CloseFdAndPrintError(sockFd, "Socket");
}

int main(void)
{
    Log_Debug("DW100 controller starting; set point %d C (button A toggles %d/%d C).\n",
              setPoints[0], setPoints[0], setPoints[1]);
    exitCode = InitPeripheralsAndHandlers();

    while (exitCode == ExitCode_Success) {
        EventLoop_Run_Result result = EventLoop_Run(eventLoop, -1, true);
        // EINTR: a signal handler ran (SIGTERM, say); the loop condition decides.
        if (result == EventLoop_Run_Failed && errno != EINTR) {
            exitCode = ExitCode_Main_EventLoopFail;
        }
    }

    ClosePeripheralsAndHandlers();
    Log_Debug("Application exiting.\n");
    return exitCode;
}
