// uart-loopback: sends "Hello world!\n" over the ISU0 UART every 2 seconds and on each press of
// button A, and logs what the UART receives, in the style of the Azure Sphere
// UART_HighLevelApp sample. The UART descriptor is registered with the EventLoop, so received
// data is handled as soon as it arrives. With TX wired to RX (the emulator's default for this
// UART) the app receives its own text.
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_UART_LOOPBACK = ISU0 UART on
// header 2 ("ISU0" in the manifest), SAMPLE_BUTTON_1 = button A (GPIO 12, Low while pressed).
//
// Output:
//   Starting uart-loopback sample.
//   Sent 13 bytes over UART in 1 calls.
//   UART received 13 bytes: 'Hello world!
//   '.

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
#include <applibs/uart.h>

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_SendMessage_Write = 2,
    ExitCode_ButtonTimer_Consume = 3,
    ExitCode_ButtonTimer_GetButtonState = 4,
    ExitCode_SendTimer_Consume = 5,
    ExitCode_UartEvent_Read = 6,
    ExitCode_Init_EventLoop = 7,
    ExitCode_Init_UartOpen = 8,
    ExitCode_Init_RegisterIo = 9,
    ExitCode_Init_OpenButton = 10,
    ExitCode_Init_ButtonPollTimer = 11,
    ExitCode_Init_SendTimer = 12,
    ExitCode_Main_EventLoopFail = 13,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;

static int uartFd = -1;
static int gpioButtonFd = -1;
static EventLoop *eventLoop = NULL;
static EventRegistration *uartEventReg = NULL;
static EventLoopTimer *buttonPollTimer = NULL;
static EventLoopTimer *sendTimer = NULL;
static GPIO_Value_Type buttonState = GPIO_Value_High;

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = ExitCode_TermHandler_SigTerm;
}

// Writes the whole message, in as many write() calls as the UART needs.
static void SendUartMessage(int fd, const char *dataToSend)
{
    size_t totalBytesSent = 0;
    size_t totalBytesToSend = strlen(dataToSend);
    int sendIterations = 0;
    while (totalBytesSent < totalBytesToSend) {
        sendIterations++;
        size_t bytesLeftToSend = totalBytesToSend - totalBytesSent;
        ssize_t bytesSent = write(fd, dataToSend + totalBytesSent, bytesLeftToSend);
        if (bytesSent == -1) {
            if (errno == EAGAIN) {
                continue;  // the UART's transmit buffer is full: try again
            }
            Log_Debug("ERROR: Could not write to UART: %s (%d).\n", strerror(errno), errno);
            exitCode = ExitCode_SendMessage_Write;
            return;
        }
        totalBytesSent += (size_t)bytesSent;
    }
    Log_Debug("Sent %zu bytes over UART in %d calls.\n", totalBytesSent, sendIterations);
}

static void ButtonTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_ButtonTimer_Consume;
        return;
    }
    GPIO_Value_Type newState;
    if (GPIO_GetValue(gpioButtonFd, &newState) != 0) {
        Log_Debug("ERROR: Could not read button GPIO: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_ButtonTimer_GetButtonState;
        return;
    }
    if (newState != buttonState) {
        if (newState == GPIO_Value_Low) {
            SendUartMessage(uartFd, "Hello world!\n");
        }
        buttonState = newState;
    }
}

static void SendTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_SendTimer_Consume;
        return;
    }
    SendUartMessage(uartFd, "Hello world!\n");
}

static void UartEventHandler(EventLoop *el, int fd, EventLoop_IoEvents events, void *context)
{
    (void)el;
    (void)events;
    (void)context;
    char receiveBuffer[32 + 1];
    ssize_t bytesRead = read(fd, receiveBuffer, sizeof receiveBuffer - 1);
    if (bytesRead == -1) {
        if (errno == EAGAIN) {
            return;  // nothing to read after all
        }
        Log_Debug("ERROR: Could not read UART: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_UartEvent_Read;
        return;
    }
    if (bytesRead > 0) {
        receiveBuffer[bytesRead] = '\0';
        Log_Debug("UART received %zd bytes: '%s'.\n", bytesRead, receiveBuffer);
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

    UART_Config uartConfig;
    UART_InitConfig(&uartConfig);
    uartConfig.baudRate = 115200;
    uartConfig.dataBits = UART_DataBits_Eight;
    uartConfig.parity = UART_Parity_None;
    uartConfig.stopBits = UART_StopBits_One;
    uartConfig.flowControl = UART_FlowControl_None;
    uartFd = UART_Open(SAMPLE_UART_LOOPBACK, &uartConfig);
    if (uartFd == -1) {
        Log_Debug("ERROR: Could not open UART: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_UartOpen;
    }
    uartEventReg = EventLoop_RegisterIo(eventLoop, uartFd, EventLoop_Input, UartEventHandler, NULL);
    if (uartEventReg == NULL) {
        return ExitCode_Init_RegisterIo;
    }

    gpioButtonFd = GPIO_OpenAsInput(SAMPLE_BUTTON_1);
    if (gpioButtonFd == -1) {
        Log_Debug("ERROR: Could not open button GPIO: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_OpenButton;
    }
    static const struct timespec buttonPressCheckPeriod = {.tv_sec = 0, .tv_nsec = 1000000};
    buttonPollTimer =
        CreateEventLoopPeriodicTimer(eventLoop, ButtonTimerEventHandler, &buttonPressCheckPeriod);
    if (buttonPollTimer == NULL) {
        return ExitCode_Init_ButtonPollTimer;
    }
    static const struct timespec sendPeriod = {.tv_sec = 2, .tv_nsec = 0};
    sendTimer = CreateEventLoopPeriodicTimer(eventLoop, SendTimerEventHandler, &sendPeriod);
    if (sendTimer == NULL) {
        return ExitCode_Init_SendTimer;
    }
    return ExitCode_Success;
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(sendTimer);
    DisposeEventLoopTimer(buttonPollTimer);
    EventLoop_UnregisterIo(eventLoop, uartEventReg);
    EventLoop_Close(eventLoop);
    if (uartFd >= 0) {
        close(uartFd);
    }
    if (gpioButtonFd >= 0) {
        close(gpioButtonFd);
    }
}

int main(void)
{
    Log_Debug("Starting uart-loopback sample.\n");
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
