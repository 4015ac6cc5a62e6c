// storage-counter: keeps a counter in the app's mutable storage, in the style of the Azure
// Sphere MutableStorage sample. At start it reads the counter (0 when the file is empty or
// missing) and logs it; each press of button A increments it and writes it back; button B
// deletes the file. The buttons are polled every millisecond from an EventLoop timer.
//
// Hardware (hardware-definitions/sample_appliance.json): SAMPLE_BUTTON_1 = button A (GPIO 12),
// SAMPLE_BUTTON_2 = button B (GPIO 13); both read Low while pressed.
// Manifest: MutableStorage { SizeKB: 8 }.
//
// Output:
//   Starting storage-counter sample.
//   Read value 0 from mutable storage.
//   (button A:) Wrote value 1 to mutable storage.
//   (button B:) Deleted mutable storage file.

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applibs_versions.h"
#include <applibs/eventloop.h>
#include <applibs/gpio.h>
#include <applibs/log.h>
#include <applibs/storage.h>

#include <hw/sample_appliance.h>

#include "eventloop_timer_utilities.h"

typedef enum {
    ExitCode_Success = 0,
    ExitCode_TermHandler_SigTerm = 1,
    ExitCode_ButtonTimer_Consume = 2,
    ExitCode_ButtonTimer_GetButtonState = 3,
    ExitCode_ReadFile_OpenMutableFile = 4,
    ExitCode_ReadFile_Read = 5,
    ExitCode_WriteFile_OpenMutableFile = 6,
    ExitCode_WriteFile_Lseek = 7,
    ExitCode_WriteFile_Write = 8,
    ExitCode_Init_EventLoop = 9,
    ExitCode_Init_Button1 = 10,
    ExitCode_Init_Button2 = 11,
    ExitCode_Init_ButtonPollTimer = 12,
    ExitCode_Main_EventLoopFail = 13,
} ExitCode;

static volatile sig_atomic_t exitCode = ExitCode_Success;

static EventLoop *eventLoop = NULL;
static EventLoopTimer *buttonPollTimer = NULL;
static int button1Fd = -1;
static int button2Fd = -1;
static GPIO_Value_Type button1State = GPIO_Value_High;
static GPIO_Value_Type button2State = GPIO_Value_High;

static void TerminationHandler(int signalNumber)
{
    (void)signalNumber;
    exitCode = ExitCode_TermHandler_SigTerm;
}

// Reads the counter; an empty (or just created) file counts as 0.
static uint32_t ReadMutableFile(void)
{
    int fd = Storage_OpenMutableFile();
    if (fd == -1) {
        Log_Debug("ERROR: Could not open mutable file: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_ReadFile_OpenMutableFile;
        return 0;
    }
    uint32_t value = 0;
    ssize_t n = read(fd, &value, sizeof value);
    if (n == -1) {
        Log_Debug("ERROR: Could not read mutable file: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_ReadFile_Read;
    } else if (n < (ssize_t)sizeof value) {
        value = 0;  // empty or short file
    }
    close(fd);
    return value;
}

static void WriteToMutableFile(uint32_t value)
{
    int fd = Storage_OpenMutableFile();
    if (fd == -1) {
        Log_Debug("ERROR: Could not open mutable file: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_WriteFile_OpenMutableFile;
        return;
    }
    if (lseek(fd, 0, SEEK_SET) == -1) {
        Log_Debug("ERROR: Could not seek in mutable file: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_WriteFile_Lseek;
        close(fd);
        return;
    }
    ssize_t n = write(fd, &value, sizeof value);
    if (n == -1) {
        Log_Debug("ERROR: Could not write to mutable file: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_WriteFile_Write;
    } else if (n < (ssize_t)sizeof value) {
        Log_Debug("WARNING: Only wrote %zd of %zu bytes to mutable file.\n", n, sizeof value);
    } else {
        Log_Debug("Wrote value %u to mutable storage.\n", value);
    }
    close(fd);
}

static void DeleteMutableFile(void)
{
    if (Storage_DeleteMutableFile() == -1) {
        Log_Debug("ERROR: Could not delete mutable file: %s (%d).\n", strerror(errno), errno);
        return;  // ENOENT when there is nothing to delete: not fatal
    }
    Log_Debug("Deleted mutable storage file.\n");
}

// Returns true on a High -> Low edge (the button was just pressed).
static bool IsButtonPressed(int fd, GPIO_Value_Type *oldState)
{
    GPIO_Value_Type newState;
    if (GPIO_GetValue(fd, &newState) != 0) {
        Log_Debug("ERROR: Could not read button GPIO: %s (%d).\n", strerror(errno), errno);
        exitCode = ExitCode_ButtonTimer_GetButtonState;
        return false;
    }
    bool pressed = newState != *oldState && newState == GPIO_Value_Low;
    *oldState = newState;
    return pressed;
}

static void ButtonTimerEventHandler(EventLoopTimer *timer)
{
    if (ConsumeEventLoopTimerEvent(timer) != 0) {
        exitCode = ExitCode_ButtonTimer_Consume;
        return;
    }
    if (IsButtonPressed(button1Fd, &button1State)) {
        uint32_t value = ReadMutableFile();
        if (exitCode == ExitCode_Success) {
            WriteToMutableFile(value + 1);
        }
    }
    if (IsButtonPressed(button2Fd, &button2State)) {
        DeleteMutableFile();
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
    button1Fd = GPIO_OpenAsInput(SAMPLE_BUTTON_1);
    if (button1Fd == -1) {
        Log_Debug("ERROR: Could not open button A: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_Button1;
    }
    button2Fd = GPIO_OpenAsInput(SAMPLE_BUTTON_2);
    if (button2Fd == -1) {
        Log_Debug("ERROR: Could not open button B: %s (%d).\n", strerror(errno), errno);
        return ExitCode_Init_Button2;
    }
    static const struct timespec buttonPollPeriod = {.tv_sec = 0, .tv_nsec = 1000 * 1000};
    buttonPollTimer =
        CreateEventLoopPeriodicTimer(eventLoop, ButtonTimerEventHandler, &buttonPollPeriod);
    if (buttonPollTimer == NULL) {
        return ExitCode_Init_ButtonPollTimer;
    }
    return ExitCode_Success;
}

static void ClosePeripheralsAndHandlers(void)
{
    DisposeEventLoopTimer(buttonPollTimer);
    EventLoop_Close(eventLoop);
    if (button1Fd >= 0) {
        close(button1Fd);
    }
    if (button2Fd >= 0) {
        close(button2Fd);
    }
}

int main(void)
{
    Log_Debug("Starting storage-counter sample.\n");
    exitCode = InitPeripheralsAndHandlers();
    if (exitCode == ExitCode_Success) {
        uint32_t value = ReadMutableFile();
        Log_Debug("Read value %u from mutable storage.\n", value);
    }

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
